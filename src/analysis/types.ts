/**
 * What `analyze` produces. `AnalysisMetrics` is written as metrics.json (schema `clip-topo/analysis@2`,
 * documented in docs/metrics-schema.md); `ReportInput` adds the bulky figure data (map coordinates,
 * diagram points) that the HTML report draws but metrics.json only references by file.
 */

export const METRICS_SCHEMA = 'clip-topo/analysis@2';

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

export interface CloudScaleInfo {
  /** min over points of the largest distance to another point (the Rips threshold). */
  enclosing_radius: number;
  /** Median pairwise Euclidean distance. */
  median_distance: number;
  /** Rows the median was taken over. */
  median_rows: number;
}

export interface CycleImage {
  /** Row in embeddings/<split>_*.npy and files.csv. */
  row: number;
  /** Path relative to the dataset root. */
  path: string;
  class: string;
}

export interface CycleInfo {
  birth: number;
  death: number;
  persistence: number;
  /** Whether the representative was computed (false: `reason` says why). */
  computed: boolean;
  reason?: string;
  /** Edges of the Z/2 cycle, as pairs of rows. */
  edges: [number, number][];
  /** The cycle as closed walks of rows (one walk for a simple loop), in order around the loop. */
  loops: number[][];
  /** The images of the first (longest) walk, in order. */
  images: CycleImage[];
  /** Images per class along the whole cycle, most first. */
  classes: { class: string; images: number }[];
}

export interface GlobalLevelDiagrams extends LevelDiagrams {
  /** true when the complex holds every image of the split (exact); false for a farthest-point sample. */
  exact: boolean;
  /** When sampled: the bottleneck distance to the whole split's diagram is at most this (2 × sample radius). */
  bottleneck_bound: number | null;
  /** Scale of the cloud in the complex. */
  scale: CloudScaleInfo;
  /** Bar statistics after dividing every filtration value by the enclosing radius. */
  normalized_stats: BarStats[];
  /** Mean death of the finite H1 bars (null without any). */
  h1_mean_death: number | null;
  /** Median persistence of the finite H1 bars (null without any). */
  h1_median_persistence: number | null;
  /** Finite H1 bars living ≥ 5× the median H1 bar and ≥ 10 % of the enclosing radius. */
  h1_standing_out: number;
  /** Representative cycles of the most persistent H1 bars (homology representatives, Z/2). */
  cycles: CycleInfo[];
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

/** How close a distance is to the cost of matching every bar of both diagrams to the diagonal. */
export interface Saturation {
  /** Bottleneck of the all-to-diagonal matching: max over both diagrams of (death − birth)/2. */
  bottleneck_all_to_diagonal: number;
  /** W1 of the all-to-diagonal matching: sum over both diagrams of (death − birth)/2. */
  wasserstein1_all_to_diagonal: number;
  /** distance / all-to-diagonal cost (1 = saturated). */
  bottleneck_ratio: number | null;
  wasserstein1_ratio: number | null;
  /** The optimal matching is no better than sending everything to the diagonal (ratio ≥ 0.999). */
  bottleneck_saturated: boolean;
  wasserstein1_saturated: boolean;
}

export interface GlobalDistance extends LevelDistance {
  /** The bottleneck matching's most expensive pair (the one attaining the distance). */
  largest?: Matching;
  saturation: Saturation;
  /** The same distances between the diagrams after dividing each by its cloud's enclosing radius. */
  normalized: { bottleneck: number; wasserstein1: number; saturation: Saturation };
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
  /** C×C smallest principal angle, degrees (0 on the diagonal; null for a class left out). */
  min_deg: (number | null)[][];
  closest: AnglePair[];
  warnings: string[];
  /** The same angles at the degenerate setting where many pairs read 0.0°. */
  degenerate: AnglesDegenerate | null;
}

export interface AnglesDegenerate {
  setting: string;
  pairs: number;
  /** Pairs whose smallest angle is below 0.05° (shown as 0.0). */
  zero_pairs: number;
  /** Pairs whose ranks add up to more than d: their subspaces meet by dimension count. */
  zero_by_dimension_count: number;
  median_min_deg: number;
  ranks: number[];
  /** Pairs with as many images each, the only ones an images × dimensions input lets scipy compare. */
  transposed_pairs: number;
  /** Of those, pairs whose angles are all 0 when each class is passed as images × dimensions (columns span R^n). */
  transposed_zero_pairs: number;
  /** The same counts at the run's own setting. */
  run_zero_pairs: number;
  run_median_min_deg: number;
}

export interface PairedLevel {
  sigma: number;
  /** Mean over images of the Jaccard index of its clean and noisy k-NN sets. */
  knn_jaccard_mean: number;
  knn_jaccard_median: number;
  /** Mean Jaccard per class, in dataset.classes order (null for a class with no images). */
  knn_jaccard_per_class: (number | null)[];
  /** H1 Representation Topology Divergence clean vs noisy (mean over batches, both directions averaged). */
  rtd: number;
  rtd_sd: number;
}

export interface PairedSection {
  knn_k: number;
  /** Jaccard two random k-sets would have: the no-information line. */
  knn_chance: number;
  rtd_batches: number;
  rtd_batch_size: number;
  levels: PairedLevel[];
}

export interface Finding {
  /** Stable id of the study question. */
  id: string;
  question: string;
  /** One sentence with the numbers that support it. */
  answer: string;
  /** The numbers the sentence quotes, by name. */
  numbers: Record<string, number | string | boolean | null>;
}

export interface MapInfo {
  method: 'tsne' | 'umap';
  /** 'joint': one map of the clean and every noisy embedding together (point k·n + i = row i at level k). */
  subset: 'all' | 'sample' | 'joint';
  /** Indices into dataset.classes drawn in this map. */
  classes: number[];
  points: number;
  seed: number;
  params: Record<string, number | string>;
  trustworthiness: number | null;
  /** CSV with x, y, class, label, row (relative to the output folder). */
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
    /** Embeddings made elsewhere (analyze --embeddings): where they came from, how levels paired, the sample. */
    embeddings?: {
      source: string;
      layout: string;
      levels: { sigma: number; source: string }[];
      train: string | null;
      prompts: string | null;
      /** Set when the set was larger than the budget and a uniform sample of its rows was analysed. */
      sample: { rows: number; of: number; seed: number; accuracy_halfwidth95: number; why: string } | null;
    };
  };
  seeds: { seed: number; noise: number; tsne: number; umap: number; class_sample: number; loss_batches: number };
  conventions: Record<string, string>;
  noise: {
    /** 'given': embeddings made elsewhere, each level as the user named it (clip-topo added no noise). */
    space: 'normalized' | 'pixel' | 'given';
    kind: 'gaussian';
    levels: number[];
    /** Each level as σ in [0,1] pixel units (per channel R, G, B): σ_pixel = σ_normalized × std. */
    pixel_sigma: number[][];
    /** The ImageNet-C Gaussian-noise severity (1–5, σ 0.08–0.38 in pixels) each level is nearest to; '>5' beyond. */
    imagenet_c: string[];
  };
  accuracy: {
    /** null when the run had no class prompts (analyze --embeddings without prompt embeddings or a text model). */
    zeroshot: LevelAccuracy[] | null;
    probe: LevelAccuracy[] | null;
    probe_settings: Record<string, number | string | boolean> | null;
    templates: string[];
  };
  loss: LevelLoss[];
  maps: MapInfo[];
  angles: AnglesSection;
  diagrams: {
    maxdim: number;
    metric: string;
    /** How the split-wide complex was chosen (plan), in words. */
    global_choice: string;
    global: GlobalLevelDiagrams[];
    per_class: ClassDiagrams[];
  };
  distances: { global: GlobalDistance[]; per_class: ClassDistance[] };
  /** Clean vs noisy comparisons that use the pairing of images (k-NN preservation, RTD). */
  paired: PairedSection;
  /** One answer per question of the study, generated from the numbers above. */
  findings: Finding[];
  /** files.csv: row → image (path relative to the dataset, class, split, sha256). */
  files: string;
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
  /** Row of each point in the clean embeddings (and files.csv). */
  rows: Uint32Array;
}

export interface DiagramFigure {
  sigma: number;
  /** Per dim: [birth, death] with death = Infinity for essential bars. */
  pairs: [number, number][][];
}

/**
 * What the page's explorer needs beyond metrics.json (issue 16): the images behind the points, the
 * predictions, every class's diagrams and the joint map. Rows are those of the clean embeddings
 * (embeddings/<split>_clean.npy, files.csv, MapFigure.rows, CycleImage.row).
 */
export interface ExplorerData {
  /** Per row: the image's path as files.csv gives it (relative to the dataset). */
  paths: string[];
  /** Per row: index into metrics.dataset.classes. */
  labels: Int32Array;
  /** Zero-shot prediction (class index) per row, one array per level in metrics.noise.levels order; null without zero-shot. */
  predicted: Int32Array[] | null;
  /** Per row a small thumbnail as a data: URI (image/webp); null when thumbnails are off (--no-thumbnails) or the run read no images. */
  thumbnails: string[] | null;
  /** [class][level][dim] → the class's diagram at that level ([birth, death], death = Infinity for essential bars). */
  classDiagrams: [number, number][][][][];
  /**
   * UMAP of the clean and every noisy embedding in one map, so that each image's move under noise can be
   * drawn: point k·n + i is row i at level k (levels[p] = k); null when not computed.
   */
  joint: (MapFigure & { levels: Uint8Array }) | null;
}

/** Everything the HTML report draws. */
export interface ReportInput {
  metrics: AnalysisMetrics;
  maps: MapFigure[];
  /** Global diagrams, one per level in `metrics.noise.levels` order. */
  diagrams: DiagramFigure[];
  /** The explorer's data; absent in inputs made before it existed (the page then has no explorer). */
  explorer?: ExplorerData;
}
