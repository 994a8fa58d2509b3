/** 2-D maps of embeddings: t-SNE and UMAP (typed wrappers of the core). */
import { UsageError } from '../errors.js';
import { addon, callNative, type Hooks } from '../native.js';
import { checkShape } from './matrix.js';

interface MapCommon extends Hooks {
  /** Rows (points). */
  n: number;
  /** Columns (dimensions). */
  d: number;
  /** Seed of every random step (default 0). Same input, seed → the same map, whatever the thread count. */
  seed?: number;
  /** Worker threads (default: all cores). */
  threads?: number;
  /** Also compute trustworthiness (k = 10) of the map; costs about one k-NN search (default false). */
  trustworthiness?: boolean;
}

export interface TsneOptions extends MapCommon {
  /** Default 30; lowered (with a warning) when n < 3·perplexity + 1. */
  perplexity?: number;
  /** Total iterations, the 250 of early exaggeration included (default 1000). */
  iterations?: number;
}

export interface UmapOptions extends MapCommon {
  /** Default 15 (the point itself included, as umap-learn counts). */
  nNeighbors?: number;
  /** Default 0.1. */
  minDist?: number;
  /** Default 1. */
  spread?: number;
  /** Default 500 for n < 10,000, else 200. */
  epochs?: number;
}

export interface MapResult {
  /** n×2 row-major. */
  embedding: Float32Array;
  /** Trustworthiness (k = 10) when asked for, else null. */
  trustworthiness: number | null;
  warnings: string[];
}

export interface TsneResult extends MapResult {
  /** KL(P‖Q) of the final map, Q computed exactly. */
  kl: number;
  /** The perplexity actually used. */
  perplexity: number;
}

export interface UmapResult extends MapResult {
  /** Curve parameters fitted from minDist and spread. */
  a: number;
  b: number;
  /** "spectral", "spectral per component" (disconnected k-NN graph) or "random". */
  init: string;
}

function check(x: Float32Array | Float64Array, o: MapCommon): void {
  if (!(x instanceof Float32Array || x instanceof Float64Array)) throw new UsageError('X must be a Float32Array or Float64Array (flat, row-major)');
  checkShape({ data: x, rows: o.n, cols: o.d }, 'X');
  uint(o.seed, 'seed', 0);
  uint(o.threads, 'threads', 1);
}

function uint(v: number | undefined, what: string, min: number): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < min || v > 0xffffffff)) {
    throw new UsageError(`${what} ${v} is not an integer in ${min}..4294967295`);
  }
}

function positive(v: number | undefined, what: string): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new UsageError(`${what} ${v} is not a positive number`);
}

/**
 * t-SNE with openTSNE-style defaults: perplexity 30 on 90 neighbours, PCA start, early exaggeration
 * 12 for 250 iterations, learning rate max(n/12, 200); exact repulsion up to 500 points, FFT-accelerated
 * interpolation above.
 */
export async function tsne(x: Float32Array | Float64Array, options: TsneOptions): Promise<TsneResult> {
  check(x, options);
  positive(options.perplexity, 'perplexity');
  uint(options.iterations, 'iterations', 1);
  const out = await callNative(options, (cancel, progress) =>
    addon().tsne(
      x,
      options.n,
      options.d,
      {
        perplexity: options.perplexity,
        iterations: options.iterations,
        seed: options.seed,
        threads: options.threads,
        trustworthiness: options.trustworthiness,
      },
      cancel,
      progress,
    ),
  );
  return { ...out, trustworthiness: out.trustworthiness ?? null };
}

/**
 * UMAP with umap-learn's defaults: fuzzy simplicial set of the exact 15-NN graph, spectral start,
 * SGD with negative sampling (deterministic parallel scheme, see the core's umap.rs).
 */
export async function umap(x: Float32Array | Float64Array, options: UmapOptions): Promise<UmapResult> {
  check(x, options);
  uint(options.nNeighbors, 'nNeighbors', 2);
  uint(options.epochs, 'epochs', 1);
  positive(options.spread, 'spread');
  if (options.minDist !== undefined && !(Number.isFinite(options.minDist) && options.minDist >= 0)) {
    throw new UsageError(`minDist ${options.minDist} is not a non-negative number`);
  }
  const out = await callNative(options, (cancel, progress) =>
    addon().umap(
      x,
      options.n,
      options.d,
      {
        nNeighbors: options.nNeighbors,
        minDist: options.minDist,
        spread: options.spread,
        epochs: options.epochs,
        seed: options.seed,
        threads: options.threads,
        trustworthiness: options.trustworthiness,
      },
      cancel,
      progress,
    ),
  );
  return { ...out, trustworthiness: out.trustworthiness ?? null };
}
