/**
 * Embeddings computed elsewhere (e.g. clip-retrieval on a cluster): an `.npy` matrix (n × d) plus
 * labels as `.npy` (integers or strings), CSV or plain text (one per line).
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

import { parseNpy, readNpy } from '../io/npy.js';
import { diskPath, readdirNames, shownPath } from '../io/rawpath.js';
import { byCodePoint, DatasetError, type Dataset } from './types.js';

export interface EmbeddingsOptions {
  /** Labels file; default: `labels.{npy,csv,txt}` next to the embeddings. */
  labels?: string;
  /** Optional class names file (one per line) giving the order of integer labels. */
  classes?: string;
}

const LABEL_NAMES = ['labels.npy', 'labels.csv', 'labels.txt', 'labels.tsv'];

/** In a folder: the one .npy that is not a labels file. */
export async function findEmbeddingsFile(path: string): Promise<string> {
  const st = await stat(diskPath(path)).catch(() => undefined);
  if (!st) throw new DatasetError(`${shownPath(path)} does not exist`);
  if (st.isFile()) return path;
  // Names that are not UTF-8 keep their bytes (io/rawpath.ts).
  const npys = (await readdirNames(path)).filter((f) => f.toLowerCase().endsWith('.npy') && !LABEL_NAMES.includes(f.toLowerCase())).sort(byCodePoint);
  if (npys.length === 0) throw new DatasetError(`${shownPath(path)} holds no .npy embeddings file`);
  const pick = npys.find((f) => /^(embeddings?|features|img_emb.*)\.npy$/i.test(f)) ?? (npys.length === 1 ? npys[0] : undefined);
  if (!pick)
    throw new DatasetError(`${shownPath(path)} holds several .npy files (${npys.map(shownPath).join(', ')}); name one embeddings.npy or pass the file`);
  return join(path, pick);
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (q) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/** Raw labels as strings, from .npy, .csv (a column named label/class/y, else the last) or text. */
export async function readLabels(file: string): Promise<string[]> {
  const ext = extname(file).toLowerCase();
  const buf = await readFile(diskPath(file)).catch(() => {
    throw new DatasetError(`cannot read labels file ${shownPath(file)}`);
  });
  if (ext === '.npy') {
    const a = parseNpy(buf, shownPath(file));
    if (a.shape.length !== 1 && !(a.shape.length === 2 && a.shape[1] === 1))
      throw new DatasetError(`${shownPath(file)}: labels must be a vector, got shape (${a.shape.join(', ')})`);
    return Array.from(a.data as ArrayLike<number | bigint>, (v) => {
      if (typeof v === 'number' && !Number.isInteger(v)) throw new DatasetError(`${shownPath(file)}: label ${v} is not an integer; save labels as integers`);
      return String(v);
    });
  }
  const lines = buf.toString('utf8').split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === '') lines.pop();
  if (ext === '.csv' || ext === '.tsv') {
    const rows = lines.map((l) => (ext === '.tsv' ? l.split('\t').map((s) => s.trim()) : parseCsvLine(l)));
    if (rows.length === 0) return [];
    const head = rows[0].map((h) => h.toLowerCase());
    const named = head.findIndex((h) => ['label', 'labels', 'class', 'class_name', 'y', 'target'].includes(h));
    const col = named >= 0 ? named : head.length - 1;
    // A header row is recognised by a known column name; otherwise every row is data.
    const data = named >= 0 ? rows.slice(1) : rows;
    return data.map((r, i) => {
      if (r.length <= col) throw new DatasetError(`${shownPath(file)} row ${i + (named >= 0 ? 2 : 1)} has no column ${col + 1}`);
      return r[col];
    });
  }
  return lines.map((l) => l.trim());
}

const existing = (p: string): Promise<string | undefined> =>
  stat(diskPath(p)).then(
    () => p,
    () => undefined,
  );

/**
 * The labels of `file`: `<name>_labels.npy` beside `<name>.npy` (as analyze writes its embeddings), else
 * labels.npy, labels.csv, labels.txt or labels.tsv in its folder, the first there is.
 */
export async function findLabelsFile(dir: string, file?: string): Promise<string | undefined> {
  if (file?.toLowerCase().endsWith('.npy')) {
    const own = await existing(`${file.slice(0, -4)}_labels.npy`);
    if (own) return own;
  }
  for (const name of LABEL_NAMES) {
    const p = await existing(join(dir, name));
    if (p) return p;
  }
  return undefined;
}

/**
 * Raw labels (one per row) as class indices. Integers index `classesFile` (one name per line) when given,
 * else stand for themselves ("0", "1", …); any other labels are class names, in code-point order.
 * `where` names the labels' file in messages.
 */
export async function labelIndex(raw: string[], where: string, classesFile?: string): Promise<{ classes: string[]; labels: Int32Array }> {
  const empty = raw.indexOf('');
  if (empty >= 0) throw new DatasetError(`${shownPath(where)}: label ${empty + 1} is empty`);
  if (raw.every((r) => /^-?\d+$/.test(r))) {
    const ints = raw.map(Number);
    if (ints.some((v) => v < 0)) throw new DatasetError(`${shownPath(where)}: integer labels must be ≥ 0`);
    // A loop, not Math.max(...ints): spreading millions of labels overflows the call stack.
    let k = 0;
    for (const v of ints) if (v >= k) k = v + 1;
    const classes = classesFile
      ? (await readFile(diskPath(classesFile), 'utf8'))
          .split(/\r?\n/)
          .map((s) => s.trim())
          .filter(Boolean)
      : Array.from({ length: k }, (_, i) => String(i));
    if (classes.length < k) throw new DatasetError(`${shownPath(classesFile ?? '')}: ${classes.length} class names but labels go up to ${k - 1}`);
    return { classes, labels: Int32Array.from(ints) };
  }
  const classes = [...new Set(raw)].sort(byCodePoint);
  const idx = new Map(classes.map((c, i) => [c, i]));
  return { classes, labels: Int32Array.from(raw, (r) => idx.get(r)!) };
}

export async function loadEmbeddings(path: string, options: EmbeddingsOptions = {}): Promise<Dataset> {
  const file = await findEmbeddingsFile(path);
  const arr = await readNpy(file);
  if (arr.shape.length !== 2) throw new DatasetError(`${shownPath(file)}: embeddings must be a 2-D array (n × d), got shape (${arr.shape.join(', ')})`);
  const [n, d] = arr.shape;
  if (!(arr.data instanceof Float32Array || arr.data instanceof Float64Array))
    throw new DatasetError(`${shownPath(file)}: embeddings must be float32 or float64, got ${arr.dtype}`);
  const data = Float32Array.from(arr.data);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new DatasetError(`${shownPath(file)}: row ${Math.floor(i / d)} holds a non-finite value`);
  }
  const dir = dirname(file);
  const labelsFile = options.labels ?? (await findLabelsFile(dir, file));
  if (!labelsFile) throw new DatasetError(`${shownPath(file)}: no labels found; put labels.npy, labels.csv or labels.txt next to it or pass a labels file`);
  const raw = await readLabels(labelsFile);
  if (raw.length !== n) throw new DatasetError(`${shownPath(basename(labelsFile))} has ${raw.length} labels but ${shownPath(basename(file))} has ${n} rows`);
  const { classes, labels } = await labelIndex(raw, labelsFile, options.classes ?? (await existing(join(dir, 'classes.txt'))));
  const counts: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  for (const l of labels) counts[classes[l]]++;
  return {
    format: 'embeddings',
    root: file,
    classes,
    items: [],
    split: 'all',
    counts: { all: counts },
    skipped: [],
    extra: [],
    warnings: classes.filter((c) => counts[c] === 0).map((c) => `class '${c}' has no rows`),
    embeddings: { data, n, d, labels },
  };
}
