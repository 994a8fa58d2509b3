/**
 * What `analyze` can be asked, its defaults in one place (the CLI's help reads them from here), and the
 * one check of every value, in the library's own names: the CLI only checks the syntax of its flags.
 */
import { DTD_TEMPLATES } from '../clip/zeroshot.js';
import { SPLITS } from '../data/types.js';
import { UsageError } from '../errors.js';
import type { NoiseSpace } from '../noise/gaussian.js';
import type { ModelVariant } from '../clip/model.js';
import type { ExternalInputs } from './external.js';

export interface AnalyzeOptions {
  /** DTD folder or image folder; default: clip-topo's synthetic texture set (seed 0), made into the cache. */
  dataset?: string;
  /** Model directory; default: $CLIP_TOPO_MODEL, else the packaged default model. */
  model?: string;
  /** Which graphs of a Hugging Face model directory (onnx/vision_model_<variant>.onnx; default fp32). */
  variant?: ModelVariant;
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
  /**
   * Farthest-point sample size for the split-wide Rips diagrams. Default: every image of the split when
   * the exact diagram fits the plan's budget, else the largest sample that does (its bound is reported).
   */
  ripsPoints?: number;
  /** Principal angles: centre each class before taking its span (default true). */
  anglesCenter?: boolean;
  /** Principal angles: keep exactly this many directions per class (instead of an energy fraction). */
  anglesRank?: number;
  /** Principal angles: keep the fewest directions holding this fraction of each class's energy (default 0.9). */
  anglesEnergy?: number;
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
  /**
   * Embeddings made elsewhere instead of images: an .npy (labels beside it), a folder holding one, or a
   * clip-retrieval folder (img_emb/, metadata/). Every step that needs no pixels runs; `dataset`, `noise`
   * and the image settings do not apply.
   */
  embeddings?: string;
  /** The noise levels of an embeddings run: each its own set of the same images. */
  noisyEmbeddings?: { sigma: number; path: string }[];
  /** Clean train-split embeddings for the linear probe of an embeddings run. */
  trainEmbeddings?: string;
  /** C × d class-prompt embeddings for zero-shot in an embeddings run (else the `model`'s text tower, if given). */
  promptEmbeddings?: string;
  /** clip-retrieval metadata column holding the class (default: label/class/…, else image_path's folder). */
  labelColumn?: string;
  /** Rows of an embeddings run analysed at most; above, a seeded uniform sample (default: what fits a quarter of memory). */
  maxRows?: number;
  /** false: the report's explorer shows no image thumbnails (a smaller page); default true. */
  thumbnails?: boolean;
}

export const ANALYZE_DEFAULTS = {
  out: 'clip-topo-report',
  noise: [0.5, 1, 2],
  noiseSpace: 'normalized',
  split: 'test',
  partition: 1,
  sampleClasses: 15,
  anglesCenter: true,
  anglesEnergy: 0.9,
  maxdim: 1,
  seed: 0,
  cache: true,
  batchSize: 32,
  templates: DTD_TEMPLATES,
  thumbnails: true,
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
  /** undefined: chosen by the plan. */
  ripsPoints?: number;
  angles: { center: boolean; rank?: number; energy?: number };
  maxdim: number;
  seed: number;
  threads?: number;
  cache: boolean;
  batchSize: number;
  templates: string[];
  thumbnails: boolean;
  /** Embeddings made elsewhere (null: the study embeds images). */
  external: ExternalInputs | null;
}

/** Integer ranges, by option name. */
const RANGES = {
  partition: [1, 10],
  sampleClasses: [2, 10_000],
  ripsPoints: [3, 100_000],
  anglesRank: [1, 100_000],
  maxdim: [0, 2],
  seed: [0, 2 ** 32 - 1],
  batchSize: [1, 4096],
  threads: [1, 1024],
  maxRows: [3, 2 ** 31 - 1],
} as const;

function int(name: keyof typeof RANGES, v: number | undefined, fallback: number): number {
  const [min, max] = RANGES[name];
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < min || x > max) throw new UsageError(`analyze: ${name} must be an integer ${min}–${max}, got ${x}`);
  return x;
}

function angleSettings(o: AnalyzeOptions): Settings['angles'] {
  const center = o.anglesCenter ?? ANALYZE_DEFAULTS.anglesCenter;
  if (o.anglesRank !== undefined && o.anglesEnergy !== undefined) throw new UsageError('analyze: give an angles rank or an energy fraction, not both');
  if (o.anglesRank !== undefined) return { center, rank: int('anglesRank', o.anglesRank, 1) };
  const energy = o.anglesEnergy ?? ANALYZE_DEFAULTS.anglesEnergy;
  if (!(energy > 0 && energy <= 1)) throw new UsageError(`analyze: anglesEnergy must be a fraction in (0, 1], got ${energy}`);
  return { center, energy };
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
  const external = externalSettings(o, resolvePath);
  const split = external ? 'all' : (o.split ?? d.split);
  // The synthetic set is in DTD layout: check its split now, not after making it (the longest step before any result).
  if (!external && o.dataset === undefined && !(SPLITS as readonly string[]).includes(split))
    throw new UsageError(`analyze: unknown split '${split}' for the synthetic set (DTD layout); use ${SPLITS.join(', ')}`);
  return {
    out: resolvePath(o.out ?? d.out),
    levels: external ? [0, ...external.levels.map((l) => l.sigma)] : [0, ...[...new Set(noise)].sort((a, b) => a - b)],
    space,
    split,
    partition: int('partition', o.partition, d.partition),
    sampleClasses: int('sampleClasses', o.sampleClasses, d.sampleClasses),
    ripsPoints: o.ripsPoints === undefined ? undefined : int('ripsPoints', o.ripsPoints, 3),
    angles: angleSettings(o),
    maxdim: int('maxdim', o.maxdim, d.maxdim),
    seed: int('seed', o.seed, d.seed),
    threads: o.threads === undefined ? undefined : int('threads', o.threads, 1),
    cache: o.cache ?? d.cache,
    batchSize: int('batchSize', o.batchSize, d.batchSize),
    templates,
    thumbnails: o.thumbnails ?? d.thumbnails,
    external,
  };
}

function externalSettings(o: AnalyzeOptions, resolvePath: (p: string) => string): Settings['external'] {
  const given = ['noisyEmbeddings', 'trainEmbeddings', 'promptEmbeddings', 'labelColumn', 'maxRows'] as const;
  if (o.embeddings === undefined) {
    const stray = given.find((k) => o[k] !== undefined);
    if (stray) throw new UsageError(`analyze: ${stray} applies to embeddings made elsewhere; give embeddings too`);
    return null;
  }
  if (o.dataset !== undefined) throw new UsageError('analyze: give a dataset or embeddings, not both');
  if (o.noise !== undefined)
    throw new UsageError('analyze: embeddings made elsewhere carry their own noise levels: give each as a noisy embedding set (σ=path), not noise levels');
  const levels = (o.noisyEmbeddings ?? []).map((l) => ({ sigma: l.sigma, path: resolvePath(l.path) }));
  for (const l of levels)
    if (!(Number.isFinite(l.sigma) && l.sigma > 0)) throw new UsageError(`analyze: noise level ${l.sigma} of ${l.path} is not a positive number`);
  const sigmas = levels.map((l) => l.sigma);
  if (new Set(sigmas).size !== sigmas.length) throw new UsageError(`analyze: two noisy embedding sets have the same σ (${sigmas.join(', ')})`);
  levels.sort((a, b) => a.sigma - b.sigma);
  return {
    embeddings: resolvePath(o.embeddings),
    levels,
    train: o.trainEmbeddings === undefined ? undefined : resolvePath(o.trainEmbeddings),
    promptEmbeddings: o.promptEmbeddings === undefined ? undefined : resolvePath(o.promptEmbeddings),
    labelColumn: o.labelColumn,
    maxRows: o.maxRows === undefined ? undefined : int('maxRows', o.maxRows, 3),
  };
}
