/**
 * Step 1 of `analyze`: image embeddings of the analysed split, clean and at every noise level, plus the
 * clean train split for the probe and the class prompts. Each run lives in its own cache folder (resumable batch by batch) under
 * a lock, so concurrent analyses of the same cache take turns and reuse each other's work.
 */
import { join } from 'node:path';

import { checkedSha256, type ModelCard } from '../clip/model.js';
import { classifierWeights, embedDataset, type EmbeddedDataset } from '../clip/pipeline.js';
import type { Dataset } from '../data/types.js';
import { gaussianNoiseTransform, imageIds } from '../clip/transform.js';
import type { NoiseSpace } from '../noise/gaussian.js';
import { UsageError } from '../errors.js';
import { keyOf, type StepCache } from './cache.js';
import type { SkippedImage } from './types.js';

/** A level's rows as the steps after embedding use them: computed here, or read from a set made elsewhere. */
export type LevelRun = Omit<EmbeddedDataset, 'card'>;

export interface LevelEmbeddings {
  sigma: number;
  run: LevelRun;
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
    // embedDataset holds the folder's lock: concurrent runs on one cache take turns and reuse each other's work.
    const run = await embedDataset({
      model: o.card,
      dataset: o.dataset,
      listingSkipped: o.dataset.skipped,
      out: dir,
      transform,
      batchSize: o.batchSize,
      threads: o.threads,
      signal: o.signal,
      onProgress: (done, total) => o.onProgress?.(label, done, total),
      onWait: o.onWait,
    });
    out.push({ sigma, run, where: `${o.name} ${sigma === 0 ? 'clean' : `σ=${sigma}`}` });
  }
  return out;
}

/**
 * The levels with the same images, row for row: every comparison across noise levels (diagrams of the
 * same sample rows, accuracy drops, distances) pairs row i of one level with row i of another. An image
 * that one level could not read (deleted or damaged while the run went on) is left out of every level and
 * listed as skipped with the reason, instead of shifting every later row of that level.
 */
export function pairLevels(levels: LevelEmbeddings[]): LevelEmbeddings[] {
  const rowsOf = levels.map((l) => new Set(l.run.manifest.items.map((i) => i.path)));
  const inAll = (path: string) => rowsOf.every((r) => r.has(path));
  return levels.map((l) => {
    const m = l.run.manifest;
    const keep = m.items.filter((i) => inAll(i.path));
    if (keep.length === m.items.length) return l;
    const dropped = m.items
      .filter((i) => !inAll(i.path))
      .map((i) => {
        const k = rowsOf.findIndex((r) => !r.has(i.path));
        const why = levels[k].run.manifest.skipped.find((s) => s.path === i.path)?.reason ?? 'not embedded';
        return { path: i.path, reason: `skipped at ${levels[k].where} (${why}); left out of every level so that the levels stay paired` };
      });
    const embeddings = new Float32Array(keep.length * m.dim);
    for (const [r, it] of keep.entries()) embeddings.set(l.run.embeddings.subarray(it.row * m.dim, (it.row + 1) * m.dim), r * m.dim);
    const labels = Int32Array.from(keep, (i) => i.label);
    const manifest = { ...m, count: keep.length, items: keep.map((it, row) => ({ ...it, row })), skipped: [...m.skipped, ...dropped] };
    return { ...l, run: { ...l.run, manifest, embeddings, labels } };
  });
}

export interface StudyEmbeddings {
  /** The analysed split, clean first, then each noise level. */
  test: LevelEmbeddings[];
  /** Clean train images for the probe; null when the dataset has none. */
  train: LevelEmbeddings | null;
  /** Each skipped file once, under the first run that met it. */
  skipped: SkippedImage[];
  dim: number;
  /** Prompt-ensemble embedding of each class, C×dim; null when the run has no class prompts (embeddings made elsewhere). */
  prompts: Float32Array | null;
}

/** Step 1 of `analyze`: every image embedding it needs and the class prompts' embeddings. */
export async function embedStudy(
  o: Omit<EmbedLevelsOptions, 'dataset' | 'name' | 'levels'> & {
    test: Dataset;
    train: Dataset | null;
    split: string;
    levels: number[];
    root: string;
    templates: string[];
    onSkipped?: (f: SkippedImage) => void;
  },
  steps: StepCache,
): Promise<StudyEmbeddings & { prompts: Float32Array }> {
  const test = pairLevels(await embedLevels({ ...o, dataset: o.test, name: o.split, levels: o.levels }));
  const train = o.train ? (await embedLevels({ ...o, dataset: o.train, name: 'train', levels: [0] }))[0] : null;
  const all = [...test, ...(train ? [train] : [])].flatMap((l) => l.run.manifest.skipped.map((f) => ({ ...f, where: l.where })));
  // The same file is skipped at every level; list it once, under the first run that met it.
  const skipped = all.filter((f, i) => all.findIndex((g) => g.path === f.path) === i);
  for (const f of skipped) o.onSkipped?.(f);
  const dim = test[0].run.manifest.dim;
  if (dim === 0 || test[0].run.manifest.count === 0)
    throw new UsageError(`analyze: none of the ${o.test.items.length} images in ${o.root} could be read (see the skipped files above)`);
  const classes = o.test.classes;
  const prompts = await steps.run('prompts', { text: await checkedSha256(o.card.textPath, o.card.textSha256), classes, templates: o.templates }, async () =>
    classifierWeights(o.card, classes, o.templates, o.threads),
  );
  if (prompts.value.dim !== dim)
    throw new UsageError(`analyze: the text graph gives ${prompts.value.dim}-d embeddings, the image graph ${dim}-d: the two graphs do not belong together`);
  return { test, train, skipped, dim, prompts: prompts.value.weights };
}
