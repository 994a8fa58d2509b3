/** Steps 2–3 of `analyze`: per-level classification metrics and the CLIP contrastive loss. */
import type { ZeroShotResult } from '../clip/zeroshot.js';
import type { ClassMetrics, LevelLoss } from './types.js';
import { rng, shuffled } from './random.js';

/** Confusion matrix (row = true class) and per-class recall from top-1 predictions. */
export function confusion(predictions: ArrayLike<number>, labels: ArrayLike<number>, classes: number): { confusion: number[][]; per_class_recall: number[] } {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][predictions[i]]++;
  const per_class_recall = m.map((row, c) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n === 0 ? 0 : row[c] / n;
  });
  return { confusion: m, per_class_recall };
}

export function zeroShotMetrics(r: ZeroShotResult, labels: ArrayLike<number>, classes: number): ClassMetrics {
  return { acc1: r.acc1, acc5: r.acc5, mean_per_class_recall: r.mean_per_class_recall, ...confusion(r.predictions, labels, classes) };
}

function logSumExp(v: Float64Array): number {
  let m = -Infinity;
  for (const x of v) m = Math.max(m, x);
  let s = 0;
  for (const x of v) s += Math.exp(x - m);
  return m + Math.log(s);
}

/**
 * CLIP's symmetric cross-entropy on image–prompt batches. A batch holds one image of each class (drawn
 * without replacement in a seeded order) paired with that class's prompt-ensemble embedding, so the N×N
 * matrix has exactly one true pair per row and column, as in CLIP's training batches of distinct captions.
 */
export function clipLoss(
  images: Float32Array,
  labels: Int32Array,
  weights: Float32Array,
  dim: number,
  logitScale: number,
  seed: number,
): Omit<LevelLoss, 'sigma'> {
  const C = weights.length / dim;
  const next = rng(seed);
  const byClass: number[][] = Array.from({ length: C }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]].push(i);
  const queues = byClass.map((rows) => shuffled(rows, next));
  let i2t = 0;
  let t2i = 0;
  let batches = 0;
  let size = 0;
  for (let b = 0; ; b++) {
    const batch = queues.map((q, c) => (b < q.length ? [q[b], c] : null)).filter((x): x is number[] => x !== null);
    // A batch of one pair has nothing to contrast against.
    if (batch.length < 2) break;
    const N = batch.length;
    const logits = new Float64Array(N * N);
    for (let r = 0; r < N; r++) {
      const xi = batch[r][0] * dim;
      for (let c = 0; c < N; c++) {
        const wc = batch[c][1] * dim;
        let s = 0;
        for (let j = 0; j < dim; j++) s += images[xi + j] * weights[wc + j];
        logits[r * N + c] = logitScale * s;
      }
    }
    let rowLoss = 0;
    let colLoss = 0;
    const col = new Float64Array(N);
    for (let r = 0; r < N; r++) rowLoss += logSumExp(logits.subarray(r * N, (r + 1) * N)) - logits[r * N + r];
    for (let c = 0; c < N; c++) {
      for (let r = 0; r < N; r++) col[r] = logits[r * N + c];
      colLoss += logSumExp(col) - logits[c * N + c];
    }
    i2t += rowLoss / N;
    t2i += colLoss / N;
    batches++;
    size = Math.max(size, N);
  }
  if (batches === 0) return { loss: NaN, image_to_text: NaN, text_to_image: NaN, batches: 0, batch_size: 0 };
  return { loss: (i2t + t2i) / (2 * batches), image_to_text: i2t / batches, text_to_image: t2i / batches, batches, batch_size: size };
}
