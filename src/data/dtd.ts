/**
 * The Describable Textures Dataset as distributed: `images/<class>/<class>_NNNN.jpg`,
 * `labels/{train,val,test}{1..10}.txt`, `labels/labels_joint_anno.txt` and `imdb/imdb.mat`.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { nameFromBytes, readdirNames, readdirRaw, shownPath, type RawDirent } from '../io/rawpath.js';
import { UsageError } from '../errors.js';

import { checkFiles, IMAGE_EXTENSIONS } from './folder.js';
import { readMat, type MatValue } from './mat.js';
import { byCodePoint, countBy, DatasetError, SPLITS, type Dataset, type ImageCheck, type ImageItem, type Split } from './types.js';

/** DTD's 47 classes in canonical (sorted) order. */
export const DTD_CLASSES: readonly string[] = [
  'banded',
  'blotchy',
  'braided',
  'bubbly',
  'bumpy',
  'chequered',
  'cobwebbed',
  'cracked',
  'crosshatched',
  'crystalline',
  'dotted',
  'fibrous',
  'flecked',
  'freckled',
  'frilly',
  'gauzy',
  'grid',
  'grooved',
  'honeycombed',
  'interlaced',
  'knitted',
  'lacelike',
  'lined',
  'marbled',
  'matted',
  'meshed',
  'paisley',
  'perforated',
  'pitted',
  'pleated',
  'polka-dotted',
  'porous',
  'potholed',
  'scaly',
  'smeared',
  'spiralled',
  'sprinkled',
  'stained',
  'stratified',
  'striped',
  'studded',
  'swirly',
  'veined',
  'waffled',
  'woven',
  'wrinkled',
  'zigzagged',
];
export const DTD_PER_CLASS = 120;
export const DTD_PER_SPLIT_CLASS = 40;

export type DtdSource = 'labels' | 'imdb' | 'auto';

export interface DtdOptions {
  split?: Split;
  partition?: number;
  /** Where split membership comes from; 'auto' uses label files when present, else imdb.mat. */
  source?: DtdSource;
  /** Path of the .mat file (default `imdb/imdb.mat` under the root). */
  imdbPath?: string;
  check?: ImageCheck;
  pixelLimit?: number;
  concurrency?: number;
}

type BaseSplit = 'train' | 'val' | 'test';
const BASE: BaseSplit[] = ['train', 'val', 'test'];

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** The DTD root: the folder itself, or its `dtd/` child as the archive unpacks. */
export async function findDtdRoot(dir: string): Promise<string | undefined> {
  for (const c of [dir, join(dir, 'dtd')]) {
    if ((await exists(join(c, 'images'))) && ((await exists(join(c, 'labels'))) || (await exists(join(c, 'imdb'))))) return c;
  }
  return undefined;
}

/** Split membership (`class/file.jpg` → split) from the label files of one partition. */
export async function readLabelFiles(root: string, partition: number, warnings: string[]): Promise<Map<string, BaseSplit>> {
  const member = new Map<string, BaseSplit>();
  for (const s of BASE) {
    const file = join(root, 'labels', `${s}${partition}.txt`);
    let text: string;
    try {
      // Decoded like file names (src/io/rawpath.ts), so a line naming a folder that is not UTF-8 matches it.
      text = nameFromBytes(await readFile(file));
    } catch {
      throw new DatasetError(`DTD: ${file} is missing; partitions 1–10 each need train, val and test label files`);
    }
    if (!text.trim()) warnings.push(`labels/${s}${partition}.txt is empty: its split has no images`);
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (!line) continue;
      if (!/^[^/]+\/[^/]+$/.test(line)) {
        warnings.push(`labels/${s}${partition}.txt line ${i + 1}: '${line}' is not of the form class/file.jpg; ignored`);
        continue;
      }
      const prev = member.get(line);
      if (prev) warnings.push(`${line} is listed in both ${prev}${partition}.txt and ${s}${partition}.txt; kept in ${prev}`);
      else member.set(line, s);
    }
  }
  return member;
}

function field(v: MatValue | undefined, name: string, where: string): MatValue {
  if (v?.kind !== 'struct' || v.elements.length < 1) throw new DatasetError(`${where}: expected a struct holding '${name}'`);
  const f = v.elements[0][name];
  if (!f) throw new DatasetError(`${where}: struct has no field '${name}' (fields: ${v.fields.join(', ')})`);
  return f;
}

function strings(v: MatValue, where: string): string[] {
  if (v.kind === 'cell') {
    return v.cells.map((c, i) => {
      if (c.kind !== 'char') throw new DatasetError(`${where}{${i + 1}} is not a string`);
      return c.rows.join('');
    });
  }
  if (v.kind === 'char') return v.rows.map((r) => r.trimEnd());
  throw new DatasetError(`${where}: expected a cell array of strings`);
}

function numbers(v: MatValue, where: string): { values: Float64Array; dims: number[] } {
  if (v.kind !== 'numeric') throw new DatasetError(`${where}: expected a numeric array`);
  return { values: v.real, dims: v.dims };
}

export interface ImdbContents {
  classes: string[];
  /** Image names (`class/class_NNNN.jpg`), ids, 1-based classes. */
  names: string[];
  ids: number[];
  classOf: number[];
  /** Split per image for the requested partition. */
  split: Array<BaseSplit | undefined>;
  partitions: number;
}

/** Reads imdb.mat (`images.{id,name,class,set}`, `meta.classes`), at the top level or inside `imdb`. */
export function parseImdb(buf: Buffer, partition: number, source = 'imdb.mat'): ImdbContents {
  let vars = readMat(buf, { source });
  if (!vars.images && vars.imdb?.kind === 'struct') {
    vars = vars.imdb.elements[0];
  }
  const images = vars.images;
  const meta = vars.meta;
  const where = `${source}: images`;
  const names = strings(field(images, 'name', where), `${where}.name`);
  const n = names.length;
  const ids = Array.from(numbers(field(images, 'id', where), `${where}.id`).values);
  const classOf = Array.from(numbers(field(images, 'class', where), `${where}.class`).values);
  const set = numbers(field(images, 'set', where), `${where}.set`);
  const classes = strings(field(meta, 'classes', `${source}: meta`), `${source}: meta.classes`);
  if (ids.length !== n || classOf.length !== n)
    throw new DatasetError(`${where}: id, name and class have different lengths (${ids.length}, ${n}, ${classOf.length})`);
  // `set` is 1 × n (one partition) or p × n (one row per partition), stored column-major.
  const rows = set.values.length / n;
  if (!Number.isInteger(rows) || set.dims.length !== 2 || (set.dims[0] !== rows && set.dims[1] !== rows)) {
    throw new DatasetError(`${where}.set has dimensions ${set.dims.join('×')}, expected 1×${n} or partitions×${n}`);
  }
  if (partition > rows) throw new DatasetError(`${where}.set holds ${rows} partition(s); partition ${partition} is not in it (use the label files)`);
  const setName = (v: number): BaseSplit | undefined => (v === 1 ? 'train' : v === 2 ? 'val' : v === 3 ? 'test' : undefined);
  const isRowMajorColumns = set.dims[0] === rows;
  const split = names.map((_, i) => setName(isRowMajorColumns ? set.values[i * rows + (partition - 1)] : set.values[(partition - 1) * n + i]));
  for (const [i, c] of classOf.entries()) {
    if (!Number.isInteger(c) || c < 1 || c > classes.length)
      throw new DatasetError(`${where}.class(${i + 1}) = ${c} is not a class index 1..${classes.length}`);
  }
  return { classes, names, ids, classOf, split, partitions: rows };
}

/** Attributes per image from labels_joint_anno.txt (`path attr attr ... ` with a trailing space). */
export async function readJointAnnotations(root: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  let text: string;
  try {
    text = await readFile(join(root, 'labels', 'labels_joint_anno.txt'), 'utf8');
  } catch {
    return out;
  }
  for (const raw of text.split(/\r?\n/)) {
    const parts = raw.trim().split(/\s+/).filter(Boolean);
    if (parts.length > 0) out.set(parts[0], parts.slice(1));
  }
  return out;
}

async function imagesOnDisk(root: string): Promise<string[]> {
  const out: string[] = [];
  let dirs: RawDirent[];
  try {
    dirs = await readdirRaw(join(root, 'images'));
  } catch {
    return out;
  }
  for (const d of dirs) {
    if (!d.isDirectory() || d.name.startsWith('.')) continue;
    for (const f of await readdirNames(join(root, 'images', d.name))) {
      if (f.startsWith('.')) continue;
      if (IMAGE_EXTENSIONS.has(f.slice(f.lastIndexOf('.')).toLowerCase())) out.push(`${d.name}/${f}`);
    }
  }
  return out.sort(byCodePoint);
}

function inSplit(s: BaseSplit, want: Split): boolean {
  return want === 'all' || s === want || (want === 'trainval' && s !== 'test');
}

export async function loadDtd(dir: string, options: DtdOptions = {}): Promise<Dataset> {
  const split = options.split ?? 'test';
  const partition = options.partition ?? 1;
  if (!SPLITS.includes(split)) throw new UsageError(`DTD: unknown split '${split}'; use one of ${SPLITS.join(', ')}`);
  if (!Number.isInteger(partition) || partition < 1 || partition > 10) throw new UsageError(`DTD: partition must be an integer 1–10, got ${partition}`);
  const root = await findDtdRoot(dir);
  if (!root) throw new DatasetError(`${dir} does not look like DTD: expected images/ with labels/ or imdb/ (or a dtd/ folder holding them)`);
  const warnings: string[] = [];
  const imdbPath = options.imdbPath ?? join(root, 'imdb', 'imdb.mat');
  let source = options.source ?? 'auto';
  if (source === 'auto') source = (await exists(join(root, 'labels', `train${partition}.txt`))) ? 'labels' : 'imdb';

  let member: Map<string, BaseSplit>;
  let classes: string[];
  if (source === 'labels') {
    member = await readLabelFiles(root, partition, warnings);
    // The classes are the folders of images/: a label line naming a class without a folder (a typo, or a
    // class the user removed) must not make a class of its own, with every one of its images "missing".
    const found = new Set<string>();
    for (const d of await readdirRaw(join(root, 'images')).catch(() => [])) {
      if (d.isDirectory() && !d.name.startsWith('.')) found.add(d.name);
    }
    classes = [...found].sort(byCodePoint);
    const orphans = new Map<string, number>();
    for (const rel of member.keys()) {
      const c = rel.split('/')[0];
      if (!found.has(c)) orphans.set(c, (orphans.get(c) ?? 0) + 1);
    }
    for (const [c, n] of [...orphans].sort((a, b) => byCodePoint(a[0], b[0])))
      warnings.push(`labels/*${partition}.txt: ${n} line(s) name class '${shownPath(c)}', which has no folder in images/; ignored`);
  } else {
    let buf: Buffer;
    try {
      buf = await readFile(imdbPath);
    } catch {
      throw new DatasetError(`DTD: neither labels/train${partition}.txt nor ${imdbPath} can be read`);
    }
    const imdb = parseImdb(buf, partition, imdbPath);
    classes = imdb.classes;
    member = new Map();
    imdb.names.forEach((name, i) => {
      const s = imdb.split[i];
      if (!s) return;
      const cls = imdb.classes[imdb.classOf[i] - 1];
      if (name.split('/')[0] !== cls) warnings.push(`${imdbPath}: image ${name} has class ${cls}`);
      member.set(name, s);
    });
  }
  const unknown = classes.filter((c) => !DTD_CLASSES.includes(c));
  if (unknown.length) warnings.push(`classes not in DTD's 47: ${unknown.map(shownPath).join(', ')}`);
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  // Names for people (and prompts): raw bytes of a folder name that is not UTF-8 as \xHH.
  classes = classes.map(shownPath);

  // Missing: listed but not on disk. Extra: on disk but listed in no split of this partition.
  const onDisk = new Set(await imagesOnDisk(root));
  const extra = [...onDisk].filter((r) => !member.has(r));
  const all: Array<{ rel: string; split: BaseSplit; label: number }> = [];
  const skipped: Dataset['skipped'] = [];
  for (const [rel, s] of [...member.entries()].sort((a, b) => byCodePoint(a[0], b[0]))) {
    const label = classIndex.get(rel.split('/')[0]);
    if (label === undefined) continue;
    if (!onDisk.has(rel)) {
      if (inSplit(s, split))
        skipped.push({
          path: join(root, 'images', rel),
          reason: `listed in ${source === 'labels' ? `labels/${s}${partition}.txt` : 'imdb.mat'} but missing from images/`,
          image: true,
        });
      continue;
    }
    all.push({ rel, split: s, label });
  }
  const wanted = all.filter((a) => inSplit(a.split, split));
  const checked = await checkFiles(
    join(root, 'images'),
    wanted.map((a) => ({ path: join(root, 'images', a.rel), label: a.label })),
    options.check ?? 'exists',
    options,
  );
  skipped.push(...checked.skipped);
  const items: ImageItem[] = checked.items;
  const bad = new Set(checked.skipped.map((s) => s.path));

  const counts: Dataset['counts'] = {};
  for (const s of SPLITS) {
    const these = all.filter((a) => inSplit(a.split, s) && !bad.has(join(root, 'images', a.rel)));
    counts[s] = countBy(
      these.map((a) => ({ path: '', rel: a.rel, label: a.label })),
      classes,
    );
  }
  // The full dataset has 40 images per class in each split; flag departures only then.
  if (classes.length === DTD_CLASSES.length && unknown.length === 0) {
    for (const s of BASE) {
      const off = classes.filter((c) => counts[s]![c] !== DTD_PER_SPLIT_CLASS);
      if (off.length)
        warnings.push(
          `${s}${partition}: ${off.length} class(es) do not have ${DTD_PER_SPLIT_CLASS} images (${off
            .slice(0, 5)
            .map((c) => `${c}: ${counts[s]![c]}`)
            .join(', ')})`,
        );
    }
    const perClass = countBy(
      [...onDisk].map((r) => ({ path: '', rel: r, label: classIndex.get(r.split('/')[0]) ?? -1 })).filter((x) => x.label >= 0),
      classes,
    );
    const offDisk = classes.filter((c) => perClass[c] !== DTD_PER_CLASS);
    if (offDisk.length) warnings.push(`images/: ${offDisk.length} class(es) do not have ${DTD_PER_CLASS} images`);
  }
  return { format: 'dtd', root, classes, items, split, partition, counts, skipped, extra, warnings };
}
