/**
 * Embedding sets made elsewhere, as `analyze --embeddings` reads them:
 * - a `.npy` matrix (n × d, float16/32/64) with labels beside it (`labels.{npy,csv,txt,tsv}`, optional
 *   `classes.txt`), or a folder holding one;
 * - a clip-retrieval folder: `img_emb/img_emb_<k>.npy` shards and `metadata/metadata_<k>.parquet` with one
 *   row per embedding row (clip-retrieval writes float16 shards; `image_path`, `url` or `key` names the image).
 * Only headers, labels and names are read when a set is opened; the rows are read when asked, only the
 * rows asked, so a set larger than memory can be sampled.
 */
import { open, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import { parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';

import { InputError } from '../errors.js';
import { type NpyHeader, parseNpyHeader, widenHalf } from '../io/npy.js';
import { diskPath, readdirNames, shownPath } from '../io/rawpath.js';
import { findEmbeddingsFile, findLabelsFile, labelIndex, readLabels } from './embeddings.js';
import { DatasetError } from './types.js';

export interface EmbeddingShard {
  file: string;
  rows: number;
  header: NpyHeader;
}

export interface EmbeddingSet {
  /** The path as given. */
  source: string;
  layout: 'npy' | 'clip-retrieval';
  shards: EmbeddingShard[];
  n: number;
  d: number;
  /** The stored dtype ('<f2', '<f4', '<f8'). */
  dtype: string;
  classes: string[];
  labels: Int32Array;
  /** Per row, the image it was made from (metadata image_path, url or key); null when the set names none. */
  names: string[] | null;
  /** Where the labels came from, in words. */
  labelSource: string;
}

export interface EmbeddingSetOptions {
  /** A labels file (one per row, over all shards in order) instead of the set's own. */
  labels?: string;
  /** Class names, one per line: the order of integer labels. */
  classes?: string;
  /** clip-retrieval: the metadata column holding the class. */
  labelColumn?: string;
}

const FLOAT_DTYPES = new Set(['<f2', '<f4', '<f8']);
/** Metadata columns taken for the class when none is named, in this order. */
const LABEL_COLUMNS = ['label', 'labels', 'class', 'class_name', 'category', 'target', 'y'];
/** Metadata columns naming the image, in this order. */
const NAME_COLUMNS = ['image_path', 'url', 'key'];

async function npyShard(file: string): Promise<EmbeddingShard> {
  const where = shownPath(file);
  const st = await stat(diskPath(file)).catch(() => undefined);
  if (!st?.isFile()) throw new InputError(`${where}: no such file; give an .npy embeddings file`, 'ERR_FILE');
  const fh = await open(diskPath(file), 'r');
  try {
    // A header is at most a few kB in practice (numpy pads it to 64 bytes); read more only when it says so.
    let head = Buffer.alloc(Math.min(st.size, 65536));
    await fh.read(head, 0, head.length, 0);
    if (head.length >= 12 && head[6] >= 2) {
      const len = 12 + head.readUInt32LE(8);
      if (len > head.length && len <= st.size) {
        head = Buffer.alloc(len);
        await fh.read(head, 0, len, 0);
      }
    }
    const header = parseNpyHeader(head, where);
    if (header.shape.length !== 2) throw new DatasetError(`${where}: embeddings must be a 2-D array (n × d), got shape (${header.shape.join(', ')})`);
    if (!FLOAT_DTYPES.has(header.dtype)) throw new DatasetError(`${where}: embeddings must be float16, float32 or float64, got ${header.dtype}`);
    const need = header.dataStart + header.shape[0] * header.shape[1] * header.itemBytes;
    if (st.size < need)
      throw new DatasetError(`${where}: holds ${st.size} bytes but its shape (${header.shape.join(', ')}) needs ${need}: the file is truncated`);
    return { file, rows: header.shape[0], header };
  } finally {
    await fh.close();
  }
}

/** A parquet file as hyparquet reads it: slices on demand, so only the footer and the columns asked are read. */
async function parquetFile(file: string): Promise<AsyncBuffer & { close: () => Promise<void> }> {
  const fh = await open(diskPath(file), 'r');
  const { size } = await fh.stat();
  return {
    byteLength: size,
    async slice(start: number, end?: number) {
      const stop = Math.min(end ?? size, size);
      const buf = Buffer.alloc(Math.max(0, stop - start));
      await fh.read(buf, 0, buf.length, start);
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer;
    },
    close: () => fh.close(),
  };
}

interface ShardMetadata {
  rows: number;
  columns: string[];
  values: Record<string, string[]>;
}

async function readMetadata(file: string, wanted: (columns: string[]) => string[]): Promise<ShardMetadata> {
  const where = shownPath(file);
  const pf = await parquetFile(file).catch((err) => {
    throw new InputError(`${where}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_FILE');
  });
  try {
    let meta: FileMetaData;
    try {
      meta = await parquetMetadataAsync(pf);
    } catch (err) {
      throw new DatasetError(`${where}: not a readable parquet file (${(err as Error).message.split('\n')[0]})`);
    }
    const columns = parquetSchema(meta).children.map((c) => c.element.name);
    const take = wanted(columns);
    const rows = Number(meta.num_rows);
    const values: Record<string, string[]> = {};
    if (take.length > 0) {
      let objects: Record<string, unknown>[];
      try {
        objects = await parquetReadObjects({ file: pf, metadata: meta, columns: take });
      } catch (err) {
        throw new DatasetError(`${where}: cannot read columns ${take.join(', ')} (${(err as Error).message.split('\n')[0]})`);
      }
      for (const c of take) values[c] = objects.map((o) => (o[c] === null || o[c] === undefined ? '' : String(o[c])));
    }
    return { rows, columns, values };
  } finally {
    await pf.close();
  }
}

/** The shard index k of img_emb_<k>.npy / metadata_<k>.parquet. */
function shardIndex(name: string, prefix: string, ext: string): number | null {
  const m = new RegExp(`^${prefix}_(\\d+)\\.${ext}$`).exec(name);
  return m ? Number(m[1]) : null;
}

/** The class of an image from its path: the folder holding it (ImageFolder and DTD: images/<class>/<file>). */
function parentFolder(p: string): string {
  return basename(dirname(p.replace(/\\/g, '/')));
}

async function openClipRetrieval(root: string, o: EmbeddingSetOptions): Promise<EmbeddingSet> {
  const embDir = join(root, 'img_emb');
  const metaDir = join(root, 'metadata');
  const npys = (await readdirNames(embDir))
    .map((n) => ({ n, k: shardIndex(n, 'img_emb', 'npy') }))
    .filter((x): x is { n: string; k: number } => x.k !== null)
    .sort((a, b) => a.k - b.k);
  if (npys.length === 0) throw new DatasetError(`${shownPath(embDir)} holds no img_emb_<k>.npy shards`);
  const shards = await Promise.all(npys.map((x) => npyShard(join(embDir, x.n))));
  const d = shards[0].header.shape[1];
  const dtype = shards[0].header.dtype;
  for (const s of shards)
    if (s.header.shape[1] !== d) throw new DatasetError(`${shownPath(s.file)} has ${s.header.shape[1]} columns but ${shownPath(shards[0].file)} has ${d}`);
  const n = shards.reduce((a, s) => a + s.rows, 0);

  const metaNames = await readdirNames(metaDir).catch(() => [] as string[]);
  const metaByK = new Map(metaNames.map((name) => [shardIndex(name, 'metadata', 'parquet'), name] as const).filter(([k]) => k !== null));
  let labelColumn: string | undefined;
  const names: string[] = [];
  const rawLabels: string[] = [];
  let nameColumn: string | undefined;
  for (const [i, x] of npys.entries()) {
    const metaName = metaByK.get(x.k);
    if (!metaName) {
      if (o.labels) continue;
      throw new DatasetError(
        `${shownPath(join(metaDir, `metadata_${x.k}.parquet`))} is missing: each img_emb_<k>.npy needs its metadata_<k>.parquet (or pass a labels file)`,
      );
    }
    const file = join(metaDir, metaName);
    const meta = await readMetadata(file, (columns) => {
      if (i === 0) {
        nameColumn = NAME_COLUMNS.find((c) => columns.includes(c));
        if (!o.labels) {
          if (o.labelColumn !== undefined) {
            if (!columns.includes(o.labelColumn))
              throw new DatasetError(`${shownPath(file)} has no column "${o.labelColumn}" (columns: ${columns.join(', ')})`);
            labelColumn = o.labelColumn;
          } else labelColumn = LABEL_COLUMNS.find((c) => columns.includes(c));
          if (!labelColumn && nameColumn !== 'image_path')
            throw new DatasetError(
              `${shownPath(file)} has no label column (columns: ${columns.join(', ')}): name one with --label-column <name> or pass a labels file`,
            );
        }
      }
      for (const c of [labelColumn, nameColumn]) {
        if (c && !columns.includes(c))
          throw new DatasetError(`${shownPath(file)} has no column "${c}", which ${shownPath(join(metaDir, metaByK.get(npys[0].k) ?? ''))} has`);
      }
      return [...new Set([labelColumn, nameColumn].filter((c): c is string => c !== undefined))];
    });
    if (meta.rows !== shards[i].rows)
      throw new DatasetError(
        `${shownPath(file)} has ${meta.rows} rows but ${shownPath(shards[i].file)} has ${shards[i].rows}: they must describe the same images`,
      );
    if (nameColumn) names.push(...meta.values[nameColumn]);
    if (!o.labels) rawLabels.push(...(labelColumn ? meta.values[labelColumn] : meta.values[nameColumn as string].map(parentFolder)));
  }
  let labelSource: string;
  let raw: string[];
  let where: string;
  if (o.labels) {
    raw = await readLabels(o.labels);
    where = o.labels;
    labelSource = `labels from ${shownPath(o.labels)}`;
  } else {
    raw = rawLabels;
    where = join(metaDir, metaByK.get(npys[0].k) ?? '');
    labelSource = labelColumn ? `labels from the metadata column "${labelColumn}"` : 'labels from the folder holding each image_path (images/<class>/<file>)';
  }
  if (raw.length !== n) throw new DatasetError(`${shownPath(where)}: ${raw.length} labels for ${n} embedding rows`);
  const { classes, labels } = await labelIndex(raw, where, o.classes);
  const named = nameColumn && names.length === n && names.every((s) => s !== '') ? names : null;
  return { source: root, layout: 'clip-retrieval', shards, n, d, dtype, classes, labels, names: named, labelSource };
}

async function openNpy(path: string, o: EmbeddingSetOptions): Promise<EmbeddingSet> {
  const file = await findEmbeddingsFile(path);
  const shard = await npyShard(file);
  const dir = dirname(file);
  const labelsFile = o.labels ?? (await findLabelsFile(dir, file));
  if (!labelsFile) throw new DatasetError(`${shownPath(file)}: no labels found; put labels.npy, labels.csv or labels.txt next to it or pass a labels file`);
  const raw = await readLabels(labelsFile);
  if (raw.length !== shard.rows) throw new DatasetError(`${shownPath(labelsFile)} has ${raw.length} labels but ${shownPath(file)} has ${shard.rows} rows`);
  const classesFile =
    o.classes ??
    (await stat(diskPath(join(dir, 'classes.txt'))).then(
      () => join(dir, 'classes.txt'),
      () => undefined,
    ));
  const { classes, labels } = await labelIndex(raw, labelsFile, classesFile);
  return {
    source: path,
    layout: 'npy',
    shards: [shard],
    n: shard.rows,
    d: shard.header.shape[1],
    dtype: shard.header.dtype,
    classes,
    labels,
    names: null,
    labelSource: `labels from ${shownPath(labelsFile)}`,
  };
}

/** Opens an embedding set: headers, labels and names only. */
export async function openEmbeddingSet(path: string, o: EmbeddingSetOptions = {}): Promise<EmbeddingSet> {
  const st = await stat(diskPath(path)).catch(() => undefined);
  if (!st) throw new DatasetError(`${shownPath(path)} does not exist`);
  if (st.isDirectory()) {
    const entries = await readdirNames(path);
    if (entries.includes('img_emb')) return openClipRetrieval(path, o);
    if (entries.includes('metadata') && !entries.includes('img_emb'))
      throw new DatasetError(`${shownPath(path)} has metadata/ but no img_emb/: a clip-retrieval folder holds both (text_emb/ alone is not image embeddings)`);
  }
  return openNpy(path, o);
}

/**
 * The rows `rows` (ascending, over all shards in order; all when null) as float32, read straight from the
 * shards: only those rows' bytes are read.
 */
export async function readRows(set: EmbeddingSet, rows: Uint32Array | null, signal?: AbortSignal): Promise<Float32Array> {
  const { d } = set;
  const count = rows ? rows.length : set.n;
  const out = new Float32Array(count * d);
  let next = 0;
  let base = 0;
  for (const shard of set.shards) {
    const end = base + shard.rows;
    const fh = await open(diskPath(shard.file), 'r');
    try {
      const rowBytes = d * shard.header.itemBytes;
      // Runs of consecutive rows are read in one call (all of them, for a set read whole), at most ~8 MB at a time.
      const chunk = Math.max(1, Math.floor((8 * 2 ** 20) / rowBytes));
      while (next < count) {
        const first = rows ? rows[next] : next;
        if (first >= end) break;
        let len = 1;
        while (next + len < count && len < chunk && (rows ? rows[next + len] : next + len) === first + len && first + len < end) len++;
        signal?.throwIfAborted();
        const buf = Buffer.alloc(len * rowBytes);
        await fh.read(buf, 0, buf.length, shard.header.dataStart + (first - base) * rowBytes);
        const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
        const values =
          shard.header.dtype === '<f2'
            ? widenHalf(new Uint16Array(ab))
            : shard.header.dtype === '<f8'
              ? Float32Array.from(new Float64Array(ab))
              : new Float32Array(ab);
        out.set(values, next * d);
        next += len;
      }
    } finally {
      await fh.close();
    }
    base = end;
  }
  return out;
}
