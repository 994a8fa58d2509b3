/** Principal angles between subspaces and between classes of embeddings (typed wrappers of the core). */
import { UsageError } from '../errors.js';
import { addon, callNative, type Hooks } from '../native.js';
import { checkShape, type Matrix } from './matrix.js';

export interface PrincipalAngles {
  /** Radians, ascending. */
  angles: Float64Array;
  rankA: number;
  rankB: number;
  warnings: string[];
}

/**
 * Principal angles between the column spaces of `a` (d×p) and `b` (d×q), Knyazev–Argentati: accurate
 * for angles near 0 (sine formula) and near π/2 (cosine formula).
 */
export async function principalAngles(a: Matrix, b: Matrix, hooks?: Hooks): Promise<PrincipalAngles> {
  checkShape(a, 'A');
  checkShape(b, 'B');
  return callNative(hooks, () => addon().principalAngles(a.data, a.rows, a.cols, b.data, b.rows, b.cols));
}

export interface ClassAnglesOptions extends Hooks {
  /** Subtract each class's mean before taking its span (default true). */
  center?: boolean;
  /** Keep exactly this many dimensions per class. */
  rank?: number;
  /** Keep the smallest rank holding this fraction (0, 1] of each class's energy. */
  energy?: number;
  /** Worker threads (default: all cores). */
  threads?: number;
}

export interface PairSpectrum {
  a: number;
  b: number;
  /** Radians, ascending. */
  angles: Float64Array;
}

export interface ClassAngles {
  classes: string[];
  center: boolean;
  /** The rule as asked: a fixed rank, an energy fraction, or the full numerical rank. */
  rank: number | 'full';
  energy: number | null;
  /** Dimension kept for each class. */
  ranks: number[];
  /** k×k row-major, radians; 0 on the diagonal. */
  min: Float64Array;
  max: Float64Array;
  spectra: PairSpectrum[];
  warnings: string[];
}

/**
 * For each class, the subspace of R^d spanned by its embeddings (rows of `x` with that label); for
 * each pair of classes, the full spectrum of principal angles between them.
 */
export async function classSubspaceAngles(x: Matrix, labels: Uint32Array, classNames: string[], options: ClassAnglesOptions = {}): Promise<ClassAngles> {
  checkShape(x, 'embeddings');
  if (options.rank !== undefined && options.energy !== undefined) {
    throw new UsageError('give a rank or an energy fraction, not both');
  }
  if (options.rank !== undefined && (!Number.isInteger(options.rank) || options.rank < 1)) {
    throw new UsageError(`rank ${options.rank} is not a positive integer`);
  }
  if (options.energy !== undefined && !(options.energy > 0 && options.energy <= 1)) {
    throw new UsageError(`energy ${options.energy} is not a fraction in (0, 1]`);
  }
  const center = options.center ?? true;
  const out = await callNative(options, (cancel, progress) =>
    addon().classSubspaceAngles(
      x.data,
      x.rows,
      x.cols,
      labels,
      classNames,
      { center, rank: options.rank, energy: options.energy, threads: options.threads },
      cancel,
      progress,
    ),
  );
  return {
    classes: classNames,
    center,
    rank: options.rank ?? 'full',
    energy: options.energy ?? null,
    ...out,
  };
}

const DEG = 180 / Math.PI;

/** The JSON document `clip-topo angles` writes (degrees). */
export function anglesToJson(r: ClassAngles): Record<string, unknown> {
  const k = r.classes.length;
  const square = (m: Float64Array) => Array.from({ length: k }, (_, i) => Array.from(m.subarray(i * k, (i + 1) * k), (v) => v * DEG));
  return {
    format: 'clip-topo/angles@1',
    units: 'degrees',
    classes: r.classes,
    rank: r.energy === null ? r.rank : `energy ${r.energy}`,
    ranks: r.ranks,
    center: r.center,
    min_angle_deg: square(r.min),
    max_angle_deg: square(r.max),
    spectra: r.spectra.map((s) => ({ a: s.a, b: s.b, angles_deg: Array.from(s.angles, (v) => v * DEG) })),
    warnings: r.warnings,
  };
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per class pair: the smallest, mean and largest angle (degrees) and both ranks. */
export function anglesToCsv(r: ClassAngles): string {
  const rows = ['class_a,class_b,min_angle_deg,mean_angle_deg,max_angle_deg,rank_a,rank_b'];
  for (const s of r.spectra) {
    const mean = s.angles.reduce((acc, v) => acc + v, 0) / Math.max(1, s.angles.length);
    rows.push(
      [csvField(r.classes[s.a]), csvField(r.classes[s.b]), s.angles[0] * DEG, mean * DEG, s.angles[s.angles.length - 1] * DEG, r.ranks[s.a], r.ranks[s.b]].join(
        ',',
      ),
    );
  }
  return rows.join('\n') + '\n';
}
