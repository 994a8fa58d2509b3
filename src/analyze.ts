/**
 * `analyze`: the whole study as one library call. Embeds the split clean and at every noise level,
 * classifies zero-shot and with a linear probe, measures CLIP's loss, draws t-SNE/UMAP maps, principal
 * angles, Rips diagrams per level (global sample and per class), clean-vs-noisy diagram distances and their
 * correlation with the accuracy drop. Every step after embedding is cached by a hash of its inputs.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { clipLoss, zeroShotMetrics } from './analysis/accuracy.js';
import { keyOf, StepCache } from './analysis/cache.js';
import { studyData } from './analysis/dataset.js';
import { embedLevels, levelTag } from './analysis/embeddings.js';
import { estimatePlan, type Plan } from './analysis/plan.js';
import { runProbe } from './analysis/probe.js';
import { classMaps } from './analysis/maps.js';
import { subSeed } from './analysis/random.js';
import { barStats, compare, correlations, gather, hausdorffRadius, largestMatching, levelDistance, ripsOf } from './analysis/topology.js';
import {
  METRICS_SCHEMA,
  type AnalysisMetrics,
  type ClassDiagrams,
  type ClassDistance,
  type DiagramFigure,
  type GlobalDistance,
  type LevelAccuracy,
  type LevelDiagrams,
  type LevelLoss,
  type ReportInput,
} from './analysis/types.js';
import { writeOutputs } from './analysis/write.js';
import { checkedSha256, DEFAULT_MODEL_DIR, readModelCard, resolveModelDir, type ModelCard } from './clip/model.js';
import { classifierWeights } from './clip/pipeline.js';
import { DTD_TEMPLATES, zeroShot } from './clip/zeroshot.js';
import { UsageError } from './errors.js';
import { classSubspaceAngles } from './kernels/angles.js';
import { summarize } from './kernels/summaries.js';
import type { NoiseSpace } from './noise/gaussian.js';

export interface AnalyzeOptions {
  /** DTD folder or image folder; default: clip-topo's synthetic texture set (seed 0), made into the cache. */
  dataset?: string;
  /** Model directory; default: $CLIP_TOPO_MODEL, else the packaged default model. */
  model?: string;
  /** Output folder (default `clip-topo-report`). */
  out?: string;
  /** Noise levels besides the clean one (default 0.5, 1, 2). */
  noise?: number[];
  noiseSpace?: NoiseSpace;
  split?: string;
  partition?: number;
  /** Classes in the sampled maps (default 15). */
  sampleClasses?: number;
  /** Farthest-point sample size for the global Rips diagrams (default 300). */
  ripsPoints?: number;
  maxdim?: number;
  seed?: number;
  threads?: number;
  /** false: recompute every step (default true). */
  cache?: boolean;
  batchSize?: number;
  templates?: string[];
}

export interface AnalyzeProgress {
  step: string;
  done: number;
  total: number;
}

export interface AnalyzeHooks {
  signal?: AbortSignal;
  onProgress?: (p: AnalyzeProgress) => void;
  /** Lines for a person: the plan, warnings, skipped files, where the report went. */
  onMessage?: (line: string) => void;
}

export interface AnalyzeResult {
  out: string;
  metrics: AnalysisMetrics;
  report: ReportInput;
  plan: Plan;
  files: string[];
}

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

interface Settings {
  out: string;
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

function settings(o: AnalyzeOptions): Settings {
  const noise = o.noise ?? [0.5, 1, 2];
  for (const s of noise) if (!(Number.isFinite(s) && s > 0)) throw new UsageError(`analyze: noise level ${s} is not a positive number`);
  const levels = [0, ...[...new Set(noise)].sort((a, b) => a - b)];
  const int = (v: number | undefined, dflt: number, min: number, max: number, what: string) => {
    const x = v ?? dflt;
    if (!Number.isInteger(x) || x < min || x > max) throw new UsageError(`analyze: ${what} must be an integer ${min}–${max}, got ${x}`);
    return x;
  };
  const templates = o.templates ?? DTD_TEMPLATES;
  if (templates.length === 0 || templates.some((t) => !t.includes('{}')))
    throw new UsageError('analyze: every prompt template needs a "{}" where the class name goes');
  return {
    out: resolve(o.out ?? 'clip-topo-report'),
    levels,
    space: o.noiseSpace ?? 'normalized',
    split: o.split ?? 'test',
    partition: int(o.partition, 1, 1, 10, '--partition'),
    sampleClasses: int(o.sampleClasses, 15, 2, 10_000, '--sample-classes'),
    ripsPoints: int(o.ripsPoints, 300, 3, 100_000, '--rips-points'),
    maxdim: int(o.maxdim, 1, 0, 2, '--maxdim'),
    seed: int(o.seed, 0, 0, 2 ** 32 - 1, '--seed'),
    threads: o.threads,
    cache: o.cache ?? true,
    batchSize: int(o.batchSize, 32, 1, 4096, '--batch-size'),
    templates,
  };
}

function digest(...arrays: ArrayBufferView[]): string {
  const h = createHash('sha256');
  for (const a of arrays) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex');
}

const DEG = 180 / Math.PI;
const sigmaLabel = (s: number) => (s === 0 ? 'clean' : `σ=${s}`);

export async function analyze(options: AnalyzeOptions = {}, hooks: AnalyzeHooks = {}): Promise<AnalyzeResult> {
  const s = settings(options);
  const say = (line: string) => hooks.onMessage?.(line);
  const progress = (step: string) => (stage: string, done: number, total: number) =>
    hooks.onProgress?.({ step: stage ? `${step}: ${stage}` : step, done, total });
  const signal = hooks.signal;
  const timings: Record<string, number> = {};

  const warnings: string[] = [];
  const t0 = performance.now();
  let tStep = t0;
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - tStep) / 1000;
    tStep = now;
  };

  const modelDir = resolveModelDir(options.model);
  const usingDefault = modelDir === DEFAULT_MODEL_DIR;
  const card: ModelCard = readModelCard(modelDir);
  for (const w of card.warnings) warnings.push(`model: ${w}`);
  await mkdir(s.out, { recursive: true });
  const tempCache = s.cache ? undefined : mkdtempSync(join(tmpdir(), 'clip-topo-analyze-'));
  const cacheDir = tempCache ?? join(s.out, 'cache');
  try {
    const steps = new StepCache(join(cacheDir, 'steps'), s.cache);
    const data = await studyData({
      dataset: options.dataset,
      split: s.split,
      partition: s.partition,
      cacheDir,
      threads: s.threads,
      signal,
      onProgress: (d, t) => progress('synthetic dataset')('', d, t),
    });
    warnings.push(...data.warnings);
    const classes = data.test.classes;
    const C = classes.length;
    if (data.test.items.length === 0) throw new UsageError(`analyze: no images in the ${s.split} split of ${data.root}`);
    lap('dataset');

    const plan = await estimatePlan({
      card,
      images: data.test.items.length,
      levels: s.levels.length,
      trainImages: data.train?.items.length ?? 0,
      ripsPoints: s.ripsPoints,
      maxdim: s.maxdim,
      classes: C,
      threads: s.threads,
    });
    for (const line of plan.lines) say(line);
    lap('plan');

    // 1. Embeddings.
    const embedProgress = (label: string, done: number, total: number) => hooks.onProgress?.({ step: label, done, total });
    const common = { card, space: s.space, seed: s.seed, cacheDir, threads: s.threads, batchSize: s.batchSize, signal, onProgress: embedProgress, onWait: say };
    const test = await embedLevels({ ...common, dataset: data.test, name: s.split, levels: s.levels });
    const train = data.train ? (await embedLevels({ ...common, dataset: data.train, name: 'train', levels: [0] }))[0] : null;
    const skipped = [...test, ...(train ? [train] : [])].flatMap((l) => l.run.manifest.skipped.map((f) => ({ ...f, where: l.where })));
    // The same file is skipped at every level; list it once, under the first run that met it.
    const uniqueSkipped = skipped.filter((f, i) => skipped.findIndex((g) => g.path === f.path) === i);
    for (const f of uniqueSkipped) say(`skipped ${f.path}: ${f.reason}`);
    const dim = test[0].run.manifest.dim;
    if (dim === 0 || test[0].run.manifest.count === 0)
      throw new UsageError(`analyze: none of the ${data.test.items.length} images in ${data.root} could be read (see the skipped files above)`);
    const prompts = await steps.run('prompts', { text: await checkedSha256(card.textPath, card.textSha256), classes, templates: s.templates }, async () =>
      classifierWeights(card, classes, s.templates, s.threads),
    );
    if (prompts.value.dim !== dim)
      throw new UsageError(`analyze: the text graph gives ${prompts.value.dim}-d embeddings, the image graph ${dim}-d: the two graphs do not belong together`);
    const W = prompts.value.weights;
    lap('embeddings');

    // 2. Accuracy.
    const zeroshot: LevelAccuracy[] = test.map((l) => {
      const r = zeroShot(l.run.embeddings, l.run.labels, W, dim, card.logitScale);
      return { sigma: l.sigma, images: l.run.labels.length, ...zeroShotMetrics(r, l.run.labels, C) };
    });
    const probe = train
      ? await steps.run(
          'probe',
          { train: digest(train.run.embeddings, train.run.labels), tests: test.map((l) => digest(l.run.embeddings, l.run.labels)), C },
          () => runProbe(train.run, test, C, { threads: s.threads, signal, onProgress: progress('linear probe') }),
        )
      : null;
    if (probe?.value.warning) warnings.push(probe.value.warning);
    lap('accuracy');

    // 3. Loss.
    const loss: LevelLoss[] = [];
    if (C >= 2) {
      for (const l of test) loss.push({ sigma: l.sigma, ...clipLoss(l.run.embeddings, l.run.labels, W, dim, card.logitScale, subSeed(s.seed, 'loss')) });
    } else warnings.push('CLIP loss skipped: it needs at least two classes');
    lap('loss');

    // 4. Maps of the clean embeddings.
    const clean = test[0].run;
    const cleanKey = digest(clean.embeddings, clean.labels);
    const { maps, warnings: mapWarnings } = await classMaps(
      {
        x: clean.embeddings,
        labels: clean.labels,
        dim,
        classes: C,
        key: cleanKey,
        sampleClasses: s.sampleClasses,
        seed: s.seed,
        threads: s.threads,
        signal,
        progress,
      },
      steps,
    );
    warnings.push(...mapWarnings);
    lap('maps');

    // 5. Principal angles between class subspaces (clean embeddings, 90 % of each class's energy).
    const anglesRun = await steps.run('angles', { cleanKey, energy: 0.9 }, async () => {
      const r = await classSubspaceAngles({ data: clean.embeddings, rows: clean.labels.length, cols: dim }, Uint32Array.from(clean.labels), classes, {
        energy: 0.9,
        threads: s.threads,
        signal,
        onProgress: progress('angles'),
      });
      return {
        ranks: r.ranks,
        min: r.min,
        spectra: r.spectra.map((p) => ({ a: p.a, b: p.b, mean: p.angles.reduce((x, y) => x + y, 0) / Math.max(1, p.angles.length) })),
        warnings: r.warnings,
      };
    });
    const A = anglesRun.value;
    const minDeg = Array.from({ length: C }, (_, i) => Array.from(A.min.subarray(i * C, (i + 1) * C), (v) => v * DEG));
    const closest = A.spectra
      .map((p) => ({ a: classes[p.a], b: classes[p.b], min_deg: minDeg[p.a][p.b], mean_deg: p.mean * DEG }))
      .sort((x, y) => x.min_deg - y.min_deg || x.mean_deg - y.mean_deg)
      .slice(0, 10);
    lap('angles');

    // 6. Rips diagrams per level: a farthest-point sample of the clean split (the same images at every level) and every class.
    const ripsKey = { maxdim: s.maxdim, points: s.ripsPoints, levels: test.map((l) => digest(l.run.embeddings)) };
    const global = await steps.run('rips-global', ripsKey, async () => {
      const first = await ripsOf(
        clean.embeddings,
        dim,
        { maxdim: s.maxdim, threads: s.threads, signal, onProgress: progress(`Rips ${s.split} clean`) },
        Math.min(s.ripsPoints, clean.labels.length),
      );
      const indices = first.sample ? first.sample.indices : Uint32Array.from(clean.labels.keys());
      const out = [{ pairs: first.diagrams.map((d) => d.pairs), radius: first.sample?.hausdorffRadius ?? 0, threshold: first.threshold }];
      for (const l of test.slice(1)) {
        const x = gather(l.run.embeddings, dim, indices);
        const r = await ripsOf(x, dim, { maxdim: s.maxdim, threads: s.threads, signal, onProgress: progress(`Rips ${s.split} ${sigmaLabel(l.sigma)}`) });
        out.push({
          pairs: r.diagrams.map((d) => d.pairs),
          radius: indices.length < l.run.labels.length ? hausdorffRadius(l.run.embeddings, dim, indices) : 0,
          threshold: r.threshold,
        });
      }
      return { indices, levels: out };
    });
    const perClass = await steps.run('rips-classes', { ...ripsKey, labels: digest(clean.labels) }, async () => {
      const out: [number, number][][][][] = [];
      for (let c = 0; c < C; c++) {
        const levels: [number, number][][][] = [];
        for (const l of test) {
          const rows = Array.from(l.run.labels.keys()).filter((i) => l.run.labels[i] === c);
          if (rows.length < 2) {
            levels.push(Array.from({ length: s.maxdim + 1 }, () => []));
            continue;
          }
          const r = await ripsOf(gather(l.run.embeddings, dim, rows), dim, { maxdim: s.maxdim, threads: s.threads, signal });
          levels.push(r.diagrams.map((d) => d.pairs));
        }
        out.push(levels);
        hooks.onProgress?.({ step: 'Rips per class', done: c + 1, total: C });
      }
      return out;
    });
    const globalDiagrams: LevelDiagrams[] = test.map((l, k) => ({
      sigma: l.sigma,
      points: global.value.indices.length,
      sample_radius: global.value.levels[k].radius,
      stats: global.value.levels[k].pairs.map(barStats),
      file: `diagrams/${s.split}_${levelTag(l.sigma)}.json`,
    }));
    const classDiagrams: ClassDiagrams[] = classes.map((name, c) => ({
      class: name,
      levels: test.map((l, k) => ({
        sigma: l.sigma,
        points: l.run.labels.filter((y) => y === c).length,
        sample_radius: 0,
        stats: perClass.value[c][k].map(barStats),
        file: `diagrams/classes/${levelTag(l.sigma)}.json`,
      })),
    }));
    lap('rips');

    // 7. Distances clean vs each noisy level.
    const distKey = { rips: keyOf(ripsKey), classes: digest(clean.labels) };
    const dist = await steps.run('distances', distKey, async () => {
      const g: GlobalDistance[] = [];
      const pc: ClassDistance[] = [];
      for (let k = 1; k < test.length; k++) {
        for (let dimH = 0; dimH <= s.maxdim; dimH++) {
          const a = global.value.levels[0].pairs[dimH];
          const b = global.value.levels[k].pairs[dimH];
          const r = await compare(a, b, { signal });
          g.push({ ...levelDistance(test[k].sigma, dimH, r), largest: largestMatching(a, b, r.bottleneck) });
          for (let c = 0; c < C; c++) {
            const rc = await compare(perClass.value[c][0][dimH], perClass.value[c][k][dimH], { signal });
            pc.push({ class: classes[c], ...levelDistance(test[k].sigma, dimH, rc) });
          }
          hooks.onProgress?.({ step: 'diagram distances', done: (k - 1) * (s.maxdim + 1) + dimH + 1, total: (test.length - 1) * (s.maxdim + 1) });
        }
      }
      return { global: g, per_class: pc };
    });
    lap('distances');

    // 8. Topology against accuracy.
    const recall = new Map(zeroshot.map((z) => [z.sigma, z.per_class_recall]));
    const drop = (cls: string, sigma: number) => {
      const c = classes.indexOf(cls);
      return recall.get(0)![c] - recall.get(sigma)![c];
    };
    const correlation = correlations(dist.value.per_class, drop, s.levels.slice(1), s.maxdim);
    const summaries: AnalysisMetrics['summaries'] = [];
    for (let k = 0; k < test.length; k++) {
      for (let dimH = 0; dimH <= s.maxdim; dimH++) {
        const pairs = global.value.levels[k].pairs[dimH];
        const flat = Float64Array.from(pairs.flat());
        const st = (await summarize({ pairs: flat, dim: dimH }, { signal })).statistics;
        summaries.push({
          sigma: test[k].sigma,
          dim: dimH,
          entropy_log2: Number.isFinite(st.entropy) ? st.entropy : null,
          bars: st.count,
          mean_persistence: Number.isFinite(st.meanLifetime) ? st.meanLifetime : null,
        });
      }
    }
    lap('correlation');

    const metrics: AnalysisMetrics = {
      schema: METRICS_SCHEMA,
      tool: { name: 'clip-topo', version: pkg.version },
      created: new Date().toISOString(),
      inputs: {
        dataset: options.dataset ?? null,
        model: options.model ?? null,
        out: s.out,
        noise: s.levels.slice(1),
        noise_space: s.space,
        split: s.split,
        partition: s.partition,
        sample_classes: s.sampleClasses,
        rips_points: s.ripsPoints,
        maxdim: s.maxdim,
        seed: s.seed,
        threads: s.threads ?? null,
        cache: s.cache,
        batch_size: s.batchSize,
      },
      model: {
        name: card.name,
        dir: card.dir,
        layout: card.layout,
        image_sha256: clean.manifest.model.image_sha256 as string,
        embed_dim: dim,
        logit_scale: card.logitScale,
        default: usingDefault,
      },
      dataset: {
        format: data.test.format,
        root: data.root,
        split: s.split,
        partition: data.test.format === 'dtd' ? s.partition : null,
        synthetic: data.synthetic,
        classes,
        counts: classes.map((_, c) => clean.labels.filter((y) => y === c).length),
        train_images: train?.run.labels.length ?? 0,
        skipped: uniqueSkipped,
        warnings: data.test.warnings,
      },
      seeds: {
        seed: s.seed,
        noise: s.seed,
        tsne: subSeed(s.seed, 'tsne-all'),
        umap: subSeed(s.seed, 'umap-all'),
        class_sample: subSeed(s.seed, 'class-sample'),
        loss_batches: subSeed(s.seed, 'loss'),
      },
      conventions: {
        embeddings: 'L2-normalised float32 rows (embeddings/*.npy, numpy-loadable), in dataset order; skipped files have no row',
        noise: `Gaussian, σ in ${s.space === 'normalized' ? "CLIP's normalised input space (after mean/std)" : '[0,1] pixels, clipped (ImageNet-C)'}, seeded per (seed, image path relative to the dataset, σ)`,
        zeroshot: `prompt ensemble of ${s.templates.length} templates, per-template embeddings L2-normalised, averaged, re-normalised; logits = logit_scale · cosine`,
        probe: 'multinomial logistic regression (L2, C = 1, lbfgs) on clean train-split embeddings, evaluated at every level',
        loss: "CLIP's symmetric cross-entropy over batches of one image per class and that class's prompt-ensemble embedding, logits = logit_scale · cosine",
        angles:
          "principal angles between class subspaces of R^d (class-centred embeddings as columns, each class's rank = the fewest directions holding 90 % of its energy); degrees",
        rips: `Vietoris–Rips, Z/2, Euclidean distance between normalised embeddings (= sqrt(2 − 2 cos)), filtration value of an edge = its length (Ripser), threshold = enclosing radius; global diagrams use a farthest-point sample of ${global.value.indices.length} clean embeddings and the same images at every level`,
        distances:
          'bottleneck and 1-Wasserstein (L∞ ground metric, exact up to 1,500 points else within 1 %) between the clean and each noisy diagram; essential bars matched among themselves (|birth − birth|), finite parts only when their counts differ',
        correlation: 'Spearman ρ (average ranks) between per-class diagram distance and per-class drop in zero-shot recall from the clean level',
      },
      noise: { space: s.space, kind: 'gaussian', levels: s.levels },
      accuracy: { zeroshot, probe: probe?.value.levels ?? null, probe_settings: probe?.value.settings ?? null, templates: s.templates },
      loss,
      maps: maps.map((m) => m.info),
      angles: { sigma: 0, center: true, energy: 0.9, rank: 'full', ranks: A.ranks, min_deg: minDeg, closest, warnings: A.warnings },
      diagrams: { maxdim: s.maxdim, metric: 'euclidean', global: globalDiagrams, per_class: classDiagrams },
      distances: dist.value,
      correlation,
      summaries,
      timings,
      cache: {
        dir: tempCache ? null : cacheDir,
        reused: [...test.filter((l) => l.run.reusedBatches > 0).map((l) => `embeddings ${l.where}`), ...steps.reused],
      },
      warnings,
    };
    const diagrams: DiagramFigure[] = test.map((l, k) => ({ sigma: l.sigma, pairs: global.value.levels[k].pairs }));
    const report: ReportInput = { metrics, maps, diagrams };
    const files = await writeOutputs(s.out, report, {
      test,
      train,
      classes,
      prompts: W,
      dim,
      split: s.split,
      sampleIndices: global.value.indices,
      globalThresholds: global.value.levels.map((l) => l.threshold),
      perClass: perClass.value,
      t0,
    });
    return { out: s.out, metrics, report, plan, files };
  } finally {
    if (tempCache) rmSync(tempCache, { recursive: true, force: true });
  }
}
