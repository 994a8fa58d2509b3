/**
 * Reading, decoding and preprocessing batches of images, in a worker thread when the compiled worker
 * is available (onnxruntime-node computes on the main thread, so this is what lets preprocessing run
 * while the model does), otherwise inline. Results are identical either way.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { mapLimit } from '../concurrency.js';
import { InputError } from '../errors.js';
import type { ImageItem, TensorTransform } from './embed.js';
import { cropRgb, normalizeInto, type PreprocessSpec } from './preprocess.js';

export interface PreparedBatch {
  /** Indices (into the item list) of the images that decoded. */
  indices: number[];
  tensor: Float32Array;
  skipped: { index: number; reason: string }[];
}

/** Reads, decodes and preprocesses items[start, end) into one NCHW tensor; undecodable files are skipped with a reason. */
export async function prepareBatch(items: ImageItem[], start: number, end: number, spec: PreprocessSpec, transform?: TensorTransform): Promise<PreparedBatch> {
  const per = 3 * spec.size * spec.size;
  const crops = await mapLimit(items.slice(start, end), Math.max(2, availableParallelism()), async (item) => {
    try {
      const bytes = await readFile(item.path);
      return { rgb: (await cropRgb(bytes, spec.size, item.path)).rgb };
    } catch (err) {
      const msg = err instanceof InputError ? err.message.replace(`${item.path}: `, '') : `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
      return { reason: msg };
    }
  });
  const indices: number[] = [];
  const skipped: { index: number; reason: string }[] = [];
  crops.forEach((c, k) => ('rgb' in c ? indices.push(start + k) : skipped.push({ index: start + k, reason: c.reason! })));
  const tensor = new Float32Array(indices.length * per);
  let slot = 0;
  crops.forEach((c) => {
    if (!('rgb' in c) || !c.rgb) return;
    normalizeInto(c.rgb, spec, tensor, slot * per);
    slot++;
  });
  if (transform) applyTransform(tensor, indices, items, per, transform);
  return { indices, tensor, skipped };
}

function applyTransform(tensor: Float32Array, indices: number[], items: ImageItem[], per: number, transform: TensorTransform): void {
  indices.forEach((index, slot) => transform.apply(tensor.subarray(slot * per, (slot + 1) * per), items[index], index));
}

// The compiled worker lives in dist/ (both src/clip and dist/clip are two levels below the package).
const WORKER = fileURLToPath(new URL('../../dist/clip/prepare-worker.js', import.meta.url));

/** Niceness of the preparing threads (see prepare-worker.ts); CLIP_TOPO_PREPARE_NICE=0 turns lowering off. */
function prepareNice(): number {
  const v = Number(process.env.CLIP_TOPO_PREPARE_NICE ?? 10);
  return Number.isInteger(v) && v >= 0 && v <= 19 ? v : 10;
}

/** Prepares batches in one worker thread; falls back to the main thread if the worker cannot run. */
export class BatchPreparer {
  private worker?: Worker;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (b: PreparedBatch) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly items: ImageItem[],
    private readonly spec: PreprocessSpec,
    private readonly transform?: TensorTransform,
  ) {
    if (process.env.CLIP_TOPO_PREPARE_INLINE === '1' || !existsSync(WORKER)) return;
    try {
      this.worker = new Worker(WORKER, { workerData: { paths: items.map((i) => i.path), spec, nice: prepareNice() } });
      this.worker.unref();
      this.worker.on('message', (m: { id: number; batch?: PreparedBatch; error?: string }) => {
        const w = this.waiting.get(m.id);
        if (!w) return;
        this.waiting.delete(m.id);
        if (m.batch) w.resolve(m.batch);
        else w.reject(new Error(m.error ?? 'preprocessing worker failed'));
      });
      this.worker.on('error', (err) => this.failAll(err));
      this.worker.on('exit', () => this.failAll(new Error('preprocessing worker stopped')));
    } catch {
      this.worker = undefined;
    }
  }

  private failAll(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
    this.worker = undefined;
  }

  private readonly early = new Map<string, Promise<PreparedBatch>>();

  /** Starts preparing items[start, end) now; the next prepare(start, end) takes the result. */
  prefetch(start: number, end: number): void {
    const p = this.run(start, end);
    p.catch(() => undefined); // reported by the prepare() that takes it, if any
    this.early.set(`${start}:${end}`, p);
  }

  prepare(start: number, end: number): Promise<PreparedBatch> {
    const key = `${start}:${end}`;
    const early = this.early.get(key);
    if (early) {
      this.early.delete(key);
      return early;
    }
    return this.run(start, end);
  }

  private async run(start: number, end: number): Promise<PreparedBatch> {
    const worker = this.worker;
    if (!worker) return prepareBatch(this.items, start, end, this.spec, this.transform);
    const id = this.seq++;
    const batch = await new Promise<PreparedBatch>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, start, end });
    });
    // The perturbation is a function of the caller's: applied here, on the main thread.
    if (this.transform) applyTransform(batch.tensor, batch.indices, this.items, 3 * this.spec.size * this.spec.size, this.transform);
    return batch;
  }

  async close(): Promise<void> {
    this.early.clear();
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
