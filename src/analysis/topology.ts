/**
 * Steps 6–8 of `analyze`: Rips diagrams per noise level (a farthest-point sample of the whole split, and
 * every class), bottleneck and W1 distances between clean and noisy diagrams, and their rank correlation
 * with the accuracy drop.
 */
import { bottleneck, wasserstein, type DistanceResult } from '../kernels/diagram_distance.js';
import { rips, type Diagrams } from '../kernels/rips.js';
import type { Hooks } from '../native.js';
import { spearman } from './stats.js';
import type { BarStats, ClassDistance, Correlation, GlobalDistance, LevelDistance, Matching, Saturation } from './types.js';

/** Rows `idx` of an n×d matrix. */
export function gather(x: Float32Array, d: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * d);
  for (let k = 0; k < idx.length; k++) out.set(x.subarray(idx[k] * d, (idx[k] + 1) * d), k * d);
  return out;
}

/** Largest distance from any row of `x` to its nearest row in the subset `idx` (Euclidean). */
export function hausdorffRadius(x: Float32Array, d: number, idx: ArrayLike<number>): number {
  const n = x.length / d;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let k = 0; k < idx.length && best > worst; k++) {
      const o = idx[k] * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[i * d + j] - x[o + j]) ** 2;
      best = Math.min(best, s);
    }
    worst = Math.max(worst, best);
  }
  return Math.sqrt(worst);
}

export function barStats(pairs: [number, number][]): BarStats {
  const finite = pairs.filter(([, e]) => Number.isFinite(e));
  const life = finite.map(([b, e]) => e - b);
  const total = life.reduce((a, b) => a + b, 0);
  // Natural-log persistent entropy of the finite bars (Chintakunta et al.); metrics.summaries has giotto-tda's log2 variant.
  const entropy = total > 0 ? -life.filter((l) => l > 0).reduce((a, l) => a + (l / total) * Math.log(l / total), 0) : null;
  return {
    finite: finite.length,
    essential: pairs.length - finite.length,
    total_persistence: total,
    max_persistence: life.reduce((a, b) => Math.max(a, b), 0),
    entropy,
  };
}

export interface RipsSettings extends Hooks {
  maxdim: number;
  threads?: number;
  /** Representative cycles of this many of the most persistent H1 bars. */
  cycles?: number;
}

export async function ripsOf(x: Float32Array, d: number, s: RipsSettings, sample?: number): Promise<Diagrams> {
  return rips(x, { d, maxdim: s.maxdim, threads: s.threads, sample, signal: s.signal, onProgress: s.onProgress, ...(s.cycles ? { cycles: s.cycles } : {}) });
}

function countEssential(p: [number, number][]): number {
  return p.filter(([, e]) => !Number.isFinite(e)).length;
}

/** Exact W1 while both diagrams are small enough for the Hungarian method, else within 1 %. */
export function w1Delta(a: [number, number][], b: [number, number][]): number {
  return a.length + b.length <= 1500 ? 0 : 0.01;
}

export async function compare(
  clean: [number, number][],
  noisy: [number, number][],
  hooks: Hooks,
): Promise<{ bottleneck: DistanceResult; wasserstein1: DistanceResult; finite_only: boolean; w1_delta: number }> {
  // Essential bars match among themselves; when their counts differ the distance is infinite, so compare the finite parts (persim's variant).
  const finiteOnly = countEssential(clean) !== countEssential(noisy);
  const delta = w1Delta(clean, noisy);
  const b = await bottleneck(clean, noisy, { ignoreEssential: finiteOnly, signal: hooks.signal });
  const w = await wasserstein(clean, noisy, { p: 1, delta, ignoreEssential: finiteOnly, signal: hooks.signal });
  return { bottleneck: b, wasserstein1: w, finite_only: finiteOnly, w1_delta: delta };
}

/** A matching no better than sending everything to the diagonal is "saturated": the distance then says only how big the bars are. */
const SATURATED = 0.999;

/**
 * The cost of matching every finite bar of both diagrams to the diagonal (L∞: half its persistence), with
 * essential bars matched among themselves by sorted birth as the distances do, and the distances' share of it.
 */
export function saturation(a: [number, number][], b: [number, number][], finiteOnly: boolean, bottleneckDistance: number, w1: number): Saturation {
  const half = (p: [number, number][]) => p.filter(([, e]) => Number.isFinite(e)).map(([s, e]) => (e - s) / 2);
  const h = [...half(a), ...half(b)];
  let bMax = h.reduce((m, v) => Math.max(m, v), 0);
  let wSum = h.reduce((m, v) => m + v, 0);
  if (!finiteOnly) {
    const ess = (p: [number, number][]) =>
      p
        .filter(([, e]) => !Number.isFinite(e))
        .map(([s]) => s)
        .sort((x, y) => x - y);
    const ea = ess(a);
    const eb = ess(b);
    for (let k = 0; k < Math.min(ea.length, eb.length); k++) {
      const c = Math.abs(ea[k] - eb[k]);
      bMax = Math.max(bMax, c);
      wSum += c;
    }
  }
  const ratio = (d: number, bound: number) => (bound > 0 ? d / bound : null);
  const br = ratio(bottleneckDistance, bMax);
  const wr = ratio(w1, wSum);
  return {
    bottleneck_all_to_diagonal: bMax,
    wasserstein1_all_to_diagonal: wSum,
    bottleneck_ratio: br,
    wasserstein1_ratio: wr,
    bottleneck_saturated: br !== null && br >= SATURATED,
    wasserstein1_saturated: wr !== null && wr >= SATURATED,
  };
}

const pairOf = (p: [number, number] | undefined): [number, number | null] | null => (p ? [p[0], Number.isFinite(p[1]) ? p[1] : null] : null);

export function largestMatching(clean: [number, number][], noisy: [number, number][], r: DistanceResult): Matching | undefined {
  if (!r.attaining) return undefined;
  const a = r.attaining;
  return { clean: a.a === null ? null : pairOf(clean[a.a]), noisy: a.b === null ? null : pairOf(noisy[a.b]), cost: a.cost };
}

export function levelDistance(sigma: number, dim: number, c: Awaited<ReturnType<typeof compare>>): LevelDistance {
  return { sigma, dim, bottleneck: c.bottleneck.distance, wasserstein1: c.wasserstein1.distance, finite_only: c.finite_only };
}

/** Per level, dim and distance: Spearman ρ between a class's diagram distance and its drop in zero-shot recall; then pooled over levels. */
export function correlations(perClass: ClassDistance[], recallDrop: (cls: string, sigma: number) => number, levels: number[], maxdim: number): Correlation[] {
  const out: Correlation[] = [];
  const kinds = ['bottleneck', 'wasserstein1'] as const;
  for (let dim = 0; dim <= maxdim; dim++) {
    for (const kind of kinds) {
      const pooledX: number[] = [];
      const pooledY: number[] = [];
      for (const sigma of levels) {
        const rows = perClass.filter((r) => r.sigma === sigma && r.dim === dim && Number.isFinite(r[kind]));
        const x = rows.map((r) => r[kind]);
        const y = rows.map((r) => recallDrop(r.class, sigma));
        pooledX.push(...x);
        pooledY.push(...y);
        out.push({ sigma, dim, distance: kind, against: 'zeroshot_recall_drop', spearman: spearman(x, y), n: x.length });
      }
      if (levels.length > 1)
        out.push({ sigma: 'pooled', dim, distance: kind, against: 'zeroshot_recall_drop', spearman: spearman(pooledX, pooledY), n: pooledX.length });
    }
  }
  return out;
}

export type { ClassDistance, GlobalDistance };
