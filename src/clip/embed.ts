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

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half-precision bits of a float32 value, rounded to nearest, ties to even (what numpy's astype(float16) gives). */
export function float16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 112; // rebiased: 127 − 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa moves into the exponent, as it should (up to infinity).
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/** The value of IEEE half-precision bits. */
export function float16Value(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** An output tensor's values as float32 (float16 outputs, from fp16 exports, are widened). */
function float32Of(out: ort.Tensor, what: string): Float32Array {
  if (out.type === 'float32') return Float32Array.from(out.data as Float32Array);
  if (out.type === 'float16') {
    const d = out.data as unknown as ArrayLike<number>;
    // onnxruntime-node hands float16 out as raw bits (Uint16Array) where the runtime has no Float16Array.
    return d instanceof Uint16Array ? Float32Array.from(d, float16Value) : Float32Array.from(d);
  }
  throw new InputError(`${what}: expected float32 or float16 embeddings, found ${out.type}`, 'ERR_MODEL');
}

/** session.run, with onnxruntime's multi-line errors (e.g. a shape the graph does not take) as one line. */
async function runSession(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, what: string): Promise<ort.InferenceSession.OnnxValueMapType> {
  try {
    return await session.run(feeds);
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    throw new InputError(
      `${what}: onnxruntime failed (${msg
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .join(' ')})`,
      'ERR_MODEL',
    );
  }
}

/**
 * The row ranges a batch of n rows is run in: the whole batch on a graph with a symbolic batch size; on a
 * graph exported with a fixed batch B, runs of exactly B rows, the last one padded (by repeating its last
 * row) and the padded outputs dropped.
 */
function runsOf(n: number, fixed: number | undefined): { start: number; end: number }[] {
  const B = fixed ?? n;
  const runs: { start: number; end: number }[] = [];
  for (let s = 0; s < n; s += B) runs.push({ start: s, end: Math.min(n, s + B) });
  return runs;
}

/** Rows [start, end) of an n×per array, padded to `size` rows by repeating the last one. */
function paddedRows<T extends Float32Array | Int32Array>(data: T, per: number, start: number, end: number, size: number): T {
  if (end - start === size) return data.subarray(start * per, end * per) as T;
  const out = new (data.constructor as new (n: number) => T)(size * per);
  out.set(data.subarray(start * per, end * per));
  const last = data.subarray((end - 1) * per, end * per);
  for (let r = end - start; r < size; r++) out.set(last, r * per);
  return out;
}

/**
 * Runs the image tower on a prepared NCHW batch; returns n×d L2-normalised rows. A graph exported with a
 * fixed batch size is run in batches of exactly that size (see runsOf); float16 graphs get float16 pixels.
 */
export async function runImageBatch(tower: ImageTower, tensor: Float32Array, size: number): Promise<{ data: Float32Array; dim: number }> {
  const per = 3 * size * size;
  const n = tensor.length / per;
  if (n === 0) return { data: new Float32Array(0), dim: 0 };
  const parts: Float32Array[] = [];
  let dim = 0;
  for (const { start, end } of runsOf(n, tower.batch)) {
    const rows = tower.batch ?? end - start;
    const x = paddedRows(tensor, per, start, end, rows);
    const input =
      tower.pixelType === 'float16'
        ? new ort.Tensor('float16', Uint16Array.from(x, float16Bits), [rows, 3, size, size])
        : new ort.Tensor('float32', x, [rows, 3, size, size]);
    const what = `image graph ${tower.names.output}`;
    const out = (await runSession(tower.session, { [tower.names.input]: input }, what))[tower.names.output];
    if (out?.dims.length !== 2 || out.dims[0] !== rows) {
      throw new InputError(`image graph output ${tower.names.output}: expected shape [${rows}, d], found [${out?.dims.join(', ')}]`, 'ERR_MODEL');
    }
    dim = out.dims[1];
    parts.push(float32Of(out, what).slice(0, (end - start) * dim));
  }
  return { data: l2NormalizeRows(concat(parts), dim), dim };
}

function concat(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.length;
  }
  return data;
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

/**
 * Text embeddings (n×d, L2-normalised) for token rows from the tokenizer, in batches of `batchSize` rows;
 * a graph exported with a fixed batch size is run in batches of exactly that size (the last one padded by
 * repeating its last row, the padded outputs dropped), whatever `batchSize` says.
 */
export async function embedTokens(tower: TextTower, rows: Int32Array[], batchSize = 64): Promise<{ data: Float32Array; dim: number }> {
  const parts: Float32Array[] = [];
  let dim = 0;
  const B = tower.batch ?? batchSize;
  for (let s = 0; s < rows.length; s += B) {
    const chunk = rows.slice(s, s + B);
    const real = chunk.length;
    while (chunk.length < (tower.batch ?? 0)) chunk.push(chunk[real - 1]);
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
    const what = `text graph ${tower.names.output}`;
    const out = (await runSession(tower.session, feeds, what))[tower.names.output];
    if (out?.dims.length !== 2 || out.dims[0] !== n) {
      throw new InputError(`text graph output ${tower.names.output}: expected shape [${n}, d], found [${out?.dims.join(', ')}]`, 'ERR_MODEL');
    }
    dim = out.dims[1];
    parts.push(l2NormalizeRows(float32Of(out, what).slice(0, real * dim), dim));
  }
  if (parts.length === 0) return { data: new Float32Array(0), dim };
  return { data: concat(parts), dim };
}

export async function embedTexts(
  tower: TextTower,
  tokenizer: ClipTokenizer,
  texts: string[],
  contextLength: number,
): Promise<{ data: Float32Array; dim: number }> {
  return embedTokens(tower, tokenizer.tokenize(texts, { contextLength }));
}
