/** Assembles metrics.json (schema `clip-topo/analysis@2`, docs/metrics-schema.md) from the steps' results. */
import { CLIP_LOGIT_SCALE, type ModelCard } from '../clip/model.js';
import type { Classification } from './classification.js';
import type { ExternalStudy } from './external.js';
import type { StudyData } from './dataset.js';
import type { StudyDiagrams } from './diagrams.js';
import type { StudyEmbeddings } from './embeddings.js';
import type { AnalyzeOptions, Settings } from './options.js';
import { subSeed } from './random.js';
import { type AnalysisMetrics, type AnglesSection, type LevelLoss, type MapInfo, METRICS_SCHEMA } from './types.js';

export interface MetricsParts {
  options: AnalyzeOptions;
  settings: Settings;
  version: string;
  /** null: an embeddings run without a model. */
  card: ModelCard | null;
  /** Set for a run on embeddings made elsewhere. */
  external: ExternalStudy | null;
  usingDefaultModel: boolean;
  data: StudyData;
  emb: StudyEmbeddings;
  classification: Classification;
  loss: LevelLoss[];
  maps: MapInfo[];
  angles: AnglesSection;
  diagrams: StudyDiagrams;
  distances: AnalysisMetrics['distances'];
  paired: AnalysisMetrics['paired'];
  /** How the split-wide complex was chosen, in words. */
  ripsChoice: string;
  correlation: AnalysisMetrics['correlation'];
  summaries: AnalysisMetrics['summaries'];
  timings: Record<string, number>;
  cache: AnalysisMetrics['cache'];
  warnings: string[];
}

/** How every number was made, in words: metrics.json carries them beside the numbers. */
function conventions(s: Settings, ripsChoice: string, external: ExternalStudy | null): Record<string, string> {
  const zeroshot = !external
    ? `prompt ensemble of ${s.templates.length} templates, per-template embeddings L2-normalised, averaged, re-normalised; logits = logit_scale · cosine`
    : external.promptsFrom
      ? `class prompts: ${external.promptsFrom}, L2-normalised; logits = logit_scale · cosine`
      : 'not computed: the run had no class prompts';
  return {
    embeddings: external
      ? `made elsewhere (${external.data.root}), L2-normalised here to float32 rows (embeddings/*.npy), in the set's row order${external.sample ? `; a uniform sample of ${external.sample.rows} of ${external.sample.of} rows` : ''}`
      : 'L2-normalised float32 rows (embeddings/*.npy, numpy-loadable), in dataset order; skipped files have no row',
    noise: external
      ? 'made elsewhere: each level is a set of embeddings the user named with its σ; clip-topo added no noise'
      : `Gaussian, σ in ${s.space === 'normalized' ? "CLIP's normalised input space (after mean/std)" : '[0,1] pixels, clipped (ImageNet-C)'}, seeded per (seed, image path relative to the dataset, σ)`,
    zeroshot,
    probe: 'multinomial logistic regression (L2, C = 1, lbfgs) on clean train-split embeddings, evaluated at every level',
    loss: `CLIP's symmetric cross-entropy over batches of one image per class and that class's ${external ? 'prompt' : 'prompt-ensemble'} embedding, logits = logit_scale · cosine`,
    angles:
      "principal angles between class subspaces of R^d (class-centred embeddings as columns, each class's rank = the fewest directions holding 90 % of its energy); degrees",
    rips: `Vietoris–Rips, Z/2, Euclidean distance between normalised embeddings (= sqrt(2 − 2 cos)), filtration value of an edge = its length (Ripser), threshold = enclosing radius; split-wide diagrams of ${ripsChoice}, the same images at every level; "normalised" values are divided by the level's enclosing radius`,
    cycles:
      "homology representatives over Z/2 of the most persistent H1 bars: the reduced boundary of the triangle that kills the bar, a cycle born at the bar's birth and a boundary from its death on",
    paired:
      'k-NN preservation: per image, Jaccard of its k = 10 nearest clean and nearest noisy neighbours (Euclidean); RTD: H1 Representation Topology Divergence (Barannikov et al. 2022), distances of each cloud divided by their 0.9 quantile, both directions averaged, mean over seeded batches',
    distances:
      'bottleneck and 1-Wasserstein (L∞ ground metric, exact up to 1,500 points else within 1 %) between the clean and each noisy diagram; essential bars matched among themselves (|birth − birth|), finite parts only when their counts differ; saturated = within 0.1 % of the cost of matching every bar to the diagonal',
    correlation: 'Spearman ρ (average ranks) between per-class diagram distance and per-class drop in zero-shot recall from the clean level',
  };
}

/** ImageNet-C's Gaussian-noise severities 1–5: σ in [0,1] pixels (Hendrycks & Dietterich 2019). */
export const IMAGENET_C_GAUSSIAN = [0.08, 0.12, 0.18, 0.26, 0.38];

/** The severity a pixel σ is nearest to (on a log scale), '<1' or '>5' beyond 1.25× the ends. */
export function imagenetCSeverity(pixelSigma: number): string {
  if (pixelSigma === 0) return 'clean';
  const c = IMAGENET_C_GAUSSIAN;
  if (pixelSigma < c[0] / 1.25) return '<1';
  if (pixelSigma > c[c.length - 1] * 1.25) return '>5';
  let best = 0;
  for (let k = 1; k < c.length; k++) if (Math.abs(Math.log(pixelSigma / c[k])) < Math.abs(Math.log(pixelSigma / c[best]))) best = k;
  return String(best + 1);
}

function noiseUnits(s: Settings, card: ModelCard | null): AnalysisMetrics['noise'] {
  // Levels of embeddings made elsewhere are names the user gave: no pixel units, no severity.
  if (s.external || !card)
    return { space: 'given', kind: 'gaussian', levels: s.levels, pixel_sigma: s.levels.map(() => []), imagenet_c: s.levels.map(() => 'unknown') };
  const std = card.preprocess.std;
  // Noise in the normalised space is σ·std per channel in pixel units (before clipping, which the pixel space applies).
  const pixel = s.levels.map((l) => (s.space === 'normalized' ? std.map((v) => l * v) : [l, l, l]));
  return {
    space: s.space,
    kind: 'gaussian',
    levels: s.levels,
    pixel_sigma: pixel,
    imagenet_c: pixel.map((p) => imagenetCSeverity(p.reduce((a, b) => a + b, 0) / p.length)),
  };
}

export function studyMetrics(p: MetricsParts): AnalysisMetrics {
  const { settings: s, data, emb, card, external } = p;
  const classes = data.test.classes;
  const clean = emb.test[0].run;
  return {
    schema: METRICS_SCHEMA,
    tool: { name: 'clip-topo', version: p.version },
    created: new Date().toISOString(),
    inputs: {
      dataset: p.options.dataset ?? null,
      model: p.options.model ?? null,
      out: s.out,
      noise: s.levels.slice(1),
      noise_space: s.space,
      split: s.split,
      partition: s.partition,
      sample_classes: s.sampleClasses,
      rips_points: s.ripsPoints ?? null,
      angles: s.angles,
      maxdim: s.maxdim,
      seed: s.seed,
      threads: s.threads ?? null,
      cache: s.cache,
      batch_size: s.batchSize,
      ...(s.external
        ? {
            embeddings: s.external.embeddings,
            noisy_embeddings: s.external.levels,
            train_embeddings: s.external.train ?? null,
            prompt_embeddings: s.external.promptEmbeddings ?? null,
            label_column: s.external.labelColumn ?? null,
            max_rows: s.external.maxRows ?? null,
          }
        : {}),
    },
    model: external
      ? {
          name: card ? `embeddings made elsewhere, prompts by ${card.name}` : 'embeddings made elsewhere',
          dir: card?.dir ?? external.data.root,
          layout: 'embeddings',
          image_sha256: external.key,
          embed_dim: emb.dim,
          logit_scale: card?.logitScale ?? CLIP_LOGIT_SCALE,
          default: false,
        }
      : {
          name: (card as ModelCard).name,
          dir: (card as ModelCard).dir,
          layout: (card as ModelCard).layout,
          image_sha256: clean.manifest.model.image_sha256 as string,
          embed_dim: emb.dim,
          logit_scale: (card as ModelCard).logitScale,
          default: p.usingDefaultModel,
        },
    dataset: {
      format: data.test.format,
      root: data.root,
      split: s.split,
      partition: data.test.format === 'dtd' ? s.partition : null,
      synthetic: data.synthetic,
      classes,
      counts: classes.map((_, c) => clean.labels.filter((y) => y === c).length),
      train_images: emb.train?.run.labels.length ?? 0,
      skipped: emb.skipped,
      warnings: data.test.warnings,
      ...(external && s.external
        ? {
            embeddings: {
              source: external.data.root,
              layout: emb.test[0].run.manifest.model.layout as string,
              levels: s.external.levels.map((l) => ({ sigma: l.sigma, source: l.path })),
              train: s.external.train ?? null,
              prompts: external.promptsFrom,
              sample: external.sample,
            },
          }
        : {}),
    },
    seeds: {
      seed: s.seed,
      noise: s.seed,
      tsne: subSeed(s.seed, 'tsne-all'),
      umap: subSeed(s.seed, 'umap-all'),
      class_sample: subSeed(s.seed, 'class-sample'),
      loss_batches: subSeed(s.seed, 'loss'),
    },
    conventions: conventions(s, p.ripsChoice, external),
    noise: noiseUnits(s, card),
    accuracy: {
      zeroshot: p.classification.zeroshot,
      probe: p.classification.probe?.levels ?? null,
      probe_settings: p.classification.probe?.settings ?? null,
      templates: s.templates,
    },
    loss: p.loss,
    maps: p.maps,
    angles: p.angles,
    diagrams: { maxdim: s.maxdim, metric: 'euclidean', global_choice: p.ripsChoice, global: p.diagrams.globalInfo, per_class: p.diagrams.classInfo },
    distances: p.distances,
    paired: p.paired,
    findings: [],
    files: 'files.csv',
    correlation: p.correlation,
    summaries: p.summaries,
    timings: p.timings,
    cache: p.cache,
    warnings: p.warnings,
  };
}
