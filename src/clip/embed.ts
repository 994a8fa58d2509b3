/**
 * Batched CLIP embedding on onnxruntime-node (CPU). Images: the next batch is read, decoded and
 * preprocessed in worker threads (prepare.ts) while onnxruntime computes the current one, so the CPU
 * is rarely idle. Every embedding is L2-normalised float32.
 */
import * as ort from 'onnxruntime-node';

import { CancelledError, InputError } from '../errors.js';
import type { ImageTower, TextTower } from './model.js';
import type { PreprocessSpec } from './preprocess.js';
import { BatchPreparer, prepareBatch, type PreparedBatch } from './prepare.js';
import type { ClipTokenizer } from './tokenizer.js';
import type { ImageItem, TensorTransform } from './transform.js';

export { prepareBatch, type PreparedBatch };
export type { ImageItem, PortableTransform, TensorTransform } from './transform.js';

/** Normalises each row of an n×d matrix in place (a zero row stays zero). */
export function l2NormalizeRows(x: Float32Array, d: number): Float32Array {
  for (let r = 0; r < x.length / d; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[r * d + j] * x[r * d + j];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < d; j++) x[r * d + j] *= inv;
  }
  return x;
}

/** Runs the image tower on a prepared NCHW batch; returns n×d L2-normalised rows. */
export async function runImageBatch(tower: ImageTower, tensor: Float32Array, size: number): Promise<{ data: Float32Array; dim: number }> {
  const n = tensor.length / (3 * size * size);
  if (n === 0) return { data: new Float32Array(0), dim: 0 };
  const feeds = { [tower.names.input]: new ort.Tensor('float32', tensor, [n, 3, size, size]) };
  const out = (await tower.session.run(feeds))[tower.names.output];
  if (out?.dims.length !== 2 || out.dims[0] !== n) {
    throw new InputError(`image graph output ${tower.names.output}: expected shape [${n}, d], found [${out?.dims.join(', ')}]`, 'ERR_MODEL');
  }
  const dim = out.dims[1];
  return { data: l2NormalizeRows(Float32Array.from(out.data as Float32Array), dim), dim };
}

export interface EmbedImagesOptions {
  batchSize?: number;
  transform?: TensorTransform;
  signal?: AbortSignal;
  /** Prepares the batches (owned, and closed, by the caller; it may have started the first one early). */
  preparer?: BatchPreparer;
  /** Batches (by number) already done: not read nor computed (resume). */
  skipBatch?: (batch: number) => boolean;
  onBatch: (
    batch: number,
    result: { indices: number[]; sha256: string[]; embeddings: Float32Array; dim: number; skipped: { index: number; reason: string }[] },
  ) => Promise<void> | void;
}

/**
 * Embeds `items` in fixed batches (batch k = items[k·B, (k+1)·B), stable across runs so a resumed run
 * recomputes nothing it already stored), overlapping the preparation of the next batches with inference on k.
 */
export async function embedImages(
  towerOrPromise: ImageTower | Promise<ImageTower>,
  spec: PreprocessSpec,
  items: ImageItem[],
  opts: EmbedImagesOptions,
): Promise<void> {
  const B = opts.batchSize ?? 32;
  const batches = Math.ceil(items.length / B);
  const todo = Array.from({ length: batches }, (_, k) => k).filter((k) => !opts.skipBatch?.(k));
  // onnxruntime-node runs inference on the main thread (synchronously, inside setImmediate), so
  // preprocessing overlaps with it only from a worker thread.
  const preparer = opts.preparer ?? new BatchPreparer(items, spec, opts.transform);
  const prepare = (k: number) => preparer.prepare(k * B, Math.min(items.length, (k + 1) * B));
  // One batch in flight per preparation worker; the first ones are read while the session is still being created.
  const queue: Promise<PreparedBatch>[] = [];
  let next = 0;
  const fill = () => {
    while (queue.length < preparer.depth && next < todo.length) {
      const p = prepare(todo[next++]);
      p.catch(() => undefined); // reported when taken
      queue.push(p);
    }
  };
  try {
    fill();
    const tower = await towerOrPromise;
    for (let t = 0; t < todo.length; t++) {
      if (opts.signal?.aborted) throw new CancelledError();
      const batch = await queue.shift()!;
      // Start the next batches before this one's inference: the overlap that keeps every core busy.
      fill();
      const { data, dim } = await runImageBatch(tower, batch.tensor, spec.size);
      await opts.onBatch(todo[t], { indices: batch.indices, sha256: batch.sha256, embeddings: data, dim, skipped: batch.skipped });
    }
  } finally {
    if (!opts.preparer) await preparer.close();
  }
}

/** Text embeddings (n×d, L2-normalised) for token rows from the tokenizer. */
export async function embedTokens(tower: TextTower, rows: Int32Array[], batchSize = 64): Promise<{ data: Float32Array; dim: number }> {
  const parts: Float32Array[] = [];
  let dim = 0;
  for (let s = 0; s < rows.length; s += batchSize) {
    const chunk = rows.slice(s, s + batchSize);
    const n = chunk.length;
    const ctx = chunk[0].length;
    const flat = new Int32Array(n * ctx);
    chunk.forEach((r, i) => flat.set(r, i * ctx));
    const ids =
      tower.names.idType === 'int32'
        ? new ort.Tensor('int32', flat, [n, ctx])
        : new ort.Tensor(
            'int64',
            BigInt64Array.from(flat, (v) => BigInt(v)),
            [n, ctx],
          );
    const feeds: Record<string, ort.Tensor> = { [tower.names.input]: ids };
    if (tower.names.mask) {
      // Ones up to and including EOT (the largest id), zeros over the padding.
      const mask = new BigInt64Array(n * ctx);
      chunk.forEach((r, i) => {
        let eot = 0;
        for (let j = 0; j < ctx; j++) if (r[j] > r[eot]) eot = j;
        for (let j = 0; j <= eot; j++) mask[i * ctx + j] = 1n;
      });
      feeds[tower.names.mask] = new ort.Tensor('int64', mask, [n, ctx]);
    }
    const out = (await tower.session.run(feeds))[tower.names.output];
    if (out?.dims.length !== 2 || out.dims[0] !== n) {
      throw new InputError(`text graph output ${tower.names.output}: expected shape [${n}, d], found [${out?.dims.join(', ')}]`, 'ERR_MODEL');
    }
    dim = out.dims[1];
    parts.push(l2NormalizeRows(Float32Array.from(out.data as Float32Array), dim));
  }
  const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  return { data, dim };
}

export async function embedTexts(
  tower: TextTower,
  tokenizer: ClipTokenizer,
  texts: string[],
  contextLength: number,
): Promise<{ data: Float32Array; dim: number }> {
  return embedTokens(tower, tokenizer.tokenize(texts, { contextLength }));
}
