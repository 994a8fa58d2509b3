/**
 * The embedding store: one folder per run with `embeddings.npy` (n×d float32, numpy-loadable),
 * `labels.npy` (int32) and `manifest.json` (what was embedded, how, and what was skipped and why).
 * While a run is in progress each finished batch is saved under `.clip-topo-parts/` (a folder the tool
 * marks as its own, and the only one it removes: a user's `parts/` beside it is never touched); a run started again with
 * the same cache key (code version + model sha256 + preprocessing + noise spec) reuses every batch whose images still
 * have the same content hashes, so an interrupted run resumes without recomputing finished batches.
 * Every file is written atomically (temporary file, then rename). A run is committed as one unit: the old
 * manifest is removed before the arrays are replaced, and the new manifest, written last, records the
 * sha256 of both arrays; `readRun` returns arrays only when they match it. A crash half-way through the
 * commit therefore leaves a folder without a manifest, never new arrays under an old one.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

import { InputError } from '../errors.js';
import { removeFile, sweepTemps, writeAtomic, writeChecked } from '../io/atomic.js';
import { faultPoint } from '../io/faults.js';
import { keyOf, sha256Hex } from '../io/hash.js';
import { encodeNpy, parseNpy } from '../io/npy.js';

export const MANIFEST_FORMAT = 'clip-topo/embeddings@1';

/** The working folder of a run in progress, and the marker that says clip-topo made it. */
export const PARTS_DIR = '.clip-topo-parts';
export const PARTS_MARKER = 'MADE-BY-CLIP-TOPO';

/** The files a run writes into its working folder (batch records and arrays, their atomic-write temporaries). */
const PART_FILE = /^batch-\d{6}\.(json|npy)(\.\d+\.\d+\.\d+\.tmp)?$/;

export interface CacheKeyParts {
  /** The code that embeds (store/code-version.ts): another version or build never reuses these rows. */
  code: string;
  modelSha256: string;
  preprocess: unknown;
  noise: unknown;
}

/** The key of an embedding run: sha256 of the canonical JSON of what the embeddings depend on. */
export function cacheKey(parts: CacheKeyParts): string {
  return keyOf(parts);
}

export interface StoredItem {
  path: string;
  label: number;
  sha256: string;
}

export interface BatchRecord {
  key: string;
  hashes: string[];
  /** Offsets (within the batch) of the rows stored, in order. */
  rows: number[];
  skipped: { offset: number; reason: string }[];
  dim: number;
  /** sha256 of the batch's .npy bytes: a record vouches only for the very file it was written with. */
  sha256: string;
}

export interface Manifest {
  format: string;
  key: string;
  model: Record<string, unknown>;
  preprocess: unknown;
  noise: unknown;
  classes: string[];
  count: number;
  dim: number;
  files: { embeddings: string; labels: string };
  /** sha256 of the bytes of each file: a reader uses the arrays only when they are the ones this manifest vouches for. */
  sha256: { embeddings: string; labels: string };
  conventions: string;
  items: (StoredItem & { row: number })[];
  skipped: { path: string; reason: string }[];
}

/**
 * Removes the working folder of `dir`: only the files a run writes there, then the folder if nothing else
 * is left. Also for a run whose manifest is committed: one that died between its commit and this cleanup
 * leaves its batches, and a run reusing that manifest never opens a store. The caller holds the lock.
 */
export async function dropParts(dir: string): Promise<void> {
  const parts = join(dir, PARTS_DIR);
  const names = await readdir(parts).catch(() => [] as string[]);
  if (!names.includes(PARTS_MARKER)) return;
  await Promise.all(names.filter((n) => PART_FILE.test(n)).map((n) => rm(join(parts, n), { force: true })));
  await rm(join(parts, PARTS_MARKER), { force: true });
  await rmdir(parts).catch(() => undefined);
}

export class EmbeddingStore {
  readonly parts: string;
  constructor(
    readonly dir: string,
    readonly key: string,
    readonly items: StoredItem[],
    readonly batchSize: number,
  ) {
    this.parts = join(dir, PARTS_DIR);
  }

  async open(): Promise<void> {
    const marker = join(this.parts, PARTS_MARKER);
    // The caller holds the folder's lock: temporaries of runs that died here are theirs no more.
    await sweepTemps(this.dir);
    if (existsSync(marker)) await sweepTemps(this.parts);
    try {
      await mkdir(this.parts, { recursive: true });
      if (!existsSync(marker)) {
        // A folder of this name that clip-topo did not make is not ours to fill, and later to remove.
        if ((await readdir(this.parts)).length > 0)
          throw new InputError(`${this.parts} exists and was not made by clip-topo; move it away or choose another --out`, 'ERR_FILE');
        await writeChecked(marker, 'clip-topo keeps the batches of an unfinished embedding run here and removes this folder when the run is complete.\n');
      }
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw new InputError(`${this.dir}: cannot create (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_FILE');
    }
  }

  private base(k: number): string {
    return join(this.parts, `batch-${String(k).padStart(6, '0')}`);
  }

  private hashes(k: number): string[] {
    return this.items.slice(k * this.batchSize, (k + 1) * this.batchSize).map((i) => i.sha256);
  }

  /** Whether batch k is stored under the same key for the same image contents, with the .npy its record was written with. */
  async has(k: number): Promise<boolean> {
    const b = this.base(k);
    if (!existsSync(`${b}.json`) || !existsSync(`${b}.npy`)) return false;
    try {
      const rec = JSON.parse(await readFile(`${b}.json`, 'utf8')) as BatchRecord;
      if (rec.key !== this.key || JSON.stringify(rec.hashes) !== JSON.stringify(this.hashes(k))) return false;
      return typeof rec.sha256 === 'string' && sha256Hex(await readFile(`${b}.npy`)) === rec.sha256;
    } catch {
      return false;
    }
  }

  /**
   * Stores batch k. `decoded` holds the sha256 of the bytes each row was decoded from (parallel to `rows`):
   * the record keys the rows by those, not by the hashes taken before the run, so an image replaced while
   * the run read it is stored under its new content and is never reused for the old one (cache poisoning).
   */
  async put(
    k: number,
    rows: number[],
    embeddings: Float32Array,
    dim: number,
    skipped: { offset: number; reason: string }[],
    decoded?: string[],
  ): Promise<void> {
    const b = this.base(k);
    // The .npy first, then the record that vouches for it: a crash between the two leaves no record.
    const bytes = encodeNpy(embeddings, [rows.length, dim]);
    await writeAtomic(`${b}.npy`, bytes);
    const hashes = this.hashes(k);
    if (decoded) for (const [r, off] of rows.entries()) hashes[off] = decoded[r];
    const rec: BatchRecord = { key: this.key, hashes, rows, skipped, dim, sha256: sha256Hex(bytes) };
    await writeAtomic(`${b}.json`, JSON.stringify(rec));
  }

  async get(k: number): Promise<{ rec: BatchRecord; data: Float32Array }> {
    const b = this.base(k);
    const rec = JSON.parse(await readFile(`${b}.json`, 'utf8')) as BatchRecord;
    const arr = parseNpy(await readFile(`${b}.npy`), `${b}.npy`);
    return { rec, data: arr.data as Float32Array };
  }

  /** Assembles all batches into embeddings.npy, labels.npy and manifest.json, then drops its working folder. */
  async finish(meta: {
    model: Record<string, unknown>;
    preprocess: unknown;
    noise: unknown;
    classes: string[];
    listingSkipped?: { path: string; reason: string }[];
  }): Promise<{ manifest: Manifest; embeddings: Float32Array; labels: Int32Array }> {
    const batches = Math.ceil(this.items.length / this.batchSize);
    const chunks: Float32Array[] = [];
    const items: Manifest['items'] = [];
    // Files the dataset listing already rejected come first; they never reached a batch.
    const skipped: Manifest['skipped'] = [...(meta.listingSkipped ?? [])];
    let dim = 0;
    for (let k = 0; k < batches; k++) {
      const { rec, data } = await this.get(k);
      if (rec.rows.length > 0) dim = rec.dim;
      chunks.push(data);
      // The hash the row was decoded from (the record's), which may differ from the one taken before the run.
      for (const off of rec.rows) items.push({ ...this.items[k * this.batchSize + off], sha256: rec.hashes[off], row: items.length });
      for (const s of rec.skipped) skipped.push({ path: this.items[k * this.batchSize + s.offset].path, reason: s.reason });
    }
    const all = new Float32Array(items.length * dim);
    let o = 0;
    for (const c of chunks) {
      all.set(c, o);
      o += c.length;
    }
    const labels = Int32Array.from(items, (i) => i.label);
    const embBytes = encodeNpy(all, [items.length, dim]);
    const labBytes = encodeNpy(labels, [items.length]);
    // The manifest of the run these files held goes first: from here until the new one is in place the
    // folder has no manifest, and nothing trusts its arrays.
    await removeFile(join(this.dir, 'manifest.json'));
    await writeAtomic(join(this.dir, 'embeddings.npy'), embBytes);
    await writeAtomic(join(this.dir, 'labels.npy'), labBytes);
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      key: this.key,
      model: meta.model,
      preprocess: meta.preprocess,
      noise: meta.noise,
      classes: meta.classes,
      count: items.length,
      dim,
      files: { embeddings: 'embeddings.npy', labels: 'labels.npy' },
      sha256: { embeddings: sha256Hex(embBytes), labels: sha256Hex(labBytes) },
      conventions: 'rows are L2-normalised float32 image embeddings, in item order; skipped files have no row',
      items,
      skipped,
    };
    await writeAtomic(join(this.dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
    faultPoint('step', join(this.dir, 'manifest.json'));
    await dropParts(this.dir);
    return { manifest, embeddings: all, labels };
  }
}

/**
 * The arrays of a finished run, read once and checked against the sha256 its manifest records; undefined
 * when a file is missing, unreadable, of another shape, or not the one the manifest vouches for (a commit
 * cut short, a file replaced or edited since).
 */
export async function readRun(dir: string, m: Manifest): Promise<{ embeddings: Float32Array; labels: Int32Array } | undefined> {
  if (!m.sha256 || typeof m.sha256.embeddings !== 'string' || typeof m.sha256.labels !== 'string') return undefined;
  try {
    const [emb, lab] = await Promise.all([readFile(join(dir, 'embeddings.npy')), readFile(join(dir, 'labels.npy'))]);
    if (sha256Hex(emb) !== m.sha256.embeddings || sha256Hex(lab) !== m.sha256.labels) return undefined;
    const e = parseNpy(emb, join(dir, 'embeddings.npy'));
    const l = parseNpy(lab, join(dir, 'labels.npy'));
    if (!(e.data instanceof Float32Array) || !(l.data instanceof Int32Array) || e.data.length !== m.count * m.dim || l.data.length !== m.count)
      return undefined;
    return { embeddings: e.data, labels: l.data };
  } catch {
    return undefined;
  }
}
