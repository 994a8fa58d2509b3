import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadImageDataset } from '../src/data/images.js';
import { BatchPreparer, prepareBatch } from '../src/clip/prepare.js';
import { gaussianNoiseTransform, imageIds } from '../src/clip/transform.js';
import { DEFAULT_SPEC } from '../src/clip/preprocess.js';
import { embedDataset } from '../src/clip/pipeline.js';
import { ensembleWeights, zeroShot } from '../src/clip/zeroshot.js';
import { CancelledError } from '../src/errors.js';
import { readNpy } from '../src/io/npy.js';
import { ROOT, fixture, runCli, tempDir } from './helpers/cli.js';
import { bombPng } from './helpers/hostile.js';

const TINY = join(ROOT, 'models', 'tiny-random');

const GOOD: Record<string, string[]> = {
  banded: ['rgb_640x451.jpg', 'gray_257x300.png', 'cmyk_320x256.jpg'],
  dotted: ['rgb_300x300.png', 'la_300x280.png'],
  grid: ['palette_300x250.png', 'exif_rot6_400x300.jpg', 'rgba_320x240.png'],
};

function makeDataset(corrupt: boolean): string {
  const root = tempDir();
  for (const [cls, files] of Object.entries(GOOD)) {
    mkdirSync(join(root, 'test', cls), { recursive: true });
    files.forEach((f) => copyFileSync(fixture('clip', 'images', f), join(root, 'test', cls, f)));
  }
  if (corrupt) {
    writeFileSync(join(root, 'test', 'banded', 'zero.jpg'), Buffer.alloc(0));
    const jpg = readFileSync(fixture('clip', 'images', 'rgb_640x451.jpg'));
    writeFileSync(join(root, 'test', 'dotted', 'truncated.jpg'), jpg.subarray(0, jpg.length >> 1));
    writeFileSync(join(root, 'test', 'grid', 'notes.jpg'), 'these are my notes, not a picture\n');
    writeFileSync(join(root, 'test', 'grid', 'bomb.png'), bombPng());
  }
  return root;
}

describe('clip-topo embed', () => {
  it('embeds the good images, lists every corrupt file with its reason, exits 0 (1 with --strict)', async () => {
    const root = makeDataset(true);
    const out = join(tempDir(), 'emb');
    const r = await runCli(['embed', '--dataset', root, '--model', TINY, '--out', out, '--batch-size', '3', '--threads', '1']);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.count).toBe(8);
    expect(manifest.classes).toEqual(['banded', 'dotted', 'grid']);
    const reasons = Object.fromEntries(manifest.skipped.map((s: { path: string; reason: string }) => [basename(s.path), s.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['bomb.png', 'notes.jpg', 'truncated.jpg', 'zero.jpg']);
    expect(reasons['zero.jpg']).toMatch(/empty file/);
    expect(reasons['bomb.png']).toMatch(/decompression bomb/);
    for (const name of Object.keys(reasons)) expect(r.stderr).toContain(name);
    const emb = await readNpy(join(out, 'embeddings.npy'));
    expect(emb.shape).toEqual([8, 16]);
    const labels = await readNpy(join(out, 'labels.npy'));
    expect(Array.from(labels.data as Int32Array)).toEqual([0, 0, 0, 1, 1, 2, 2, 2]);
    const strict = await runCli(['embed', '--dataset', root, '--model', TINY, '--out', out, '--strict', '--threads', '1']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/--strict/);
  });

  it('without --model or CLIP_TOPO_MODEL uses the packaged clip-topo-mini; CLIP_TOPO_MODEL and --model override it', async () => {
    const dataset = makeDataset(false);
    const env = { ...process.env };
    delete env.CLIP_TOPO_MODEL;
    const manifestOf = (out: string) => JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { model: { name: string; dir: string } };
    const byDefault = join(tempDir(), 'default');
    const r = await runCli(['embed', '--dataset', dataset, '--out', byDefault, '--threads', '1'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(manifestOf(byDefault).model.name).toBe('clip-topo-mini');
    expect(manifestOf(byDefault).model.dir).toBe(join(ROOT, 'models', 'clip-topo-mini'));
    const byEnv = join(tempDir(), 'env');
    expect((await runCli(['embed', '--dataset', dataset, '--out', byEnv, '--threads', '1'], { env: { ...env, CLIP_TOPO_MODEL: TINY } })).code).toBe(0);
    expect(manifestOf(byEnv).model.name).toBe('tiny-random');
    const byFlag = join(tempDir(), 'flag');
    expect((await runCli(['embed', '--dataset', dataset, '--out', byFlag, '--threads', '1', '--model', TINY], { env })).code).toBe(0);
    expect(manifestOf(byFlag).model.name).toBe('tiny-random');
  });

  it('resumes an interrupted run without recomputing finished batches, with identical results', async () => {
    const root = makeDataset(false);
    const dataset = await loadImageDataset(root, { split: 'test' });
    const full = await embedDataset({ model: TINY, dataset, out: join(tempDir(), 'full'), batchSize: 2, threads: 1 });
    const out = join(tempDir(), 'resume');
    const stop = new AbortController();
    await expect(
      embedDataset({ model: TINY, dataset, out, batchSize: 2, threads: 1, signal: stop.signal, onProgress: (done) => done >= 4 && stop.abort() }),
    ).rejects.toThrow(CancelledError);
    const again = await embedDataset({ model: TINY, dataset, out, batchSize: 2, threads: 1 });
    expect(again.reusedBatches).toBe(2);
    expect(Array.from(again.embeddings)).toEqual(Array.from(full.embeddings));
    expect(again.manifest.key).toBe(full.manifest.key);
  });
});

describe('batch preparation', () => {
  it('the worker thread prepares exactly what the main thread does, skips included', async () => {
    const { items } = await loadImageDataset(makeDataset(true), { split: 'test' });
    const preparer = new BatchPreparer(items, DEFAULT_SPEC);
    try {
      const viaWorker = await preparer.prepare(0, items.length);
      const inline = await prepareBatch(items, 0, items.length, DEFAULT_SPEC);
      expect(viaWorker.indices).toEqual(inline.indices);
      expect(viaWorker.skipped).toEqual(inline.skipped);
      expect(Buffer.from(viaWorker.tensor.buffer).equals(Buffer.from(inline.tensor.buffer))).toBe(true);
    } finally {
      await preparer.close();
    }
  });

  it('seeded noise applied in the workers equals noise applied on the main thread, batch by batch, on every worker', async () => {
    const ds = await loadImageDataset(makeDataset(true), { split: 'test' });
    const items = ds.items;
    for (const space of ['normalized', 'pixel'] as const) {
      const noise = gaussianNoiseTransform({ sigma: 0.5, space, seed: 3 }, DEFAULT_SPEC, imageIds(ds));
      expect(noise.portable).toBeDefined();
      const preparer = new BatchPreparer(items, DEFAULT_SPEC, noise);
      // The same transform without its portable form is applied on the main thread, after the workers.
      const mainOnly = new BatchPreparer(items, DEFAULT_SPEC, { spec: noise.spec, apply: noise.apply });
      try {
        expect(preparer.depth).toBe(Math.min(2, availableParallelism()));
        const starts = [0, 2, 4, 6];
        const viaWorkers = await Promise.all(starts.map((s) => preparer.prepare(s, Math.min(items.length, s + 2))));
        const viaMain = await Promise.all(starts.map((s) => mainOnly.prepare(s, Math.min(items.length, s + 2))));
        const inline = await Promise.all(starts.map((s) => prepareBatch(items, s, Math.min(items.length, s + 2), DEFAULT_SPEC, noise)));
        const clean = await prepareBatch(items, 0, 2, DEFAULT_SPEC);
        starts.forEach((_, k) => {
          expect(viaWorkers[k].indices).toEqual(inline[k].indices);
          expect(Buffer.from(viaWorkers[k].tensor.buffer).equals(Buffer.from(inline[k].tensor.buffer)), `${space} batch ${k}, workers`).toBe(true);
          expect(Buffer.from(viaMain[k].tensor.buffer).equals(Buffer.from(inline[k].tensor.buffer)), `${space} batch ${k}, main thread`).toBe(true);
        });
        expect(Buffer.from(viaWorkers[0].tensor.buffer).equals(Buffer.from(clean.tensor.buffer))).toBe(false); // noise was applied
      } finally {
        await preparer.close();
        await mainOnly.close();
      }
    }
  });

  it('a prefetched batch is what prepare() later returns, once; unclaimed ones are dropped on close', async () => {
    const { items } = await loadImageDataset(makeDataset(true), { split: 'test' });
    const preparer = new BatchPreparer(items, DEFAULT_SPEC);
    try {
      preparer.prefetch(0, 2);
      preparer.prefetch(1, items.length); // never claimed
      const early = preparer.prepare(0, 2);
      const again = preparer.prepare(0, 2);
      expect(again).not.toBe(early); // taken once, then prepared again
      const [a, b, inline] = await Promise.all([early, again, prepareBatch(items, 0, 2, DEFAULT_SPEC)]);
      expect(Buffer.from(b.tensor.buffer).equals(Buffer.from(inline.tensor.buffer))).toBe(true);
      expect(a.indices).toEqual(inline.indices);
      expect(Buffer.from(a.tensor.buffer).equals(Buffer.from(inline.tensor.buffer))).toBe(true);
    } finally {
      await preparer.close();
    }
  });
});

describe('zero-shot', () => {
  it('metrics on a constructed case (acc1, acc5, mean_per_class_recall)', () => {
    // 3 classes on the axes of R^3; the 4th image of class 0 points at class 1.
    const w = ensembleWeights(Float32Array.from([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1]), 3, 3, 2);
    const x = Float32Array.from([1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1]);
    const r = zeroShot(x, [0, 0, 0, 0, 1, 2], w, 3, 100);
    expect(r.acc1).toBeCloseTo(5 / 6, 12);
    expect(r.acc5).toBe(1);
    expect(r.mean_per_class_recall).toBeCloseTo((3 / 4 + 1 + 1) / 3, 12);
    expect(r.logits[0]).toBeCloseTo(100, 4);
  });

  it('clip-topo zeroshot --json prints the three metrics', async () => {
    const root = makeDataset(false);
    const r = await runCli(['zeroshot', '--dataset', root, '--model', TINY, '--json', '--threads', '1']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.images).toBe(8);
    expect(doc.templates).toBe(8);
    expect(doc.acc1).toBeGreaterThanOrEqual(0);
    expect(doc.acc5).toBe(1); // 3 classes: every label is in the top 5
    expect(doc.acc1).toBeLessThanOrEqual(doc.acc5);
    expect(typeof doc.mean_per_class_recall).toBe('number');
  });
});
