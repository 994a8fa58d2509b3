/**
 * Zero-shot classification as CLIP evaluates it: one classifier row per class = the mean of that
 * class's prompt embeddings (each L2-normalised first), re-normalised; logits = logit_scale · cosine.
 * Metrics carry CLIP_benchmark's names: acc1, acc5, mean_per_class_recall.
 */
import { l2NormalizeRows } from './embed.js';

/** OpenAI's eight DTD templates. */
export const DTD_TEMPLATES = [
  'a photo of a {} texture.',
  'a photo of a {} pattern.',
  'a photo of a {} thing.',
  'a photo of a {} object.',
  'a photo of the {} texture.',
  'a photo of the {} pattern.',
  'a photo of the {} thing.',
  'a photo of the {} object.',
];

/** Prompts in class-major order: class c's templates are rows c·T … c·T + T − 1. */
export function prompts(classes: string[], templates: string[]): string[] {
  return classes.flatMap((c) => templates.map((t) => t.replaceAll('{}', c)));
}

/** C×d classifier from class-major, already normalised prompt embeddings (C·T rows). */
export function ensembleWeights(promptEmb: Float32Array, dim: number, classes: number, templates: number): Float32Array {
  const w = new Float32Array(classes * dim);
  for (let c = 0; c < classes; c++) {
    for (let t = 0; t < templates; t++) {
      const row = (c * templates + t) * dim;
      for (let j = 0; j < dim; j++) w[c * dim + j] += promptEmb[row + j];
    }
  }
  return l2NormalizeRows(w, dim);
}

export interface ZeroShotResult {
  acc1: number;
  acc5: number;
  mean_per_class_recall: number;
  /** Predicted class (top-1) per image. */
  predictions: Int32Array;
  /** n×C logits. */
  logits: Float32Array;
}

export function zeroShot(images: Float32Array, labels: ArrayLike<number>, weights: Float32Array, dim: number, logitScale: number): ZeroShotResult {
  const n = labels.length;
  const C = weights.length / dim;
  const logits = new Float32Array(n * C);
  const predictions = new Int32Array(n);
  let top1 = 0;
  let top5 = 0;
  const hits = new Float64Array(C);
  const counts = new Float64Array(C);
  const k = Math.min(5, C);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += images[i * dim + j] * weights[c * dim + j];
      logits[i * C + c] = logitScale * s;
    }
    const row = logits.subarray(i * C, (i + 1) * C);
    const y = labels[i];
    let best = 0;
    for (let c = 1; c < C; c++) if (row[c] > row[best]) best = c;
    predictions[i] = best;
    // Rank of the true class: how many classes score strictly higher (ties resolved in its favour, as topk would not guarantee).
    let above = 0;
    for (let c = 0; c < C; c++) if (row[c] > row[y]) above++;
    if (best === y) top1++;
    if (above < k) top5++;
    counts[y]++;
    if (best === y) hits[y]++;
  }
  let recall = 0;
  let present = 0;
  for (let c = 0; c < C; c++) {
    if (counts[c] === 0) continue;
    recall += hits[c] / counts[c];
    present++;
  }
  return { acc1: top1 / n, acc5: top5 / n, mean_per_class_recall: present ? recall / present : 0, predictions, logits };
}
