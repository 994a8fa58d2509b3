/**
 * Linear probe: multinomial logistic regression on embeddings (typed wrappers of the core).
 * The objective is scikit-learn's LogisticRegression(C, solver='lbfgs'), fit_intercept=True:
 * minimise 0.5·||W||² + C·Σᵢ −log softmax(W xᵢ + b)[yᵢ]; no standardisation of the inputs.
 */
import { InputError } from '../errors.js';
import { addon, callNative, type Hooks } from '../native.js';
import { checkShape } from './matrix.js';

export interface ProbeOptions extends Hooks {
  /** Inverse regularisation strength, > 0 (default 1, as scikit-learn). */
  c?: number;
  /** L-BFGS iterations at most (default 1000). */
  maxIter?: number;
  /** Stop when the largest gradient component of the objective / (C·n) is ≤ tol (default 1e-4, as scikit-learn). */
  tol?: number;
  /** Worker threads (default: all cores). The result does not depend on it. */
  threads?: number;
}

/** Why the solver stopped: the first two count as converged. */
export type ProbeStop = 'gradient' | 'relative_reduction' | 'max_iter' | 'line_search';

export interface ProbeModel {
  classes: number;
  dim: number;
  /** classes×dim row-major. */
  weights: Float64Array;
  /** classes values, summing to 0. */
  bias: Float64Array;
  c: number;
  tol: number;
  maxIter: number;
  iterations: number;
  /** Loss-and-gradient evaluations, line-search trials included. */
  evaluations: number;
  converged: boolean;
  stop: ProbeStop;
  /** 0.5·||W||² + C·Σᵢ −log p(yᵢ|xᵢ) at the solution. */
  objective: number;
  /** Mean training cross-entropy (no penalty). */
  logLoss: number;
  /** Largest gradient component of objective/(C·n) at the solution. */
  gradMax: number;
}

export interface ProbeEvaluation {
  acc1: number;
  /** 1 when there are at most 5 classes. */
  acc5: number;
  /** Recall averaged over the classes present in `labels` (balanced accuracy). */
  mean_per_class_recall: number;
  /** Most probable class per sample. */
  predictions: Int32Array;
  /** n×classes row-major. */
  probabilities: Float64Array;
  /** classes×classes row-major counts; row = true class, column = predicted class. */
  confusion: Uint32Array;
}

function labelArray(labels: ArrayLike<number>, n: number, what: string): Int32Array {
  if (labels.length !== n) throw new InputError(`${what}: ${labels.length} labels for ${n} samples`);
  if (labels instanceof Int32Array) return labels;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw new InputError(`${what}: label ${v} of sample ${i} is not a class index`);
    }
    out[i] = v;
  }
  return out;
}

function positiveInteger(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 1) throw new InputError(`${what} ${v} is not a positive integer`);
}

/**
 * Trains a probe on `x` (n×d row-major embeddings) with labels in 0..classes−1. Every class needs at
 * least one sample. Same inputs and options give the same model bit for bit, whatever `threads`.
 */
export async function trainProbe(
  x: Float32Array | Float64Array,
  n: number,
  d: number,
  labels: ArrayLike<number>,
  classes: number,
  options: ProbeOptions = {},
): Promise<ProbeModel> {
  checkShape({ data: x, rows: n, cols: d }, 'training embeddings');
  positiveInteger(classes, 'class count');
  if (options.maxIter !== undefined) positiveInteger(options.maxIter, 'maxIter');
  const y = labelArray(labels, n, 'training labels');
  const c = options.c ?? 1;
  const tol = options.tol ?? 1e-4;
  const maxIter = options.maxIter ?? 1000;
  const m = await callNative(options, (cancel, progress) =>
    addon().trainProbe(x, n, d, y, classes, { c, maxIter, tol, threads: options.threads }, cancel, progress),
  );
  return {
    classes: m.classes,
    dim: m.dim,
    weights: m.weights,
    bias: m.bias,
    c,
    tol,
    maxIter,
    iterations: m.iterations,
    evaluations: m.evaluations,
    converged: m.converged,
    stop: m.stop as ProbeStop,
    objective: m.objective,
    logLoss: m.logLoss,
    gradMax: m.gradMax,
  };
}

/** Accuracy of a trained probe on `x` (n×model.dim row-major) with true labels `labels`. */
export async function evaluateProbe(
  model: Pick<ProbeModel, 'classes' | 'dim' | 'weights' | 'bias'>,
  x: Float32Array | Float64Array,
  labels: ArrayLike<number>,
  options: Pick<ProbeOptions, 'threads' | 'signal'> = {},
): Promise<ProbeEvaluation> {
  positiveInteger(model.dim, 'probe dimension');
  if (x.length % model.dim !== 0) {
    throw new InputError(`test embeddings: ${x.length} values are not rows of ${model.dim} (the probe's dimension)`);
  }
  const n = x.length / model.dim;
  const y = labelArray(labels, n, 'test labels');
  const e = await callNative(options, (cancel) => addon().evaluateProbe(model.weights, model.bias, model.classes, model.dim, x, n, y, options.threads, cancel));
  return {
    acc1: e.acc1,
    acc5: e.acc5,
    mean_per_class_recall: e.meanPerClassRecall,
    predictions: e.predictions,
    probabilities: e.probabilities,
    confusion: e.confusion,
  };
}
