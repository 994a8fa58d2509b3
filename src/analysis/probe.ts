/** Step 2b of `analyze`: a linear probe trained on clean train-split embeddings, evaluated at every level. */
import { evaluateProbe, trainProbe } from '../kernels/probe.js';
import type { ProgressFn } from '../native.js';
import { confusion } from './accuracy.js';
import type { LevelEmbeddings, LevelRun } from './embeddings.js';
import type { LevelAccuracy } from './types.js';

export interface ProbeOutcome {
  levels: LevelAccuracy[] | null;
  settings: Record<string, number | string | boolean> | null;
  warning?: string;
}

/** Multinomial logistic regression as scikit-learn's LogisticRegression(C=1, lbfgs) on raw normalised embeddings. */
export async function runProbe(
  train: LevelRun,
  test: LevelEmbeddings[],
  classes: number,
  o: { threads?: number; signal?: AbortSignal; onProgress?: ProgressFn },
): Promise<ProbeOutcome> {
  const n = train.labels.length;
  const dim = train.manifest.dim;
  const present = new Set(train.labels);
  if (present.size < classes) {
    return { levels: null, settings: null, warning: `linear probe skipped: ${classes - present.size} class(es) have no training images` };
  }
  const model = await trainProbe(train.embeddings, n, dim, train.labels, classes, {
    c: 1,
    maxIter: 1000,
    tol: 1e-6,
    threads: o.threads,
    signal: o.signal,
    onProgress: o.onProgress,
  });
  const levels: LevelAccuracy[] = [];
  for (const l of test) {
    const e = await evaluateProbe(model, l.run.embeddings, l.run.labels, { threads: o.threads, signal: o.signal });
    levels.push({
      sigma: l.sigma,
      images: l.run.labels.length,
      acc1: e.acc1,
      acc5: e.acc5,
      mean_per_class_recall: e.mean_per_class_recall,
      ...confusion(e.predictions, l.run.labels, classes),
    });
  }
  return {
    levels,
    settings: {
      model: 'multinomial logistic regression',
      c: model.c,
      tol: model.tol,
      max_iter: model.maxIter,
      iterations: model.iterations,
      converged: model.converged,
      stop: model.stop,
      train_images: n,
      train_log_loss: model.logLoss,
    },
    warning: model.converged ? undefined : `linear probe: L-BFGS stopped (${model.stop}) after ${model.iterations} iterations without converging`,
  };
}
