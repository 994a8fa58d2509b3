/**
 * What `analyze` produces. `AnalysisMetrics` is written as metrics.json (schema `clip-topo/analysis@1`,
 * documented in docs/metrics-schema.md); `ReportInput` adds the bulky figure data (map coordinates,
 * diagram points) that the HTML report draws but metrics.json only references by file.
 */

export const METRICS_SCHEMA = 'clip-topo/analysis@1';

export interface ClassMetrics {
  acc1: number;
  acc5: number;
  mean_per_class_recall: number;
  /** Recall of each class, in `dataset.classes` order. */
  per_class_recall: number[];
  /** C×C counts: row = true class, column = predicted class. */
  confusion: number[][];
}

export interface LevelAccuracy extends ClassMetrics {
  /** Noise level (0 = clean). */
  sigma: number;
  /** Images embedded at this level. */
  images: number;
}

export interface LevelLoss {
  sigma: number;
  /** Mean CLIP symmetric cross-entropy over the batches. */
  loss: number;
  /** Image → text and text → image halves, each averaged over batches. */
  image_to_text: number;
  text_to_image: number;
  batches: number;
  batch_size: number;
}

export interface BarStats {
  /** Finite pairs. */
  finite: number;
  essential: number;
  /** Sum of death − birth over finite pairs. */
  total_persistence: number;
  /** Largest finite death − birth (0 when none). */
  max_persistence: number;
  /** Persistent entropy (natural log) of the finite bars; null when there are none. */
  entropy: number | null;
}

export interface LevelDiagrams {
  sigma: number;
  /** Points in the complex (after farthest-point sampling for the global diagram). */
  points: number;
  /** Hausdorff radius of the sample to all embeddings (0 when every point was kept). */
  sample_radius: number;
  /** Per homology dimension, index = dim. */
  stats: BarStats[];
  /** Diagram file, relative to the output folder (diagrams/<name>.json). */
  file: string;
}

export interface ClassDiagrams {
  class: string;
  levels: LevelDiagrams[];
}

export interface Matching {
  /** [birth, death] in the clean diagram, null = the diagonal. */
  clean: [number, number | null] | null;
  /** [birth, death] in the noisy diagram, null = the diagonal. */
  noisy: [number, number | null] | null;
  cost: number;
}

export interface LevelDistance {
  sigma: number;
  dim: number;
  bottleneck: number;
  /** 1-Wasserstein with L∞ ground metric (persim/hera convention). */
  wasserstein1: number;
  /** Essential bars left out because the counts differ (persim's finite-part variant). */
  finite_only: boolean;
}

export interface GlobalDistance extends LevelDistance {
  /** The bottleneck matching's most expensive pair (the one attaining the distance). */
  largest?: Matching;
}

export interface ClassDistance extends LevelDistance {
  class: string;
}

export interface Correlation {
  sigma: number | 'pooled';
  dim: number;
  distance: 'bottleneck' | 'wasserstein1';
  /** What the distance is correlated with: the per-class drop in zero-shot recall from the clean level. */
  against: 'zeroshot_recall_drop';
  /** Spearman rank correlation (average ranks for ties); null when a side is constant. */
  spearman: number | null;
  n: number;
}

export interface AnglePair {
  a: string;
  b: string;
  /** Smallest principal angle, degrees. */
  min_deg: number;
  /** Mean principal angle over the kept dimensions, degrees. */
  mean_deg: number;
}

export interface AnglesSection {
  sigma: number;
  center: boolean;
  energy: number | null;
  rank: number | 'full';
  ranks: number[];
  /** C×C smallest principal angle, degrees (0 on the diagonal). */
  min_deg: number[][];
  closest: AnglePair[];
  warnings: string[];
}

export interface MapInfo {
  method: 'tsne' | 'umap';
  subset: 'all' | 'sample';
  /** Indices into dataset.classes drawn in this map. */
  classes: number[];
  points: number;
  seed: number;
  params: Record<string, number | string>;
  trustworthiness: number | null;
  /** CSV with x, y, class, image (relative to the output folder). */
  file: string;
  warnings: string[];
}

export interface SkippedImage {
  path: string;
  reason: string;
  /** Which embedding run found it (e.g. "test σ=0"). */
  where: string;
}

export interface AnalysisMetrics {
  schema: typeof METRICS_SCHEMA;
  tool: { name: 'clip-topo'; version: string };
  created: string;
  inputs: Record<string, unknown>;
  model: {
    name: string;
    dir: string;
    layout: string;
    image_sha256: string;
    embed_dim: number;
    logit_scale: number;
    default: boolean;
  };
  dataset: {
    format: string;
    root: string;
    split: string;
    partition: number | null;
    /** Set when the dataset is clip-topo's synthetic set made by the run. */
    synthetic: { seed: number; per_class: number; size: number } | null;
    classes: string[];
    /** Images of the analysed split, per class (after skipping). */
    counts: number[];
    train_images: number;
    skipped: SkippedImage[];
    warnings: string[];
  };
  seeds: { seed: number; noise: number; tsne: number; umap: number; class_sample: number; loss_batches: number };
  conventions: Record<string, string>;
  noise: { space: 'normalized' | 'pixel'; kind: 'gaussian'; levels: number[] };
  accuracy: {
    zeroshot: LevelAccuracy[];
    probe: LevelAccuracy[] | null;
    probe_settings: Record<string, number | string | boolean> | null;
    templates: string[];
  };
  loss: LevelLoss[];
  maps: MapInfo[];
  angles: AnglesSection;
  diagrams: { maxdim: number; metric: string; global: LevelDiagrams[]; per_class: ClassDiagrams[] };
  distances: { global: GlobalDistance[]; per_class: ClassDistance[] };
  correlation: Correlation[];
  /** Diagram summaries of the global diagrams (issue #10): entropy, Betti numbers, per level and dim. */
  summaries: { sigma: number; dim: number; entropy_log2: number | null; bars: number; mean_persistence: number | null }[];
  timings: Record<string, number>;
  /** Steps whose results came from the cache of an earlier run (embeddings count per level). */
  cache: { dir: string | null; reused: string[] };
  warnings: string[];
}

/** A 2-D map as drawn: coordinates plus the label of each point. */
export interface MapFigure {
  info: MapInfo;
  /** n×2 row-major. */
  xy: Float32Array;
  /** Index into dataset.classes per point. */
  labels: Int32Array;
}

export interface DiagramFigure {
  sigma: number;
  /** Per dim: [birth, death] with death = Infinity for essential bars. */
  pairs: [number, number][][];
}

/** Everything the HTML report draws. */
export interface ReportInput {
  metrics: AnalysisMetrics;
  maps: MapFigure[];
  /** Global diagrams, one per level in `metrics.noise.levels` order. */
  diagrams: DiagramFigure[];
}
