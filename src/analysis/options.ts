/**
 * What `analyze` can be asked, its defaults in one place (the CLI's help reads them from here), and the
 * one check of every value, in the library's own names: the CLI only checks the syntax of its flags.
 */
import { DTD_TEMPLATES } from '../clip/zeroshot.js';
import { UsageError } from '../errors.js';
import type { NoiseSpace } from '../noise/gaussian.js';

export interface AnalyzeOptions {
  /** DTD folder or image folder; default: clip-topo's synthetic texture set (seed 0), made into the cache. */
  dataset?: string;
  /** Model directory; default: $CLIP_TOPO_MODEL, else the packaged default model. */
  model?: string;
  /** Output folder. */
  out?: string;
  /** Noise levels σ besides the clean one. */
  noise?: number[];
  /** σ in CLIP's normalised input space, or in [0,1] pixels with clipping. */
  noiseSpace?: NoiseSpace;
  /** Split analysed (the linear probe trains on `train`). */
  split?: string;
  /** DTD partition 1–10. */
  partition?: number;
  /** Classes in the sampled maps. */
  sampleClasses?: number;
  /** Farthest-point sample size for the split-wide Rips diagrams. */
  ripsPoints?: number;
  /** Highest homology dimension, 0–2. */
  maxdim?: number;
  /** Seed of every random step. */
  seed?: number;
  /** Worker threads (default: all cores). */
  threads?: number;
  /** false: recompute every step (the cache is neither read nor kept). */
  cache?: boolean;
  /** Images per inference batch. */
  batchSize?: number;
  /** Prompt templates, each with "{}" where the class name goes (default: the 8 CLIP DTD templates). */
  templates?: string[];
}

export const ANALYZE_DEFAULTS = {
  out: 'clip-topo-report',
  noise: [0.5, 1, 2],
  noiseSpace: 'normalized',
  split: 'test',
  partition: 1,
  sampleClasses: 15,
  ripsPoints: 300,
  maxdim: 1,
  seed: 0,
  cache: true,
  batchSize: 32,
  templates: DTD_TEMPLATES,
} as const satisfies AnalyzeOptions;

/** The options with every default filled in and every value checked. */
export interface Settings {
  out: string;
  /** 0 (clean) first, then the noise levels ascending, without repeats. */
  levels: number[];
  space: NoiseSpace;
  split: string;
  partition: number;
  sampleClasses: number;
  ripsPoints: number;
  maxdim: number;
  seed: number;
  threads?: number;
  cache: boolean;
  batchSize: number;
  templates: string[];
}

/** Integer ranges, by option name. */
const RANGES = {
  partition: [1, 10],
  sampleClasses: [2, 10_000],
  ripsPoints: [3, 100_000],
  maxdim: [0, 2],
  seed: [0, 2 ** 32 - 1],
  batchSize: [1, 4096],
  threads: [1, 1024],
} as const;

function int(name: keyof typeof RANGES, v: number | undefined, fallback: number): number {
  const [min, max] = RANGES[name];
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < min || x > max) throw new UsageError(`analyze: ${name} must be an integer ${min}–${max}, got ${x}`);
  return x;
}

export function resolveSettings(o: AnalyzeOptions, resolvePath: (p: string) => string): Settings {
  const d = ANALYZE_DEFAULTS;
  const noise = o.noise ?? d.noise;
  for (const s of noise) if (!(Number.isFinite(s) && s > 0)) throw new UsageError(`analyze: noise level ${s} is not a positive number`);
  const space = o.noiseSpace ?? d.noiseSpace;
  if (space !== 'normalized' && space !== 'pixel') throw new UsageError(`analyze: noiseSpace must be 'normalized' or 'pixel', got '${space}'`);
  const templates = o.templates ?? [...d.templates];
  if (templates.length === 0 || templates.some((t) => !t.includes('{}')))
    throw new UsageError('analyze: every prompt template needs a "{}" where the class name goes');
  return {
    out: resolvePath(o.out ?? d.out),
    levels: [0, ...[...new Set(noise)].sort((a, b) => a - b)],
    space,
    split: o.split ?? d.split,
    partition: int('partition', o.partition, d.partition),
    sampleClasses: int('sampleClasses', o.sampleClasses, d.sampleClasses),
    ripsPoints: int('ripsPoints', o.ripsPoints, d.ripsPoints),
    maxdim: int('maxdim', o.maxdim, d.maxdim),
    seed: int('seed', o.seed, d.seed),
    threads: o.threads === undefined ? undefined : int('threads', o.threads, 1),
    cache: o.cache ?? d.cache,
    batchSize: int('batchSize', o.batchSize, d.batchSize),
    templates,
  };
}
