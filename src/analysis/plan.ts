/**
 * What `analyze` is about to do and roughly what it costs, printed before the heavy steps. Inference
 * speed is measured on the spot with one small batch; the rest are rates measured on a 2-core machine
 * (BENCHMARKS.md), so the estimate is an order of magnitude, not a promise.
 */
import { statSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

import * as ort from 'onnxruntime-node';

import { openImageTower, type ModelCard } from '../clip/model.js';
import { ripsMemoryEstimate } from '../kernels/rips.js';

export interface Plan {
  lines: string[];
  /** Estimated wall time of a cold run, seconds. */
  seconds: number;
  /** Estimated peak memory, bytes. */
  bytes: number;
  /** Measured image-tower time per image, ms. */
  inferenceMs: number;
}

/** JPEG decode + PIL-exact resize of a DTD-sized image, ms of one core (bench/clip: 2.9). */
const PREPARE_MS = 3;
/** Seeded Gaussian noise on one 224² tensor, ms of one core (scales with the pixel count). */
const NOISE_MS_224 = 2.7;
/** Memory of one preparation worker (its V8 heap, sharp, the addon, batches in flight), bytes. */
const WORKER_BYTES = 90 * 2 ** 20;

/** Seconds an exact split-wide Rips run may take per level before the plan falls back to a sample. */
export const RIPS_SECONDS_BUDGET = 60;

/**
 * Wall time of an exact H0+H1 Rips run on n CLIP-like points, seconds (2 cores): 1,120 × 128 took 0.7–2.2 s
 * per level and 2,000 × 512 ~4 s here (BENCHMARKS.md); n² (the edges below the enclosing radius) with
 * headroom.
 */
export function ripsSeconds(n: number): number {
  return 2.5 * (n / 1120) ** 2;
}

export interface RipsChoice {
  /** Points in the split-wide complex. */
  points: number;
  sampled: boolean;
  /** Why, in words (printed by the plan and kept in metrics.json). */
  reason: string;
}

/**
 * The whole split when its exact diagram fits the time and memory budget, else the largest farthest-point
 * sample that does; an explicit `ripsPoints` is used as asked.
 */
export function chooseRipsPoints(n: number, maxdim: number, explicit?: number, memory = totalmem()): RipsChoice {
  const f = (k: number) => k.toLocaleString('en-US');
  if (explicit !== undefined) {
    const points = Math.min(explicit, n);
    return {
      points,
      sampled: points < n,
      reason: points < n ? `a farthest-point sample of ${f(points)} of ${f(n)} images, as asked (--rips-points)` : `all ${f(n)} images`,
    };
  }
  const fits = (k: number) => ripsSeconds(k) <= RIPS_SECONDS_BUDGET && (maxdim === 0 || ripsMemoryEstimate(k, maxdim) <= memory / 4);
  if (fits(n)) return { points: n, sampled: false, reason: `all ${f(n)} images (exact)` };
  let lo = 3;
  let hi = n;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return {
    points: lo,
    sampled: true,
    reason: `a farthest-point sample of ${f(lo)} of ${f(n)} images: the exact diagram of all of them is estimated above the budget (${RIPS_SECONDS_BUDGET} s per level, a quarter of memory)`,
  };
}

/** Seconds of the steps after embedding: maps, Rips per level and per class. */
function analysisSeconds(rows: number, levels: number, classes: number, rips: RipsChoice): number {
  const mapsSec = 2 * (1 + rows / 400);
  const ripsSec = levels * (0.5 + ripsSeconds(rips.points)) + levels * classes * 0.02;
  return mapsSec + ripsSec;
}

/** Node, sharp and onnxruntime before any work (measured: 428 MB peak for the tiny model). */
const BASE_BYTES = 350 * 2 ** 20;

/** The plan of a run on embeddings made elsewhere: no inference, the rows held per level. */
export function estimateEmbeddingsPlan(o: {
  rows: number;
  dim: number;
  levels: number;
  trainRows: number;
  rips: RipsChoice;
  maxdim: number;
  classes: number;
}): Plan {
  const seconds = analysisSeconds(o.rows, o.levels, o.classes, o.rips) + 2;
  const ripsBytes = o.maxdim >= 1 ? ripsMemoryEstimate(o.rips.points, o.maxdim) : 0;
  const bytes = BASE_BYTES + (o.rows * o.levels + o.trainRows) * o.dim * 4 * 3 + ripsBytes;
  return {
    lines: [
      `plan: Rips H0–H${o.maxdim} of ${o.rips.reason} and of every class per level; bottleneck/W1 distances`,
      `plan: estimate for a cold run ≈ ${Math.ceil(seconds)} s and ${Math.ceil(bytes / 2 ** 20)} MB peak (cached steps are reused and take far less)`,
    ],
    seconds,
    bytes,
    inferenceMs: 0,
  };
}

export async function estimatePlan(o: {
  card: ModelCard;
  images: number;
  levels: number;
  trainImages: number;
  rips: RipsChoice;
  maxdim: number;
  classes: number;
  threads?: number;
}): Promise<Plan> {
  const S = o.card.preprocess.size;
  const tower = await openImageTower(o.card, { threads: o.threads });
  let inferenceMs: number;
  try {
    const B = 8;
    const x = new ort.Tensor('float32', new Float32Array(B * 3 * S * S), [B, 3, S, S]);
    await tower.session.run({ [tower.names.input]: x });
    const t = performance.now();
    await tower.session.run({ [tower.names.input]: x });
    inferenceMs = (performance.now() - t) / B;
  } finally {
    await tower.session.release();
  }
  const cores = availableParallelism();
  const threads = Math.min(cores, o.threads ?? cores);
  const embedded = o.images * o.levels + o.trainImages;
  // Preparation (and the noise of the noisy levels) runs in workers beside inference: an image takes
  // the longest of its inference, its preparation spread over the workers, and all the CPU it needs
  // spread over the cores.
  const noisy = (o.images * Math.max(0, o.levels - 1)) / Math.max(1, embedded);
  const prepareMs = PREPARE_MS + NOISE_MS_224 * ((S * S) / (224 * 224)) * noisy;
  const workers = Math.min(2, cores);
  const perImage = Math.max(inferenceMs, prepareMs / workers, (inferenceMs * threads + prepareMs) / cores);
  const embedSec = (embedded * perImage) / 1000;
  const seconds = embedSec + analysisSeconds(o.images, o.levels, o.classes, o.rips) + 2;
  const ripsBytes = o.maxdim >= 1 ? ripsMemoryEstimate(o.rips.points, o.maxdim) : 0;
  // Node, sharp and onnxruntime take ~350 MB before any work (measured: 428 MB peak for the tiny model);
  // each preparation worker adds its own; sessions hold about twice their graph's size; embeddings are
  // kept per level plus a few copies.
  const graphs = [o.card.imagePath, o.card.textPath].reduce((a, p) => a + (statSync(p, { throwIfNoEntry: false })?.size ?? 0), 0);
  const bytes = BASE_BYTES + workers * WORKER_BYTES + 2 * graphs + embedded * 4 * 1024 * 3 + ripsBytes;
  const f = (n: number) => n.toLocaleString('en-US');
  return {
    lines: [
      `plan: ${o.classes} classes; embed ${f(o.images)} images × ${o.levels} levels${o.trainImages ? ` + ${f(o.trainImages)} clean train images` : ''} (${f(embedded)} in all, ${inferenceMs.toFixed(1)} ms/image measured)`,
      `plan: zero-shot${o.trainImages ? ' + linear probe' : ''} + CLIP loss per level; t-SNE and UMAP maps; principal angles; Rips H0–H${o.maxdim} of ${o.rips.reason} and of every class per level; bottleneck/W1 distances`,
      `plan: estimate for a cold run ≈ ${Math.ceil(seconds)} s and ${Math.ceil(bytes / 2 ** 20)} MB peak (cached steps are reused and take far less)`,
    ],
    seconds,
    bytes,
    inferenceMs,
  };
}
