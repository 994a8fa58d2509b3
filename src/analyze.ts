/**
 * `analyze`: the whole study as one library call, and its table of contents. Each step lives in
 * analysis/; every step after embedding is cached by a hash of its inputs and of the code computing it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { classAngles } from './analysis/angles.js';
import { StepCache } from './analysis/cache.js';
import { classify, lossPerLevel } from './analysis/classification.js';
import { type StudyData, studyData } from './analysis/dataset.js';
import { studyDiagrams } from './analysis/diagrams.js';
import { diagramDistances, globalSummaries, topologyVsAccuracy } from './analysis/distances.js';
import { embedStudy, type StudyEmbeddings } from './analysis/embeddings.js';
import { explorerData } from './analysis/explorer.js';
import { classMaps, jointMap } from './analysis/maps.js';
import { studyMetrics } from './analysis/metrics.js';
import { type AnalyzeOptions, resolveSettings } from './analysis/options.js';
import { findings } from './analysis/findings.js';
import { pairedComparison } from './analysis/paired.js';
import { chooseRipsPoints, estimateEmbeddingsPlan, estimatePlan, type Plan, type RipsChoice } from './analysis/plan.js';
import { type ExternalStudy, externalStudy } from './analysis/external.js';
import type { AnalysisMetrics, DiagramFigure, ReportInput } from './analysis/types.js';
import { sweepOutput, writeData } from './analysis/write.js';
import { CLIP_LOGIT_SCALE, DEFAULT_MODEL_DIR, type ModelCard, readModelCard, resolveModelDir } from './clip/model.js';
import { UsageError } from './errors.js';
import { sweepTemps } from './io/atomic.js';
import { faultPoint } from './io/faults.js';
import { makeOutputFolder } from './io/folder.js';
import { sha256Hex } from './io/hash.js';
import { shownPath } from './io/rawpath.js';
import { retractReport, writeReport } from './report/write.js';
import { OUT_LOCK, withLockFile } from './store/lock.js';

export { ANALYZE_DEFAULTS, type AnalyzeOptions } from './analysis/options.js';

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

/** Seconds per step, in the order run. */
function stopwatch() {
  const t0 = performance.now();
  let last = t0;
  const timings: Record<string, number> = {};
  return {
    timings,
    lap(name: string) {
      const now = performance.now();
      timings[name] = Math.round(now - last) / 1000;
      last = now;
    },
    total() {
      timings.total = Math.round(performance.now() - t0) / 1000;
    },
  };
}

export async function analyze(options: AnalyzeOptions = {}, hooks: AnalyzeHooks = {}): Promise<AnalyzeResult> {
  const s = resolveSettings(options, resolve);
  const { signal } = hooks;
  const say = (line: string) => hooks.onMessage?.(line);
  const report = (step: string) => (done: number, total: number) => hooks.onProgress?.({ step, done, total });
  const progress = (step: string) => (stage: string, done: number, total: number) =>
    hooks.onProgress?.({ step: stage ? `${step}: ${stage}` : step, done, total });
  const clock = stopwatch();
  const warnings: string[] = [];
  const run = { threads: s.threads, signal };

  // An embeddings run loads a model only when one is named: its text tower gives the class prompts.
  const modelDir = s.external && options.model === undefined ? null : resolveModelDir(options.model);
  const card = modelDir ? readModelCard(modelDir, { variant: options.variant }) : null;
  for (const w of card?.warnings ?? []) warnings.push(`model: ${w}`);
  await makeOutputFolder(s.out);
  const tempCache = s.cache ? undefined : mkdtempSync(join(tmpdir(), 'clip-topo-analyze-'));
  const cacheDir = tempCache ?? join(s.out, 'cache');
  try {
    const steps = new StepCache(join(cacheDir, 'steps'), s.cache);
    await sweepTemps(steps.dir);
    let data: StudyData;
    let emb: StudyEmbeddings;
    let plan: Plan;
    let ripsChoice: RipsChoice;
    let external: ExternalStudy | null = null;
    if (s.external) {
      // 1. Embeddings made elsewhere: read (or sampled), paired across levels, prompts from a file or a text tower.
      external = await externalStudy({ ...s.external, seed: s.seed, card, templates: s.templates, ...run });
      ({ data, emb } = external);
      warnings.push(...data.warnings);
      clock.lap('embeddings');
      const n = emb.test[0].run.labels.length;
      ripsChoice = chooseRipsPoints(n, s.maxdim, s.ripsPoints);
      plan = estimateEmbeddingsPlan({
        rows: n,
        dim: emb.dim,
        levels: emb.test.length,
        trainRows: emb.train?.run.labels.length ?? 0,
        rips: ripsChoice,
        maxdim: s.maxdim,
        classes: data.test.classes.length,
      });
      for (const line of [...external.lines, ...plan.lines]) say(line);
      clock.lap('plan');
    } else {
      const imageCard = card as ModelCard;
      data = await studyData({
        dataset: options.dataset,
        split: s.split,
        partition: s.partition,
        cacheDir,
        ...run,
        onProgress: report('synthetic dataset'),
      });
      warnings.push(...data.warnings);
      if (data.test.items.length === 0) throw new UsageError(`analyze: no images in the ${s.split} split of ${data.root}`);
      clock.lap('dataset');

      const trainImages = data.train?.items.length ?? 0;
      ripsChoice = chooseRipsPoints(data.test.items.length, s.maxdim, s.ripsPoints);
      plan = await estimatePlan({
        card: imageCard,
        images: data.test.items.length,
        levels: s.levels.length,
        trainImages,
        rips: ripsChoice,
        maxdim: s.maxdim,
        classes: data.test.classes.length,
        threads: s.threads,
      });
      for (const line of plan.lines) say(line);
      clock.lap('plan');

      // 1. Embeddings of every level, the clean train images, the class prompts.
      emb = await embedStudy(
        {
          card: imageCard,
          space: s.space,
          seed: s.seed,
          cacheDir,
          batchSize: s.batchSize,
          ...run,
          onProgress: (step: string, d: number, t: number) => report(step)(d, t),
          onWait: say,
          test: data.test,
          train: data.train,
          split: s.split,
          levels: s.levels,
          root: data.root,
          templates: s.templates,
          onSkipped: (f) => say(`skipped ${shownPath(f.path)}: ${f.reason}`),
        },
        steps,
      );
      clock.lap('embeddings');
    }
    const classes = data.test.classes;
    const { test, dim, prompts } = emb;
    const clean = test[0].run;
    const cleanKey = sha256Hex(clean.embeddings, clean.labels);
    const logitScale = card?.logitScale ?? CLIP_LOGIT_SCALE;

    // 2–3. Zero-shot and linear-probe accuracy, CLIP's loss.
    const classification = await classify(
      { test, train: emb.train, prompts, dim, classes: classes.length, logitScale, ...run, onProgress: progress('linear probe') },
      steps,
    );
    if (classification.probe?.warning) warnings.push(classification.probe.warning);
    clock.lap('accuracy');
    // Without class prompts there is no loss (the run's warnings already say why).
    const loss = prompts ? lossPerLevel(test, prompts, dim, classes.length, logitScale, s.seed) : { loss: [], warning: undefined };
    if (loss.warning) warnings.push(loss.warning);
    clock.lap('loss');

    // 4–5. Maps of the clean embeddings; principal angles between class subspaces.
    const maps = await classMaps(
      {
        x: clean.embeddings,
        labels: clean.labels,
        dim,
        classes: classes.length,
        key: cleanKey,
        sampleClasses: s.sampleClasses,
        seed: s.seed,
        ...run,
        progress,
      },
      steps,
    );
    warnings.push(...maps.warnings);
    // The joint map of every level: the explorer draws each image's move under noise on it.
    const joint = await jointMap(
      {
        levels: test.map((l) => l.run.embeddings),
        labels: clean.labels,
        dim,
        classes: classes.length,
        key: sha256Hex(...test.map((l) => l.run.embeddings), clean.labels),
        seed: s.seed,
        ...run,
        progress,
      },
      steps,
    );
    warnings.push(...joint.warnings);
    clock.lap('maps');
    const angles = await classAngles(
      { x: clean.embeddings, labels: clean.labels, dim, classes, key: cleanKey, settings: s.angles, ...run, onProgress: progress('angles') },
      steps,
    );
    clock.lap('angles');

    // 6–8. Rips diagrams per level, distances clean vs noisy, topology against accuracy.
    const diagrams = await studyDiagrams(
      {
        test,
        dim,
        classes,
        split: s.split,
        root: data.root,
        maxdim: s.maxdim,
        ripsPoints: ripsChoice.points,
        ...run,
        progress,
        onClass: report('Rips per class'),
      },
      steps,
    );
    clock.lap('rips');
    const sigmas = s.levels;
    const distances = await diagramDistances(
      { diagrams, sigmas, classes, maxdim: s.maxdim, labelsKey: sha256Hex(clean.labels), signal, onProgress: report('diagram distances') },
      steps,
    );
    clock.lap('distances');
    const paired = await pairedComparison(
      { test, dim, classes: classes.length, seed: s.seed, ...run, onProgress: report('paired comparison (k-NN, RTD)') },
      steps,
    );
    clock.lap('paired');
    const explorer = await explorerData(
      {
        test,
        root: data.root,
        predictions: classification.predictions,
        diagrams,
        joint: joint.map,
        thumbnails: s.thumbnails && !s.external,
        signal,
        onProgress: report('thumbnails'),
      },
      steps,
    );
    clock.lap('thumbnails');
    const correlation = classification.zeroshot ? topologyVsAccuracy(distances.per_class, classification.zeroshot, classes, s.maxdim) : [];
    const summaries = await globalSummaries(diagrams, sigmas, s.maxdim, signal);
    clock.lap('correlation');

    const cache = {
      dir: tempCache ? null : cacheDir,
      reused: [...test, ...(emb.train ? [emb.train] : [])]
        .filter((l) => l.run.reusedBatches > 0)
        .map((l) => `embeddings ${l.where}`)
        .concat(steps.reused),
    };
    const metrics = studyMetrics({
      options,
      settings: s,
      version: pkg.version,
      card,
      external,
      usingDefaultModel: modelDir === DEFAULT_MODEL_DIR,
      data,
      emb,
      classification,
      loss: loss.loss,
      maps: [...maps.maps.map((m) => m.info), ...(joint.map ? [joint.map.info] : [])],
      angles,
      diagrams,
      distances,
      paired,
      ripsChoice: ripsChoice.reason,
      correlation,
      summaries,
      timings: clock.timings,
      cache,
      warnings,
    });
    metrics.findings = findings(metrics);
    const figures: DiagramFigure[] = test.map((l, k) => ({ sigma: l.sigma, pairs: diagrams.global[k].pairs }));
    const input: ReportInput = { metrics, maps: maps.maps, diagrams: figures, explorer };

    // One run writes the folder at a time (another analyze, embed or zeroshot into it waits). The page of
    // the run the folder held goes first and comes back last: while files of two runs lie side by side
    // there is no report.html, so a folder with one is complete and of one run (README, cache guarantees).
    const files = await withLockFile(
      join(s.out, OUT_LOCK),
      async () => {
        await retractReport(s.out);
        await sweepOutput(s.out);
        const written = await writeData(s.out, metrics, {
          test,
          train: emb.train,
          classes,
          prompts,
          dim,
          split: s.split,
          root: data.root,
          diagrams,
          maps: joint.map ? [...maps.maps, joint.map] : maps.maps,
        });
        clock.lap('write');
        clock.total();
        // Between the data files and the page: a crash here leaves a folder with no report.html.
        faultPoint('step', s.out);
        written.push(...(await writeReport(s.out, input)).files);
        return written;
      },
      { signal, what: `the output folder ${s.out}`, onWait: (_pid, w) => say(w.message) },
    );
    return { out: s.out, metrics, report: input, plan, files };
  } finally {
    if (tempCache) rmSync(tempCache, { recursive: true, force: true });
  }
}
