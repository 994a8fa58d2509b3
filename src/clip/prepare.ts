/**
 * Reading, decoding and preprocessing batches of images, in worker threads (onnxruntime-node computes on
 * the main thread, so this is what lets preprocessing run while the model does), or inline when
 * CLIP_TOPO_PREPARE_INLINE=1. Results are identical either way. A missing worker file is an error, not a
 * silent switch to the slower inline path: it means the package or the build is broken.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { mapLimit } from '../concurrency.js';
import { ClipTopoError, InputError } from '../errors.js';
import { sha256Hex } from '../io/hash.js';
import { diskPath } from '../io/rawpath.js';
import type { ImageItem, TensorTransform } from './transform.js';
import { cropRgb, normalizeInto, type PreprocessSpec } from './preprocess.js';

export interface PreparedBatch {
  /** Indices (into the item list) of the images that decoded. */
  indices: number[];
  /** sha256 of the bytes each decoded image was read from (parallel to indices): what was embedded, even if the file changed since it was hashed. */
  sha256: string[];
  tensor: Float32Array;
  skipped: { index: number; reason: string }[];
}

/** Reads, decodes and preprocesses items[start, end) into one NCHW tensor; undecodable files are skipped with a reason. */
export async function prepareBatch(items: ImageItem[], start: number, end: number, spec: PreprocessSpec, transform?: TensorTransform): Promise<PreparedBatch> {
  const per = 3 * spec.size * spec.size;
  const crops = await mapLimit(items.slice(start, end), Math.max(2, availableParallelism()), async (item) => {
    try {
      const bytes = await readFile(diskPath(item.path));
      return { rgb: (await cropRgb(bytes, spec.size, item.path)).rgb, sha256: sha256Hex(bytes) };
    } catch (err) {
      const msg =
        err instanceof InputError
          ? err.message.replace(`${item.path}: `, '')
          : `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
      return { reason: msg };
    }
  });
  const indices: number[] = [];
  const sha256: string[] = [];
  const skipped: { index: number; reason: string }[] = [];
  for (const [k, c] of crops.entries()) {
    if ('rgb' in c) {
      indices.push(start + k);
      sha256.push(c.sha256!);
    } else skipped.push({ index: start + k, reason: c.reason! });
  }
  const tensor = new Float32Array(indices.length * per);
  let slot = 0;
  crops.forEach((c) => {
    if (!('rgb' in c) || !c.rgb) return;
    normalizeInto(c.rgb, spec, tensor, slot * per);
    slot++;
  });
  if (transform) applyTransform(tensor, indices, items, per, transform);
  return { indices, sha256, tensor, skipped };
}

function applyTransform(tensor: Float32Array, indices: number[], items: ImageItem[], per: number, transform: TensorTransform): void {
  indices.forEach((index, slot) => transform.apply(tensor.subarray(slot * per, (slot + 1) * per), items[index], index));
}

// The compiled worker lives in dist/ (both src/clip and dist/clip are two levels below the package).
export const PREPARE_WORKER = fileURLToPath(new URL('../../dist/clip/prepare-worker.js', import.meta.url));

/** Niceness of the preparing threads (see prepare-worker.ts); CLIP_TOPO_PREPARE_NICE=0 turns lowering off. */
function prepareNice(): number {
  const v = Number(process.env.CLIP_TOPO_PREPARE_NICE ?? 10);
  return Number.isInteger(v) && v >= 0 && v <= 19 ? v : 10;
}

/**
 * How many preparation workers: two where there are two cores or more. With seeded noise a 224² image
 * costs about 3 ms of preparation on top of decoding; two workers keep a small model fed and, with a
 * large one, keep that work off the main thread, where onnxruntime runs (BENCHMARKS.md, CLIP section).
 * CLIP_TOPO_PREPARE_WORKERS overrides (1–8).
 */
function workerCount(): number {
  const v = Number(process.env.CLIP_TOPO_PREPARE_WORKERS);
  if (Number.isInteger(v) && v >= 1 && v <= 8) return v;
  return Math.min(2, availableParallelism());
}

/**
 * Prepares batches in worker threads (batch requests go round-robin); falls back to the main thread if
 * the system refuses to start a thread. A transform with a portable form is applied in the workers, any
 * other one here.
 */
export class BatchPreparer {
  private workers: Worker[] = [];
  /** Whether the workers apply the transform (it has a portable form). */
  private readonly transformInWorker: boolean;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (b: PreparedBatch) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly items: ImageItem[],
    private readonly spec: PreprocessSpec,
    private readonly transform?: TensorTransform,
    options: { workerFile?: string } = {},
  ) {
    const portable = transform?.portable;
    this.transformInWorker = portable !== undefined;
    if (process.env.CLIP_TOPO_PREPARE_INLINE === '1') return;
    const file = options.workerFile ?? PREPARE_WORKER;
    if (!existsSync(file))
      throw new ClipTopoError(
        `the image preparation worker ${file} is missing: reinstall clip-topo, or build it from a clone with \`npm run build\``,
        'ERR_WORKER_MISSING',
      );
    const noise = portable ? { noise: portable.noise, preprocess: portable.preprocess, ids: items.map((i) => portable.idOf(i)) } : undefined;
    const workerData = { paths: items.map((i) => i.path), spec, nice: prepareNice(), noise };
    try {
      for (let k = 0; k < workerCount(); k++) {
        const worker = new Worker(file, { workerData });
        worker.unref();
        worker.on('message', (m: { id: number; batch?: PreparedBatch; error?: string }) => {
          const w = this.waiting.get(m.id);
          if (!w) return;
          this.waiting.delete(m.id);
          if (m.batch) w.resolve(m.batch);
          else w.reject(new Error(m.error ?? 'preprocessing worker failed'));
        });
        worker.on('error', (err) => this.failAll(err));
        worker.on('exit', () => this.failAll(new Error('preprocessing worker stopped')));
        this.workers.push(worker);
      }
    } catch {
      void this.close();
    }
  }

  /** Worker threads preparing batches (0 = inline). */
  get threads(): number {
    return this.workers.length;
  }

  /** How many batches are worth having in flight: one per worker (at least one). */
  get depth(): number {
    return Math.max(1, this.workers.length);
  }

  /** A worker failed or stopped: every outstanding batch fails, the other workers are stopped too. */
  private failAll(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
    const others = this.workers;
    this.workers = [];
    for (const w of others) void w.terminate();
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
    if (this.workers.length === 0) return prepareBatch(this.items, start, end, this.spec, this.transform);
    const id = this.seq++;
    const worker = this.workers[id % this.workers.length];
    const batch = await new Promise<PreparedBatch>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, start, end });
    });
    // A transform without a portable form is a function of the caller's: applied here, on the main thread.
    if (this.transform && !this.transformInWorker) applyTransform(batch.tensor, batch.indices, this.items, 3 * this.spec.size * this.spec.size, this.transform);
    return batch;
  }

  async close(): Promise<void> {
    this.early.clear();
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
