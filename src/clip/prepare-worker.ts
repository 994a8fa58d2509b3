/** Worker thread body for BatchPreparer: prepares the batches it is sent, transferring the tensors. */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

import sharp from 'sharp';

import { gaussianNoiseTransform } from './transform.js';
import { prepareBatch } from './prepare.js';
import type { PreprocessSpec } from './preprocess.js';

interface WorkerNoise {
  noise: { sigma: number; space: 'normalized' | 'pixel'; seed: number };
  preprocess: { size: number; mean: number[]; std: number[] };
  ids: string[];
}
const { paths, spec, nice, noise } = workerData as { paths: string[]; spec: PreprocessSpec; nice: number; noise?: WorkerNoise };
const items = paths.map((path) => ({ path }));
// The caller's seeded noise, rebuilt from its portable form: the same function of (seed, image id, σ).
const idByPath = new Map(paths.map((p, i) => [p, noise?.ids[i] ?? p]));
const transform = noise ? gaussianNoiseTransform(noise.noise, noise.preprocess, (item) => idByPath.get(item.path) ?? item.path) : undefined;

// Every image is decoded once: libvips' operation cache would only hold memory.
sharp.cache(false);

const lowered = new Set<number>();
/**
 * Gives this thread and libvips' decoding threads a lower scheduling priority (Linux niceness), so that
 * onnxruntime's threads, which wait for each other at every operator, are not the ones preempted when
 * both cores are busy; preparation then fills the gaps inference leaves. Best effort: a no-op elsewhere.
 */
function lowerPriority(): void {
  if (nice <= 0) return;
  try {
    const self = Number(readlinkSync('/proc/thread-self').split('/').pop());
    for (const t of readdirSync('/proc/self/task')) {
      const tid = Number(t);
      if (lowered.has(tid)) continue;
      if (tid !== self && readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() !== 'libvips worker') continue;
      setPriority(tid, nice);
      lowered.add(tid);
    }
  } catch {
    // No /proc or no permission: priorities stay as they are.
  }
}

parentPort!.on('message', (m: { id: number; start: number; end: number }) => {
  lowerPriority();
  prepareBatch(items, m.start, m.end, spec, transform).then(
    (batch) => {
      // libvips starts its threads on first use: catch them after the first batch too.
      lowerPriority();
      parentPort!.postMessage({ id: m.id, batch }, [batch.tensor.buffer as ArrayBuffer]);
    },
    (err: unknown) => parentPort!.postMessage({ id: m.id, error: (err as Error).message }),
  );
});
