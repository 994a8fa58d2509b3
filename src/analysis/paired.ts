/**
 * Comparisons that use the pairing of clean and noisy embeddings (row i is the same image at every
 * level), which diagram distances throw away:
 * - k-NN neighbourhood preservation: per image, the Jaccard index of its k nearest neighbours among the
 *   clean embeddings and among the noisy ones (as in trustworthiness-style neighbourhood studies);
 * - Representation Topology Divergence (Barannikov et al., ICML 2022): the total length of the H1
 *   R-Cross-Barcode, the Rips barcode of a 2N-vertex graph built from both distance matrices of the same
 *   N points. It is 0 when the two clouds have the same distances and grows with topological features one
 *   has and the other lacks, at their scale. Like the reference implementation, distances of each cloud
 *   are divided by their 0.9 quantile first, and RTD is averaged over seeded random batches of points.
 */
import { sha256Hex } from '../io/hash.js';
import { ripsFromDistances } from '../kernels/rips.js';
import type { StepCache } from './cache.js';
import type { LevelEmbeddings } from './embeddings.js';
import { rng, shuffled, subSeed } from './random.js';
import { median } from './scale.js';
import type { PairedLevel, PairedSection } from './types.js';

/** Squared Euclidean distances of rows `rows` of x (n_rows × n_rows, row-major). */
export function squaredDistances(x: Float32Array, d: number, rows: ArrayLike<number>): Float64Array {
  const m = rows.length;
  const out = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    const oa = rows[a] * d;
    for (let b = a + 1; b < m; b++) {
      const ob = rows[b] * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = x[oa + j] - x[ob + j];
        s += t * t;
      }
      out[a * m + b] = s;
      out[b * m + a] = s;
    }
  }
  return out;
}

/** The k nearest other rows of every row (ties by the smaller index), from a full squared-distance matrix. */
export function knnSets(dist: Float64Array, m: number, k: number): Uint32Array[] {
  const out: Uint32Array[] = [];
  const idx = Array.from({ length: m }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const row = dist.subarray(i * m, (i + 1) * m);
    const others = idx.filter((j) => j !== i).sort((a, b) => row[a] - row[b] || a - b);
    out.push(Uint32Array.from(others.slice(0, k)).sort());
  }
  return out;
}

function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      common++;
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  const union = a.length + b.length - common;
  return union === 0 ? 1 : common / union;
}

export interface KnnPreservation {
  k: number;
  /** Per image (row), Jaccard of its clean and noisy k-NN sets. */
  perImage: Float64Array;
  mean: number;
  median: number;
  /** Expected Jaccard of two independent random k-sets of the other n − 1 images: the no-information line. */
  chance: number;
}

/** The k-NN sets of every row of an n×d matrix (k capped at n − 1). */
export function neighbourhoods(x: Float32Array, d: number, k: number): Uint32Array[] {
  const n = x.length / d;
  return knnSets(
    squaredDistances(
      x,
      d,
      Array.from({ length: n }, (_, i) => i),
    ),
    n,
    Math.max(0, Math.min(k, n - 1)),
  );
}

/** Jaccard of the k-NN sets of the same images in two embeddings (rows paired); `clean` from neighbourhoods(). */
export function knnPreservation(clean: Uint32Array[], noisy: Float32Array, d: number): KnnPreservation {
  const n = clean.length;
  const kk = clean[0]?.length ?? 0;
  const a = clean;
  const b = neighbourhoods(noisy, d, kk);
  const perImage = Float64Array.from(a, (s, i) => jaccard(s, b[i]));
  const mean = perImage.reduce((s, v) => s + v, 0) / Math.max(1, n);
  // E|A∩B| = k²/(n−1) for independent uniform k-subsets; Jaccard ≈ E|A∩B| / (2k − E|A∩B|).
  const inter = (kk * kk) / Math.max(1, n - 1);
  return { k: kk, perImage, mean, median: median(Array.from(perImage)), chance: kk > 0 ? inter / (2 * kk - inter) : 1 };
}

/** The 0.9 quantile of the off-diagonal entries of a full m×m matrix (the reference RTD normalisation). */
function quantile90(dist: Float64Array, m: number): number {
  const v: number[] = [];
  for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) v.push(dist[a * m + b]);
  v.sort((x, y) => x - y);
  return v.length ? v[Math.min(v.length - 1, Math.floor(0.9 * (v.length - 1)))] : 0;
}

/**
 * The R-Cross-Barcode matrix of two distance matrices w, w̃ of the same m points: 2m vertices, the first
 * copy at mutual distance 0, cross edges w_ij for i ≤ j (+∞ below the diagonal), the second copy at
 * min(w, w̃). +∞ is written as `big` (above every other entry, hence above the enclosing radius).
 */
export function crossMatrix(w: Float64Array, wt: Float64Array, m: number): Float64Array {
  const M = 2 * m;
  const out = new Float64Array(M * M);
  let big = 0;
  for (let k = 0; k < w.length; k++) big = Math.max(big, w[k], wt[k]);
  big = 2 * big + 1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const cross = i <= j ? w[i * m + j] : big;
      out[i * M + (m + j)] = cross;
      out[(m + j) * M + i] = cross;
      out[(m + i) * M + (m + j)] = i === j ? 0 : Math.min(w[i * m + j], wt[i * m + j]);
    }
  }
  return out;
}

export interface RtdResult {
  /** Mean over batches of the total H1 cross-barcode length, both directions averaged. */
  rtd: number;
  /** Standard deviation over batches. */
  sd: number;
  batches: number;
  batchSize: number;
}

/** H1 RTD of paired clouds, averaged over `batches` seeded random batches of `batchSize` rows. */
export async function rtd(
  clean: Float32Array,
  noisy: Float32Array,
  d: number,
  o: { batches: number; batchSize: number; seed: number; threads?: number; signal?: AbortSignal },
): Promise<RtdResult> {
  const n = clean.length / d;
  const m = Math.min(o.batchSize, n);
  const next = rng(subSeed(o.seed, 'rtd-batches'));
  const values: number[] = [];
  const batches = m === n ? 1 : o.batches;
  for (let t = 0; t < batches; t++) {
    const rows = shuffled(
      Array.from({ length: n }, (_, i) => i),
      next,
    ).slice(0, m);
    const w = squaredDistances(clean, d, rows).map(Math.sqrt);
    const wt = squaredDistances(noisy, d, rows).map(Math.sqrt);
    const qa = quantile90(w, m) || 1;
    const qb = quantile90(wt, m) || 1;
    const a = w.map((v) => v / qa);
    const b = wt.map((v) => v / qb);
    let both = 0;
    for (const [x, y] of [
      [a, b],
      [b, a],
    ]) {
      const r = await ripsFromDistances(crossMatrix(x, y, m), { n: 2 * m, maxdim: 1, threads: o.threads, signal: o.signal });
      both += r.diagrams[1].pairs.reduce((s, [bb, dd]) => s + (Number.isFinite(dd) ? dd - bb : 0), 0);
    }
    values.push(both / 2);
  }
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return { rtd: mean, sd: values.length > 1 ? sd : 0, batches, batchSize: m };
}

/** Neighbours compared per image. */
export const KNN_K = 10;
/** RTD batches and their size (the reference implementation samples batches too; its default is 10 × 500). */
export const RTD_BATCHES = 5;
export const RTD_BATCH_SIZE = 200;

/** Step 8b of `analyze`: k-NN preservation and RTD of every noisy level against the clean one. */
export async function pairedComparison(
  o: {
    test: LevelEmbeddings[];
    dim: number;
    classes: number;
    seed: number;
    threads?: number;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
  },
  steps: StepCache,
): Promise<PairedSection> {
  const { test, dim } = o;
  const key = { levels: test.map((l) => sha256Hex(l.run.embeddings)), k: KNN_K, batches: RTD_BATCHES, size: RTD_BATCH_SIZE, seed: o.seed };
  const run = await steps.run('paired', key, async () => {
    const clean = test[0].run;
    const sets = neighbourhoods(clean.embeddings, dim, KNN_K);
    const levels: PairedLevel[] = [];
    let chance = 0;
    let k = 0;
    for (const [i, l] of test.slice(1).entries()) {
      const p = knnPreservation(sets, l.run.embeddings, dim);
      chance = p.chance;
      k = p.k;
      const perClass = Array.from({ length: o.classes }, (_, c) => {
        const v = Array.from(clean.labels.keys()).filter((r) => clean.labels[r] === c);
        return v.length ? v.reduce((s, r) => s + p.perImage[r], 0) / v.length : null;
      });
      const r = await rtd(clean.embeddings, l.run.embeddings, dim, {
        batches: RTD_BATCHES,
        batchSize: RTD_BATCH_SIZE,
        seed: o.seed,
        threads: o.threads,
        signal: o.signal,
      });
      levels.push({ sigma: l.sigma, knn_jaccard_mean: p.mean, knn_jaccard_median: p.median, knn_jaccard_per_class: perClass, rtd: r.rtd, rtd_sd: r.sd });
      o.onProgress?.(i + 1, test.length - 1);
    }
    const m = Math.min(RTD_BATCH_SIZE, clean.labels.length);
    return {
      knn_k: k,
      knn_chance: chance,
      rtd_batches: m === clean.labels.length ? 1 : RTD_BATCHES,
      rtd_batch_size: m,
      levels,
    };
  });
  return run.value;
}
