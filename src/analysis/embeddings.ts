/**
 * Step 1 of `analyze`: image embeddings of the analysed split, clean and at every noise level, plus the
 * clean train split for the probe. Each run lives in its own cache folder (resumable batch by batch) under
 * a lock, so concurrent analyses of the same cache take turns and reuse each other's work.
 */
import { join } from 'node:path';

import { embedDataset, type EmbeddedDataset } from '../clip/pipeline.js';
import type { ModelCard } from '../clip/model.js';
import type { Dataset } from '../data/types.js';
import { gaussianNoiseTransform, imageIds } from '../noise/transform.js';
import type { NoiseSpace } from '../noise/gaussian.js';
import { withLock } from '../store/lock.js';
import { keyOf } from './cache.js';

export interface LevelEmbeddings {
  sigma: number;
  run: EmbeddedDataset;
  /** Where the run found skipped files. */
  where: string;
}

export interface EmbedLevelsOptions {
  card: ModelCard;
  dataset: Dataset;
  name: string;
  levels: number[];
  space: NoiseSpace;
  seed: number;
  cacheDir: string;
  threads?: number;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (label: string, done: number, total: number) => void;
  onWait?: (message: string) => void;
}

export function levelTag(sigma: number): string {
  return sigma === 0 ? 'clean' : `sigma${sigma}`;
}

export async function embedLevels(o: EmbedLevelsOptions): Promise<LevelEmbeddings[]> {
  const ids = imageIds(o.dataset);
  // One folder per dataset split and level; the store's own key (model, preprocessing, noise, image bytes) decides reuse.
  const where = keyOf({ root: o.dataset.root, split: o.dataset.split, partition: o.dataset.partition ?? null }).slice(0, 12);
  const out: LevelEmbeddings[] = [];
  for (const sigma of o.levels) {
    const label = `embed ${o.name} ${sigma === 0 ? 'clean' : `σ=${sigma}`}`;
    const dir = join(o.cacheDir, 'embeddings', `${o.name}-${where}-${levelTag(sigma)}-${o.space}-seed${o.seed}`);
    const transform = sigma === 0 ? undefined : gaussianNoiseTransform({ sigma, space: o.space, seed: o.seed }, o.card.preprocess, ids);
    const run = await withLock(
      dir,
      () =>
        embedDataset({
          model: o.card,
          dataset: o.dataset,
          listingSkipped: o.dataset.skipped,
          out: dir,
          transform,
          batchSize: o.batchSize,
          threads: o.threads,
          signal: o.signal,
          onProgress: (done, total) => o.onProgress?.(label, done, total),
        }),
      { signal: o.signal, onWait: (pid) => o.onWait?.(`waiting for another clip-topo run (pid ${pid}) that is embedding into ${dir}`) },
    );
    out.push({ sigma, run, where: `${o.name} ${sigma === 0 ? 'clean' : `σ=${sigma}`}` });
  }
  return out;
}
