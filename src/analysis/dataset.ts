/**
 * The images `analyze` studies: the user's dataset, or by default clip-topo's synthetic texture set made
 * once into the cache (seed 0, the held-out seed the default model never saw in training).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { loadImageDataset, requireImages } from '../data/images.js';
import { writeSynthDataset } from '../data/synth.js';
import { ClipTopoError, InputError } from '../errors.js';
import { errorCode, writeChecked } from '../io/atomic.js';
import { faultPoint } from '../io/faults.js';
import type { Dataset } from '../data/types.js';
import { nativeRenderer, synthClasses } from '../kernels/synth.js';
import { codeVersion } from '../store/code-version.js';
import { withLock } from '../store/lock.js';

export const DEFAULT_SYNTH = { seed: 0, perClass: 120, size: 256 } as const;

export interface StudyData {
  root: string;
  synthetic: { seed: number; per_class: number; size: number } | null;
  test: Dataset;
  /** Clean training images for the linear probe; null (with a warning) when the dataset has no separate train split. */
  train: Dataset | null;
  warnings: string[];
}

async function makeSynth(
  cacheDir: string,
  threads: number | undefined,
  signal: AbortSignal | undefined,
  onProgress?: (done: number, total: number) => void,
): Promise<string> {
  const s = DEFAULT_SYNTH;
  const dir = join(cacheDir, `synth-seed${s.seed}-${s.perClass}x${s.size}`);
  await mkdir(cacheDir, { recursive: true });
  await withLock(
    dir,
    async () => {
      // The set is made by code: another version or build of clip-topo draws it again.
      const madeBy = join(dir, 'made-by.txt');
      if (existsSync(join(dir, 'captions.jsonl')) && existsSync(madeBy) && (await readFile(madeBy, 'utf8')) === codeVersion()) return;
      // Written beside and renamed into place: a run killed half-way never leaves a half dataset under the real name.
      // Only the holder of this lock makes such folders, so any left over is a dead run's.
      const base = basename(dir);
      for (const name of await readdir(cacheDir)) if (name.startsWith(`${base}.tmp-`)) await rm(join(cacheDir, name), { recursive: true, force: true });
      const tmp = `${dir}.tmp-${process.pid}`;
      try {
        await writeSynthDataset({
          out: tmp,
          render: nativeRenderer({ threads, signal }),
          available: synthClasses(),
          perClass: s.perClass,
          size: s.size,
          seed: s.seed,
          signal,
          onProgress,
        });
        await writeChecked(join(tmp, 'made-by.txt'), codeVersion());
        await rm(dir, { recursive: true, force: true });
        await rename(tmp, dir);
        faultPoint('step', dir);
      } catch (err) {
        await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
        // Cancelling, or a renderer's error, as they are; a file error names the folder that failed, not a file just removed.
        if (err instanceof ClipTopoError && err.code !== 'ERR_FILE') throw err;
        const why = errorCode(err instanceof ClipTopoError && err.cause ? err.cause : err);
        throw new InputError(`${cacheDir}: cannot make the synthetic dataset there (${why}); free space there or choose another --out`, 'ERR_FILE');
      }
    },
    { signal },
  );
  return dir;
}

export async function studyData(o: {
  dataset?: string;
  split: string;
  partition: number;
  cacheDir: string;
  threads?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}): Promise<StudyData> {
  const root = o.dataset ?? (await makeSynth(o.cacheDir, o.threads, o.signal, o.onProgress));
  const synthetic = o.dataset ? null : { seed: DEFAULT_SYNTH.seed, per_class: DEFAULT_SYNTH.perClass, size: DEFAULT_SYNTH.size };
  const test = await loadImageDataset(root, { split: o.split, partition: o.partition });
  requireImages(test, root);
  const warnings = [...test.warnings];
  let train: Dataset | null = null;
  if (o.split === 'train' || o.split === 'trainval' || o.split === 'all') {
    warnings.push(`linear probe skipped: the analysed split '${o.split}' contains the training images`);
  } else {
    const t = test.format === 'dtd' || existsSync(join(root, 'train')) ? await loadImageDataset(root, { split: 'train', partition: o.partition }) : null;
    if (!t || (t.root === test.root && t.format !== 'dtd')) {
      warnings.push('linear probe skipped: the dataset has no separate train split (DTD labels/train<k>.txt or a train/ folder)');
    } else if (t.items.length === 0) {
      warnings.push('linear probe skipped: the train split has no images');
    } else if (t.classes.join('\n') !== test.classes.join('\n')) {
      warnings.push(`linear probe skipped: the train split's classes differ from the ${o.split} split's`);
    } else {
      train = t;
    }
  }
  return { root, synthetic, test, train, warnings };
}
