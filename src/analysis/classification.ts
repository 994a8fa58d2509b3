/**
 * Steps 2–3 of `analyze`: zero-shot metrics and a linear probe at every level, then CLIP's contrastive
 * loss per level.
 */
import { zeroShot } from '../clip/zeroshot.js';
import { sha256Hex } from '../io/hash.js';
import type { ProgressFn } from '../native.js';
import { clipLoss, zeroShotMetrics } from './accuracy.js';
import type { StepCache } from './cache.js';
import type { LevelEmbeddings } from './embeddings.js';
import { type ProbeOutcome, runProbe } from './probe.js';
import { subSeed } from './random.js';
import type { LevelAccuracy, LevelLoss } from './types.js';

export interface Classification {
  /** null when the run has no class prompts. */
  zeroshot: LevelAccuracy[] | null;
  /** Zero-shot prediction per row, one array per level (for the report's explorer); null without zero-shot. */
  predictions: Int32Array[] | null;
  /** null when the dataset has no separate train split. */
  probe: ProbeOutcome | null;
}

export async function classify(
  o: {
    test: LevelEmbeddings[];
    train: LevelEmbeddings | null;
    /** null: no class prompts, no zero-shot. */
    prompts: Float32Array | null;
    dim: number;
    classes: number;
    logitScale: number;
    threads?: number;
    signal?: AbortSignal;
    onProgress?: ProgressFn;
  },
  steps: StepCache,
): Promise<Classification> {
  const C = o.classes;
  const { prompts } = o;
  const results = prompts ? o.test.map((l) => zeroShot(l.run.embeddings, l.run.labels, prompts, o.dim, o.logitScale)) : null;
  const zeroshot = results ? o.test.map((l, k) => ({ sigma: l.sigma, images: l.run.labels.length, ...zeroShotMetrics(results[k], l.run.labels, C) })) : null;
  const predictions = results ? results.map((r) => r.predictions) : null;
  const train = o.train;
  const probe = train
    ? (
        await steps.run(
          'probe',
          { train: sha256Hex(train.run.embeddings, train.run.labels), tests: o.test.map((l) => sha256Hex(l.run.embeddings, l.run.labels)), C },
          () => runProbe(train.run, o.test, C, { threads: o.threads, signal: o.signal, onProgress: o.onProgress }),
        )
      ).value
    : null;
  return { zeroshot, predictions, probe };
}

/** CLIP's symmetric cross-entropy per level; none (with a warning) for fewer than two classes. */
export function lossPerLevel(
  test: LevelEmbeddings[],
  prompts: Float32Array,
  dim: number,
  classes: number,
  logitScale: number,
  seed: number,
): { loss: LevelLoss[]; warning?: string } {
  if (classes < 2) return { loss: [], warning: 'CLIP loss skipped: it needs at least two classes' };
  return { loss: test.map((l) => ({ sigma: l.sigma, ...clipLoss(l.run.embeddings, l.run.labels, prompts, dim, logitScale, subSeed(seed, 'loss')) })) };
}
