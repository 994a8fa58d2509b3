/** Lookups over per-level results that the report's sections and captions share. */
import type { ClassDistance, LevelAccuracy, ReportInput } from '../analysis/types.js';

/** The clean level (σ = 0), or the lowest σ when the run had no clean level. */
export function cleanOf<T extends { sigma: number }>(levels: T[]): T | undefined {
  return levels.find((l) => l.sigma === 0) ?? [...levels].sort((a, b) => a.sigma - b.sigma)[0];
}

/** The noisiest level. */
export function worstOf<T extends { sigma: number }>(levels: T[]): T | undefined {
  return [...levels].sort((a, b) => b.sigma - a.sigma)[0];
}

export function sortedSigmas(input: ReportInput): number[] {
  return [...new Set(input.metrics.noise.levels)].sort((a, b) => a - b);
}

/** Homology dimensions that have per-class or global distances, ascending. */
export function distanceDims(input: ReportInput): number[] {
  const d = input.metrics.distances;
  return [...new Set([...d.global, ...d.per_class].map((x) => x.dim))].sort((a, b) => a - b);
}

export interface DropPoint {
  class: string;
  sigma: number;
  distance: number;
  /** Clean recall minus recall at σ for this class (positive = worse under noise). */
  drop: number;
}

/** Per-class (distance, zero-shot recall drop) points for one dimension and distance kind. */
export function dropPoints(input: ReportInput, dim: number, kind: 'bottleneck' | 'wasserstein1'): DropPoint[] {
  const zeroshot = input.metrics.accuracy.zeroshot ?? [];
  const classes = input.metrics.dataset.classes;
  const clean = cleanOf(zeroshot);
  if (!clean) return [];
  const out: DropPoint[] = [];
  for (const cd of input.metrics.distances.per_class as ClassDistance[]) {
    if (cd.dim !== dim) continue;
    const level: LevelAccuracy | undefined = zeroshot.find((z) => z.sigma === cd.sigma);
    const k = classes.indexOf(cd.class);
    if (!level || k < 0) continue;
    out.push({ class: cd.class, sigma: cd.sigma, distance: cd[kind], drop: clean.per_class_recall[k] - level.per_class_recall[k] });
  }
  return out;
}
