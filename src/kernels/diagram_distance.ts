/**
 * Bottleneck and p-Wasserstein distances between persistence diagrams of one dimension (typed
 * wrappers of the core). Conventions: essential points (death = Infinity) are matched only among
 * themselves, in order of birth, at |birth − birth|; different counts give Infinity unless
 * `ignoreEssential` drops them. Bottleneck uses the L∞ ground metric; Wasserstein L∞ unless `internalP`.
 */
import { type DiagramInput, flattenDiagram } from '../diagram.js';
import { UsageError } from '../errors.js';
import { addon, callNative, type Hooks } from '../native.js';

export interface MatchedPair {
  /** Index into the first diagram's pairs; null = the diagonal. */
  a: number | null;
  /** Index into the second diagram's pairs; null = the diagonal. */
  b: number | null;
  /** Ground distance of the pair (not raised to p); Infinity for an unmatched essential point. */
  cost: number;
}

export interface DistanceResult {
  distance: number;
  /** Bottleneck only: a matched pair whose cost is the distance (absent when it is 0 or Infinity). */
  attaining?: MatchedPair;
  matching?: MatchedPair[];
  ignoredEssential: boolean;
}

export interface BottleneckOptions extends Hooks {
  /** Relative error (result ≤ (1 + delta) · exact); 0 (default) = exact. */
  delta?: number;
  /** Return the full optimal matching. */
  matching?: boolean;
  ignoreEssential?: boolean;
}

export interface WassersteinOptions extends BottleneckOptions {
  /** Order p ≥ 1 (default 1). */
  p?: number;
  /** Relative error (default 0.01); 0 = exact, for small diagrams only. */
  delta?: number;
  /** Ground metric L_q, q ≥ 1 or Infinity (default Infinity = L∞). */
  internalP?: number;
}

function checkDelta(delta: number | undefined): void {
  if (delta !== undefined && !(Number.isFinite(delta) && delta >= 0)) {
    throw new UsageError(`delta ${delta} is not a relative error >= 0`);
  }
}

function unflatten(m: Float64Array): MatchedPair[] {
  const out: MatchedPair[] = [];
  for (let k = 0; k + 2 < m.length; k += 3) {
    out.push({ a: m[k] < 0 ? null : m[k], b: m[k + 1] < 0 ? null : m[k + 1], cost: m[k + 2] });
  }
  return out;
}

function result(r: { distance: number; attaining?: Float64Array | null; matching?: Float64Array | null; ignoredEssential: boolean }): DistanceResult {
  const out: DistanceResult = { distance: r.distance, ignoredEssential: r.ignoredEssential };
  if (r.attaining) out.attaining = unflatten(r.attaining)[0];
  if (r.matching) out.matching = unflatten(r.matching);
  return out;
}

/**
 * Bottleneck distance: exact by default (Kerber–Morozov–Nigmetov: binary search over candidate
 * values with Hopcroft–Karp on a kd-tree), or within a factor (1 + delta).
 */
export async function bottleneck(a: DiagramInput, b: DiagramInput, options: BottleneckOptions = {}): Promise<DistanceResult> {
  checkDelta(options.delta);
  const fa = flattenDiagram(a, 'a');
  const fb = flattenDiagram(b, 'b');
  const o = { delta: options.delta, matching: options.matching, ignoreEssential: options.ignoreEssential };
  const r = await callNative(options, (cancel, progress) => addon().bottleneckDistance(fa, fb, o, cancel, progress));
  return result(r);
}

/**
 * p-Wasserstein distance within relative error delta (auction with ε-scaling), or exact with
 * delta = 0 (Hungarian method; up to 1500 finite points in both diagrams together).
 */
export async function wasserstein(a: DiagramInput, b: DiagramInput, options: WassersteinOptions = {}): Promise<DistanceResult> {
  checkDelta(options.delta);
  if (options.p !== undefined && !(Number.isFinite(options.p) && options.p >= 1)) {
    throw new UsageError(`p ${options.p} is not a finite order >= 1`);
  }
  if (options.internalP !== undefined && !(options.internalP >= 1)) {
    throw new UsageError(`internalP ${options.internalP} is not >= 1 (use Infinity for L∞)`);
  }
  const fa = flattenDiagram(a, 'a');
  const fb = flattenDiagram(b, 'b');
  const o = {
    p: options.p,
    delta: options.delta,
    internalP: options.internalP,
    matching: options.matching,
    ignoreEssential: options.ignoreEssential,
  };
  const r = await callNative(options, (cancel, progress) => addon().wassersteinDistance(fa, fb, o, cancel, progress));
  return result(r);
}
