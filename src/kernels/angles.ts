/** Principal angles between subspaces and between classes of embeddings (typed wrappers of the core). */
import { UsageError } from '../errors.js';
import type { AnglesResult } from '../io/angles_file.js';
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
 * Principal angles between the column spaces of `a` (d×p) and `b` (d×q), Knyazev–Argentati: small
 * angles from sines (accurate near 0); the others from cosines, computed as eigenvalues of MᵀM, so next to
 * π/2 an angle may be off by up to √ε ≈ 1e-8 rad (crates/core/src/angles.rs).
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

/** The format layer's shape (io/angles_file.ts), with the kernel's spectra. */
export interface ClassAngles extends AnglesResult {
  spectra: PairSpectrum[];
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
