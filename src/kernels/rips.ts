/**
 * Vietoris–Rips persistence diagrams (typed wrappers of the core). Conventions are Ripser's: the filtration
 * value of an edge is its length, the threshold defaults to the enclosing radius (beyond it the complex is a
 * cone), H0 pairs of length 0 and all zero-persistence pairs are omitted, essential classes have death ∞.
 */
import { totalmem } from 'node:os';

import type { PersistenceDiagram } from '../diagram.js';
import { InputError, UsageError } from '../errors.js';
import { addon, callNative, type Hooks } from '../native.js';

export type RipsMetric = 'euclidean' | 'cosine' | 'angular';

export interface RipsOptions extends Hooks {
  /** Number of points (rows); inferred from `d` when omitted. */
  n?: number;
  /** Dimension of each point (columns); inferred from `n` when omitted. */
  d?: number;
  /** Highest homology dimension, 0–3 (default 1). */
  maxdim?: number;
  /** Largest edge length in the complex (default: the enclosing radius). */
  threshold?: number;
  /** euclidean (default), cosine (1 − cos) or angular (arccos cos, radians). */
  metric?: RipsMetric;
  /** Prime p of the coefficient field Z/p (default 2). */
  coeff?: number;
  /** Worker threads (default: all cores). */
  threads?: number;
  /** Keep this many points chosen by greedy (farthest-point) permutation. */
  sample?: number;
  /** Sparse Rips approximation (Cavanna–Jahanseir–Sheehy) with this ε > 0. */
  approx?: number;
  /**
   * Refuse runs estimated to need more bytes than this (default: three quarters of physical memory), and stop
   * with `ERR_TOO_LARGE` a run whose reduction comes to hold more (under `budget`: a smaller sample runs).
   */
  maxMemory?: number;
  /**
   * Representative cycles of this many finite H1 bars of largest persistence (default 0 = none). Needs
   * coeff 2, maxdim ≥ 1 and no `approx`; see `Diagrams.cycles`.
   */
  cycles?: number;
  /**
   * Seconds the exact run may take. When set (and neither `sample` nor `approx` is), pilot runs on seeded
   * random subsets estimate the exact run's time and memory first (`Diagrams.estimate`); when either is above
   * this or `maxMemory`, the largest greedy sample estimated to fit a third of the time left (half the
   * memory) is computed instead (`Diagrams.sample`, `Diagrams.fallback`). Absent: no estimate, the exact run.
   */
  budget?: number;
}

/** What one run of the engine cost: wall seconds of the reduction, entries pushed to its heaps, peak bytes
 * of its structures (distances, edges, columns, pivot table, working heaps; not the process's other memory). */
export interface RipsCost {
  seconds: number;
  work: number;
  bytes: number;
}

/** The estimate of an exact run from pilot runs of the same engine on random subsets. */
export interface RipsEstimate {
  points: number;
  seconds: number;
  bytes: number;
  /** Wall time of the pilots themselves. */
  pilotSeconds: number;
  pilots: { points: number; edges: number; cost: RipsCost }[];
}

/**
 * A representative cycle over Z/2 of an H1 bar: R_τ = ∂V_τ, the column of the bar's death triangle τ in the
 * standard reduction of the boundary matrix (in the engine's filtration order). It exists at the birth
 * (every edge is at most `birth` long, one exactly) and becomes a boundary exactly at `death`.
 */
export interface RipsCycle {
  dim: 1;
  /** The bar, equal to its pair in the H1 diagram. */
  birth: number;
  death: number;
  /** Edges [a, b], a < b, sorted; vertices are input rows (also with `sample`). Empty when not computed. */
  edges: [number, number][];
  /**
   * The edges split into simple closed loops; each lists its vertices once (the first is not repeated at the
   * end), starts at its smallest vertex, and loops are sorted longest first.
   */
  loops: number[][];
  /** False when the work budget ran out (or an internal inconsistency was found); `reason` says which. */
  computed: boolean;
  reason?: string;
}

export interface Diagrams {
  diagrams: PersistenceDiagram[];
  /** The threshold used (Infinity when none). */
  threshold: number;
  maxdim: number;
  coeff: number;
  /** 'distance-matrix' or 'edges' when the input was not a point cloud. */
  metric: RipsMetric | 'distance-matrix' | 'edges';
  /** Vertices of the complex (after sampling). */
  n: number;
  memoryEstimate: number;
  sample?: { indices: Uint32Array; hausdorffRadius: number };
  approx?: { epsilon: number; edges: number; keptFraction: number; guarantee: string };
  /**
   * Present when the distances lay outside float32's comfortable range [2^-100, 2^100]: the power of two they
   * were multiplied by before the float32 computation. Every value above is still in the input's units.
   */
  scale?: number;
  /** With `cycles` > 0: the representatives of the most persistent finite H1 bars, most persistent first. */
  cycles?: RipsCycle[];
  /** What the run of the engine cost (the sample's run after a fallback). */
  cost: RipsCost;
  /** With `budget`: the pilots' estimate of the exact run (absent for a few hundred points or maxdim 0). */
  estimate?: RipsEstimate;
  /** Why a greedy sample (`sample`) was computed instead of the exact diagram the budget could not afford. */
  fallback?: string;
}

type NativeOut = Awaited<ReturnType<ReturnType<typeof addon>['ripsPoints']>>;

function checkOptions(o: RipsOptions): void {
  const maxdim = o.maxdim ?? 1;
  if (!Number.isInteger(maxdim) || maxdim < 0 || maxdim > 3) throw new UsageError(`maxdim ${o.maxdim} is not an integer in 0–3`);
  const p = o.coeff ?? 2;
  if (!Number.isInteger(p) || p < 2 || p >= 65536) throw new UsageError(`coeff ${o.coeff} is not a prime below 65536`);
  for (let q = 2; q * q <= p; q++) if (p % q === 0) throw new UsageError(`coeff ${p} is not a prime (Z/p needs a prime p, e.g. 2 or 3)`);
  if (o.threshold !== undefined && !(o.threshold >= 0)) throw new UsageError(`threshold ${o.threshold} is not a non-negative number`);
  if (o.sample !== undefined && (!Number.isInteger(o.sample) || o.sample < 1)) throw new UsageError(`sample ${o.sample} is not a positive integer`);
  if (o.approx !== undefined && !(o.approx > 0 && Number.isFinite(o.approx))) throw new UsageError(`approx ε = ${o.approx} is not a positive number`);
  if (o.sample !== undefined && o.approx !== undefined) throw new UsageError('rips: give sample or approx, not both');
  if (o.budget !== undefined && !(o.budget > 0 && Number.isFinite(o.budget))) throw new UsageError(`budget ${o.budget} is not a positive number of seconds`);
  if (o.cycles !== undefined) {
    if (!Number.isInteger(o.cycles) || o.cycles < 0 || o.cycles > 0xffffffff) throw new UsageError(`cycles ${o.cycles} is not a non-negative integer`);
    if (o.cycles > 0 && p !== 2) throw new UsageError(`cycles: representative cycles are computed over Z/2 only, not with coeff ${p}`);
    if (o.cycles > 0 && maxdim < 1) throw new UsageError('cycles: representative cycles of H1 bars need maxdim ≥ 1');
    if (o.cycles > 0 && o.approx !== undefined) throw new UsageError('cycles: not available with approx (use sample, or the exact complex)');
  }
}

function nativeOptions(o: RipsOptions) {
  return {
    maxdim: o.maxdim ?? 1,
    threshold: o.threshold,
    metric: o.metric ?? 'euclidean',
    coeff: o.coeff ?? 2,
    threads: o.threads,
    sample: o.sample,
    approx: o.approx,
    maxMemory: o.maxMemory ?? Math.floor(totalmem() * 0.75),
    cycles: o.cycles ?? 0,
    budget: o.budget,
  };
}

function convert(out: NativeOut, o: RipsOptions, metric: Diagrams['metric']): Diagrams {
  const diagrams = out.diagrams.map((d) => {
    const pairs: [number, number][] = [];
    for (let k = 0; k < d.pairs.length; k += 2) pairs.push([d.pairs[k], d.pairs[k + 1]]);
    return { dim: d.dim, pairs };
  });
  const r: Diagrams = {
    diagrams,
    threshold: out.threshold,
    maxdim: o.maxdim ?? 1,
    coeff: o.coeff ?? 2,
    metric,
    n: out.n,
    memoryEstimate: out.memoryEstimate,
    cost: out.cost,
  };
  if (out.estimate) r.estimate = out.estimate;
  if (out.fallback) r.fallback = out.fallback;
  if (out.sampleIndices && out.hausdorffRadius !== undefined && out.hausdorffRadius !== null) {
    r.sample = { indices: out.sampleIndices, hausdorffRadius: out.hausdorffRadius };
  }
  if (out.guarantee) {
    r.approx = { epsilon: out.approxEpsilon ?? 0, edges: out.approxEdges ?? 0, keptFraction: out.approxKeptFraction ?? 1, guarantee: out.guarantee };
  }
  if (out.scale !== 1) r.scale = out.scale;
  if ((o.cycles ?? 0) > 0) {
    r.cycles = out.cycles.map((c) => {
      const cy: RipsCycle = {
        dim: 1,
        birth: c.birth,
        death: c.death,
        edges: c.edges.map((e) => [e[0], e[1]] as [number, number]),
        loops: c.loops,
        computed: c.computed,
      };
      if (c.reason !== undefined && c.reason !== null) cy.reason = c.reason;
      return cy;
    });
  }
  return r;
}

/**
 * Persistence diagrams in dimensions 0..maxdim of the Rips filtration of a point cloud: `points` is a flat
 * row-major n×d array (give `n` or `d`), or a `{ data, rows, cols }` matrix.
 */
export async function rips(
  points: Float32Array | Float64Array | { data: Float32Array | Float64Array; rows: number; cols: number },
  options: RipsOptions = {},
): Promise<Diagrams> {
  checkOptions(options);
  const data = 'data' in points ? points.data : points;
  let n = 'data' in points ? points.rows : options.n;
  let d = 'data' in points ? points.cols : options.d;
  if (n === undefined && d !== undefined && d > 0) n = data.length / d;
  if (d === undefined && n !== undefined && n > 0) d = data.length / n;
  if (n === undefined || d === undefined) throw new UsageError('rips: give the number of points n or their dimension d');
  if (!Number.isInteger(n) || !Number.isInteger(d) || n * d !== data.length) {
    throw new InputError(`points: ${data.length} values do not fill ${n} points of dimension ${d}`);
  }
  const out = await callNative(options, (cancel, progress) => addon().ripsPoints(data, n, d, nativeOptions(options), cancel, progress));
  return convert(out, options, options.metric ?? 'euclidean');
}

/**
 * Persistence diagrams from a distance matrix: n·n values (full, symmetric, zero diagonal) or n(n−1)/2 values
 * (strict lower triangle by rows: d(1,0), d(2,0), d(2,1), …). `n` is inferred from the length when omitted.
 */
export async function ripsFromDistances(values: Float32Array | Float64Array, options: RipsOptions = {}): Promise<Diagrams> {
  checkOptions(options);
  let n = options.n;
  if (n === undefined) {
    const sq = Math.round(Math.sqrt(values.length));
    const tri = Math.round((1 + Math.sqrt(1 + 8 * values.length)) / 2);
    const isSquare = sq * sq === values.length && sq > 0;
    const isTriangle = (tri * (tri - 1)) / 2 === values.length;
    // Some lengths are both (1, 36, 1225, …: 36 = 6² = 9·8/2): a square matrix has a zero diagonal, a
    // triangle of positive distances does not.
    const zeroDiagonal = () => {
      for (let k = 0; k < sq; k++) if (values[k * sq + k] !== 0) return false;
      return true;
    };
    if (isSquare && (!isTriangle || zeroDiagonal())) n = sq;
    else if (isTriangle) n = tri;
    else throw new InputError(`distance matrix: ${values.length} values is neither a square n×n matrix nor a lower triangle n(n−1)/2`);
  }
  const out = await callNative(options, (cancel, progress) => addon().ripsDistances(values, n, nativeOptions(options), cancel, progress));
  return convert(out, options, 'distance-matrix');
}

/** Persistence diagrams of a sparse distance matrix: edges (i[k], j[k]) of length w[k] on vertices 0..n−1. */
export async function ripsFromEdges(n: number, i: Uint32Array, j: Uint32Array, w: Float64Array, options: RipsOptions = {}): Promise<Diagrams> {
  checkOptions(options);
  const out = await callNative(options, (cancel, progress) => addon().ripsEdges(n, i, j, w, nativeOptions(options), cancel, progress));
  return convert(out, options, 'edges');
}

/** Estimated bytes of an exact run on n points up to maxdim (it does not foresee fill-in of the reduction). */
export function ripsMemoryEstimate(n: number, maxdim = 1): number {
  return addon().ripsMemoryEstimate(n, maxdim);
}
