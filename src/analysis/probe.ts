/** Step 2b of `analyze`: a linear probe trained on clean train-split embeddings, evaluated at every level. */
import type { EmbeddedDataset } from '../clip/pipeline.js';
import type { ProgressFn } from '../native.js';
import type { LevelEmbeddings } from './embeddings.js';
import type { LevelAccuracy } from './types.js';

export interface ProbeOutcome {
  levels: LevelAccuracy[] | null;
  settings: Record<string, number | string | boolean> | null;
  warning?: string;
}

// PENDING: the Rust probe kernel lands from branch `probe`; until then the step reports itself as missing.
export async function runProbe(_train: EmbeddedDataset, _test: LevelEmbeddings[], _classes: number, _o: { threads?: number; signal?: AbortSignal; onProgress?: ProgressFn }): Promise<ProbeOutcome> {
  return { levels: null, settings: null, warning: 'linear probe not available in this build' };
}
