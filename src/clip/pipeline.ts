/** Library entry points behind `embed` and `zeroshot`: a labelled image list in, stored embeddings out. */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { InputError } from '../errors.js';
import { makeOutputFolder } from '../io/folder.js';
import { hashFiles } from '../io/hash.js';
import { codeVersion } from '../store/code-version.js';
import { cacheKey, dropParts, EmbeddingStore, type Manifest, readRun } from '../store/embeddings.js';
import { type LockOptions, OUT_LOCK, withLockFile } from '../store/lock.js';
import { embedImages, embedTexts, type TensorTransform } from './embed.js';
import { BatchPreparer } from './prepare.js';
import { DECODER } from './preprocess.js';
import { checkedSha256, openImageTower, openTextTower, readModelCard, type ModelCard } from './model.js';
import { ensembleWeights, prompts, zeroShot, type ZeroShotResult } from './zeroshot.js';

export interface EmbedDatasetOptions {
  model: string | ModelCard;
  /** The images to embed (a loaded dataset, or any labelled list). */
  dataset: { items: { path: string; label: number }[]; classes: string[] };
  /** Output folder (embeddings.npy, labels.npy, manifest.json). */
  out: string;
  batchSize?: number;
  threads?: number;
  /** Let idle onnxruntime threads spin (see SessionOptions.spin). */
  spin?: boolean;
  transform?: TensorTransform;
  /** Files the dataset listing rejected: reported through onSkip and kept in the manifest. */
  listingSkipped?: { path: string; reason: string }[];
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, reused: number) => void;
  onSkip?: (path: string, reason: string) => void;
  /** Told (one line) when another run holds the output folder and this one waits; default: stderr. */
  onWait?: (message: string) => void;
  /** How long to wait for another run, and when its lock counts as stale (store/lock.ts). */
  lock?: Pick<LockOptions, 'timeoutMs' | 'graceMs' | 'maxAgeMs' | 'pollMs'>;
}

export { OUT_LOCK };

export interface EmbeddedDataset {
  manifest: Manifest;
  embeddings: Float32Array;
  labels: Int32Array;
  card: ModelCard;
  /** Batches taken from an earlier, interrupted run. */
  reusedBatches: number;
}

export async function embedDataset(opts: EmbedDatasetOptions): Promise<EmbeddedDataset> {
  const card = typeof opts.model === 'string' ? readModelCard(opts.model) : opts.model;
  await makeOutputFolder(opts.out);
  // One run at a time per folder: two runs would interleave batch files and mix their rows.
  return withLockFile(join(opts.out, OUT_LOCK), () => embedLocked(opts, card), {
    ...opts.lock,
    signal: opts.signal,
    what: `the embedding folder ${opts.out}`,
    onWait: opts.onWait ? (_pid, w) => opts.onWait?.(w.message) : undefined,
  });
}

async function embedLocked(opts: EmbedDatasetOptions, card: ModelCard): Promise<EmbeddedDataset> {
  const B = opts.batchSize ?? 32;
  const { items } = opts.dataset;
  // In a fresh run the first batch is read while the graph and the images are hashed, which keep one core
  // busy at most. Not when the output folder holds a finished run: that is most likely reused as it is.
  const fresh = items.length > 0 && !existsSync(join(opts.out, 'manifest.json'));
  const preparer = fresh ? new BatchPreparer(items, card.preprocess, opts.transform) : undefined;
  try {
    preparer?.prefetch(0, Math.min(B, items.length));
    return await embedWith(opts, card, preparer);
  } finally {
    await preparer?.close();
  }
}

async function embedWith(opts: EmbedDatasetOptions, card: ModelCard, preparer: BatchPreparer | undefined): Promise<EmbeddedDataset> {
  const B = opts.batchSize ?? 32;
  const { items } = opts.dataset;
  // Hashing the graph, hashing the images and creating the session are independent: run them together
  // (the tower is handed out only once the graph's hash has been checked).
  const shaP = checkedSha256(card.imagePath, card.imageSha256);
  shaP.catch(() => undefined);
  const tower = openImageTower(card, { threads: opts.threads, spin: opts.spin, sha256: shaP });
  tower.catch(() => undefined);
  const [modelSha, hashes] = await Promise.all([shaP, hashFiles(items.map((i) => i.path))]);
  const key = cacheKey({
    code: codeVersion(),
    modelSha256: modelSha,
    preprocess: { ...card.preprocess, interpolation: card.interpolation, decoder: DECODER },
    noise: opts.transform?.spec ?? null,
  });
  const finished = await finishedRun(opts.out, key, items, hashes, opts.listingSkipped?.length ?? 0);
  // Reused only when the arrays are the very ones the manifest vouches for (a commit cut short leaves others).
  const arrays = finished && (await readRun(opts.out, finished));
  if (finished && arrays) {
    await dropParts(opts.out);
    tower.then((t) => t.session.release()).catch(() => undefined);
    for (const s of finished.skipped) opts.onSkip?.(s.path, s.reason);
    opts.onProgress?.(items.length, items.length, items.length);
    return { manifest: finished, ...arrays, card, reusedBatches: Math.ceil(items.length / B) };
  }
  const store = new EmbeddingStore(
    opts.out,
    key,
    items.map((it, i) => ({ path: it.path, label: it.label, sha256: hashes[i] })),
    B,
  );
  await store.open();
  const batches = Math.ceil(items.length / B);
  const done = new Set<number>();
  for (let k = 0; k < batches; k++) if (await store.has(k)) done.add(k);
  let count = 0;
  const reused = done.size;
  for (const k of done) count += Math.min(B, items.length - k * B);
  opts.onProgress?.(count, items.length, count);
  // Session creation overlaps with reading the first batch (embedImages awaits it when needed).
  await embedImages(tower, card.preprocess, items, {
    batchSize: B,
    transform: opts.transform,
    preparer,
    signal: opts.signal,
    skipBatch: (k) => done.has(k),
    onBatch: async (k, r) => {
      await store.put(
        k,
        r.indices.map((i) => i - k * B),
        r.embeddings,
        r.dim,
        r.skipped.map((s) => ({ offset: s.index - k * B, reason: s.reason })),
        r.sha256,
      );
      for (const s of r.skipped) opts.onSkip?.(items[s.index].path, s.reason);
      count += r.indices.length + r.skipped.length;
      opts.onProgress?.(count, items.length, 0);
    },
  });
  // Skips inside reused batches are reported again: the user sees every skipped file on every run.
  for (const k of done) {
    const { rec } = await store.get(k);
    for (const s of rec.skipped) opts.onSkip?.(items[k * B + s.offset].path, s.reason);
  }
  for (const s of opts.listingSkipped ?? []) opts.onSkip?.(s.path, s.reason);
  const run = await store.finish({
    // The manifest keeps path and reason only (its format is clip-topo/embeddings@1).
    listingSkipped: opts.listingSkipped?.map((s) => ({ path: s.path, reason: s.reason })),
    model: { name: card.name, dir: card.dir, layout: card.layout, image_sha256: modelSha, logit_scale: card.logitScale },
    preprocess: {
      ...card.preprocess,
      interpolation: card.interpolation,
      decoder: DECODER,
      resize: 'shortest side, int() long side, centre crop (Python round)',
    },
    noise: opts.transform?.spec ?? null,
    classes: opts.dataset.classes,
  });
  return { ...run, card, reusedBatches: reused };
}

/** The manifest of a completed run over exactly these images (same key, same bytes), if `out` holds one. */
async function finishedRun(out: string, key: string, items: { path: string }[], hashes: string[], listed: number): Promise<Manifest | undefined> {
  let m: Manifest;
  try {
    m = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  if (m.key !== key || m.items.length + m.skipped.length !== items.length + listed) return undefined;
  const stored = new Map(m.items.map((i) => [i.path, i.sha256]));
  const skipped = new Set(m.skipped.map((s) => s.path));
  const same = items.every((it, i) => stored.get(it.path) === hashes[i] || (skipped.has(it.path) && !stored.has(it.path)));
  return same ? m : undefined;
}

/** Prompt templates from a text file: one per line, "{}" for the class name; blank and '#' lines are skipped. */
export async function readTemplates(path: string): Promise<string[]> {
  let text: string;
  try {
    // A FIFO or a device would block the read for ever (or never end): only regular files are read.
    const st = await stat(path);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: st.isDirectory() ? 'EISDIR' : 'ENOTREG' });
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'a folder, not a file'
          : code === 'ENOTREG'
            ? 'a device or pipe, not a file'
            : (code ?? (err as Error).message);
    throw new InputError(`${path}: cannot read the prompt templates (${why}); give a text file with one template per line, "{}" for the class`, 'ERR_FILE', {
      cause: err,
    });
  }
  // Blank lines and lines starting with '#' are skipped; a template without "{}" is named by its line.
  const lines: string[] = [];
  for (const [k, raw] of text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .entries()) {
    const l = raw.trim();
    if (l.length === 0 || l.startsWith('#')) continue;
    if (!l.includes('{}')) throw new InputError(`${path}:${k + 1}: the template "${l}" has no "{}" where the class name goes`, 'ERR_INPUT');
    lines.push(l);
  }
  if (lines.length === 0)
    throw new InputError(`${path}: no prompt templates (only blank or # comment lines); give one per line, "{}" for the class`, 'ERR_INPUT');
  return lines;
}

/** The zero-shot classifier: one L2-normalised row per class, the mean of its normalised prompt embeddings (C×dim). */
export async function classifierWeights(
  card: ModelCard,
  classes: string[],
  templates: string[],
  threads?: number,
): Promise<{ weights: Float32Array; dim: number }> {
  const tower = await openTextTower(card, { threads });
  try {
    const { data, dim } = await embedTexts(tower, card.tokenizer(), prompts(classes, templates), card.contextLength);
    return { weights: ensembleWeights(data, dim, classes.length, templates.length), dim };
  } finally {
    await tower.session.release();
  }
}

/** Zero-shot metrics for embedded images: prompt-ensemble classifier from the text tower. */
export async function zeroShotEval(
  card: ModelCard,
  classes: string[],
  templates: string[],
  images: Float32Array,
  labels: ArrayLike<number>,
  dim: number,
  threads?: number,
): Promise<ZeroShotResult> {
  const { weights, dim: tdim } = await classifierWeights(card, classes, templates, threads);
  if (tdim !== dim) throw new Error(`text embeddings have ${tdim} dimensions, image embeddings ${dim}: the two graphs do not belong together`);
  return zeroShot(images, labels, weights, dim, card.logitScale);
}
