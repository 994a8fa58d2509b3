/**
 * Step 5 of `analyze`: principal angles between class subspaces of the clean embeddings, at the run's
 * settings (centring, rank or energy), and once more at the degenerate setting (uncentred, every
 * direction a class spans) that makes many pairs read "0.0°", so the report can show where that comes from.
 */
import { classSubspaceAngles } from '../kernels/angles.js';
import type { ProgressFn } from '../native.js';
import type { StepCache } from './cache.js';
import { median } from './scale.js';
import type { AnglesDegenerate, AnglesSection } from './types.js';

const DEG = 180 / Math.PI;
/** Angles below this read as 0.0 at the report's one decimal. */
const ZERO_DEG = 0.05;

export interface AngleSettings {
  center: boolean;
  rank?: number;
  energy?: number;
}

/** Classes that can span a subspace at these settings: enough images for the rank asked (one more when centred). */
function eligible(counts: number[], s: AngleSettings): boolean[] {
  const need = (s.center ? 1 : 0) + (s.rank ?? 1);
  return counts.map((n) => n >= need);
}

async function anglesOf(
  x: Float32Array,
  labels: Int32Array,
  dim: number,
  keep: number[],
  s: AngleSettings,
  hooks: { threads?: number; signal?: AbortSignal; onProgress?: ProgressFn },
) {
  const slot = new Map(keep.map((c, k) => [c, k]));
  const rows = Array.from(labels.keys()).filter((i) => slot.has(labels[i]));
  const sub = new Float32Array(rows.length * dim);
  rows.forEach((r, k) => sub.set(x.subarray(r * dim, (r + 1) * dim), k * dim));
  const lab = Uint32Array.from(rows, (r) => slot.get(labels[r]) ?? 0);
  const r = await classSubspaceAngles(
    { data: sub, rows: rows.length, cols: dim },
    lab,
    keep.map((c) => String(c)),
    {
      center: s.center,
      rank: s.rank,
      energy: s.rank === undefined ? s.energy : undefined,
      ...hooks,
    },
  );
  return {
    ranks: r.ranks,
    min: Array.from(r.min),
    spectra: r.spectra.map((p) => ({ a: p.a, b: p.b, mean: p.angles.reduce((u, v) => u + v, 0) / Math.max(1, p.angles.length) })),
    warnings: r.warnings,
  };
}

export async function classAngles(
  o: {
    x: Float32Array;
    labels: Int32Array;
    dim: number;
    classes: string[];
    key: string;
    settings: AngleSettings;
    threads?: number;
    signal?: AbortSignal;
    onProgress?: ProgressFn;
  },
  steps: StepCache,
): Promise<AnglesSection> {
  const C = o.classes.length;
  const s = o.settings;
  const counts = o.classes.map((_, c) => o.labels.filter((y) => y === c).length);
  const ok = eligible(counts, s);
  const keep = ok.flatMap((v, c) => (v ? [c] : []));
  const warnings: string[] = [];
  const need = (s.center ? 1 : 0) + (s.rank ?? 1);
  for (let c = 0; c < C; c++)
    if (!ok[c])
      warnings.push(
        `class '${o.classes[c]}' has ${counts[c]} image${counts[c] === 1 ? '' : 's'}: it needs ${need} to span a subspace at these settings${s.center ? ' (centring takes one)' : ''}; left out of the angles`,
      );
  const empty = (): AnglesSection => ({
    sigma: 0,
    center: s.center,
    energy: s.rank === undefined ? (s.energy ?? null) : null,
    rank: s.rank ?? 'full',
    ranks: counts.map(() => 0),
    min_deg: counts.map((_, i) => counts.map((__, j) => (i === j ? 0 : null))),
    closest: [],
    warnings: [...warnings, 'fewer than two classes can span a subspace: no angles'],
    degenerate: null,
  });
  if (keep.length < 2) return empty();

  const run = await steps.run('angles', { cleanKey: o.key, settings: s, keep }, async () => {
    const main = await anglesOf(o.x, o.labels, o.dim, keep, s, o);
    // The degenerate setting: no centring, every direction. Classes then share the mean embedding's direction,
    // and two classes whose ranks add up to more than d meet in a common subspace by dimension count.
    const degenKeep = keep.filter((c) => counts[c] >= 1);
    const degen = await anglesOf(o.x, o.labels, o.dim, degenKeep, { center: false, energy: 1 }, { threads: o.threads, signal: o.signal });
    return { main, degen, degenKeep };
  });
  const { main, degen, degenKeep } = run.value;
  const K = keep.length;
  const minDeg: (number | null)[][] = Array.from({ length: C }, (_, i) => Array.from({ length: C }, (__, j) => (i === j ? 0 : null)));
  for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) if (a !== b) minDeg[keep[a]][keep[b]] = main.min[a * K + b] * DEG;
  const ranks = counts.map(() => 0);
  keep.forEach((c, k) => {
    ranks[c] = main.ranks[k];
  });
  const closest = main.spectra
    .map((p) => ({ a: o.classes[keep[p.a]], b: o.classes[keep[p.b]], min_deg: main.min[p.a * K + p.b] * DEG, mean_deg: p.mean * DEG }))
    .sort((x, y) => x.min_deg - y.min_deg || x.mean_deg - y.mean_deg)
    .slice(0, 10);
  return {
    sigma: 0,
    center: s.center,
    energy: s.rank === undefined ? (s.energy ?? null) : null,
    rank: s.rank ?? 'full',
    ranks,
    min_deg: minDeg,
    closest,
    warnings: [...warnings, ...main.warnings],
    degenerate: degenerateSummary(
      degen,
      degenKeep.length,
      o.dim,
      main,
      K,
      degenKeep.map((c) => counts[c]),
    ),
  };
}

function pairValues(min: number[], K: number): number[] {
  const out: number[] = [];
  for (let a = 0; a < K; a++) for (let b = a + 1; b < K; b++) out.push(min[a * K + b] * DEG);
  return out;
}

function degenerateSummary(
  degen: { ranks: number[]; min: number[] },
  K: number,
  d: number,
  main: { min: number[] },
  mainK: number,
  counts: number[],
): AnglesDegenerate {
  const values = pairValues(degen.min, K);
  let byCount = 0;
  for (let a = 0; a < K; a++) for (let b = a + 1; b < K; b++) if (degen.ranks[a] + degen.ranks[b] > d) byCount++;
  const mainValues = pairValues(main.min, mainK);
  // Classes passed as images × dimensions to a routine that spans columns (scipy.linalg.subspace_angles) are
  // subspaces of R^n, n = images per class: two classes of n images with rank n both span all of R^n.
  let sameCount = 0;
  let transposedZero = 0;
  for (let a = 0; a < K; a++)
    for (let b = a + 1; b < K; b++)
      if (counts[a] === counts[b]) {
        sameCount++;
        if (degen.ranks[a] === counts[a] && degen.ranks[b] === counts[b] && counts[a] <= d) transposedZero++;
      }
  return {
    transposed_pairs: sameCount,
    transposed_zero_pairs: transposedZero,
    setting: 'uncentred, every direction each class spans (energy 1)',
    pairs: values.length,
    zero_pairs: values.filter((v) => v < ZERO_DEG).length,
    zero_by_dimension_count: byCount,
    median_min_deg: median(values),
    ranks: degen.ranks,
    run_zero_pairs: mainValues.filter((v) => v < ZERO_DEG).length,
    run_median_min_deg: median(mainValues),
  };
}
