/** Diagram summaries: statistics, Betti curves, landscapes, persistence images (typed wrappers). */
import { InputError } from '../errors.js';
import type { DiagramFile } from '../io/diagram_file.js';
import { addon, callNative, type Hooks } from '../native.js';

export interface ImageSpec {
  birthRange: [number, number];
  persRange: [number, number];
  pixelSize: number;
  /** Standard deviation of the Gaussian kernel (persim's covariance entry is sigma²). */
  sigma: number;
  /** Weight = persistence^weightPower (1: linear, persim's default). */
  weightPower?: number;
}

export interface SummaryOptions extends Hooks {
  /** Cut essential bars at this value; by default they are left out of every summary. */
  cut?: number;
  /** Power p of the total persistence (default 1). */
  p?: number;
  /** Sample the curves here; default `gridSize` (100) values from the smallest birth to the largest death. */
  grid?: Float64Array | number[];
  gridSize?: number;
  /** Landscape levels (default 3). */
  levels?: number;
  image?: ImageSpec;
  /** Default image: about imagePixels² pixels (default 20). */
  imagePixels?: number;
}

export interface DiagramStatistics {
  count: number;
  essential: number;
  meanLifetime: number;
  medianLifetime: number;
  maxLifetime: number;
  totalPersistence: number;
  p: number;
  meanBirth: number;
  meanDeath: number;
  /** Persistent entropy in bits (giotto-tda's definition). */
  entropy: number;
}

export interface DiagramSummary {
  dim: number;
  essential: 'excluded' | { cutAt: number };
  statistics: DiagramStatistics;
  grid: Float64Array;
  betti: Float64Array;
  /** levels × grid.length, row-major. */
  landscapes: Float64Array;
  levels: number;
  image: Required<ImageSpec> & { shape: [number, number]; values: Float64Array };
}

export async function summarize(diagram: DiagramFile, options: SummaryOptions = {}): Promise<DiagramSummary> {
  if (diagram.pairs.length % 2 !== 0) throw new InputError('a diagram needs (birth, death) pairs: odd number of values');
  const out = await callNative(options, () =>
    addon().summarize(diagram.pairs, diagram.dim ?? 0, {
      cut: options.cut,
      p: options.p,
      grid: options.grid ? Float64Array.from(options.grid) : undefined,
      gridSize: options.gridSize,
      levels: options.levels,
      image: options.image,
      imagePixels: options.imagePixels,
    }),
  );
  const img = out.image;
  return {
    dim: diagram.dim ?? 0,
    essential: options.cut === undefined ? 'excluded' : { cutAt: options.cut },
    statistics: out.statistics,
    grid: out.grid,
    betti: out.betti,
    landscapes: out.landscapes,
    levels: out.levels,
    image: {
      birthRange: [img.birthRange[0], img.birthRange[1]],
      persRange: [img.persRange[0], img.persRange[1]],
      pixelSize: img.pixelSize,
      sigma: img.sigma,
      weightPower: img.weightPower ?? 1,
      shape: [out.imageShape[0], out.imageShape[1]],
      values: out.imageValues,
    },
  };
}

const num = (v: number) => (Number.isFinite(v) ? v : null);

/** JSON for `clip-topo summarize --json` and metrics.json (NaN becomes null). */
export function summaryToJson(s: DiagramSummary, withCurves = true): Record<string, unknown> {
  const st = s.statistics;
  const stats = {
    count: st.count,
    essential: st.essential,
    mean_lifetime: num(st.meanLifetime),
    median_lifetime: num(st.medianLifetime),
    max_lifetime: num(st.maxLifetime),
    total_persistence: num(st.totalPersistence),
    p: st.p,
    mean_birth: num(st.meanBirth),
    mean_death: num(st.meanDeath),
    entropy_bits: num(st.entropy),
  };
  const base: Record<string, unknown> = {
    dim: s.dim,
    essential: s.essential === 'excluded' ? 'excluded' : { cut_at: s.essential.cutAt },
    statistics: stats,
  };
  if (!withCurves) return base;
  const g = s.grid.length;
  return {
    ...base,
    grid: Array.from(s.grid),
    betti: Array.from(s.betti),
    landscapes: Array.from({ length: s.levels }, (_, k) => Array.from(s.landscapes.subarray(k * g, (k + 1) * g))),
    image: {
      birth_range: s.image.birthRange,
      pers_range: s.image.persRange,
      pixel_size: s.image.pixelSize,
      sigma: s.image.sigma,
      weight_power: s.image.weightPower,
      shape: s.image.shape,
      values: Array.from({ length: s.image.shape[0] }, (_, i) => Array.from(s.image.values.subarray(i * s.image.shape[1], (i + 1) * s.image.shape[1]))),
    },
  };
}
