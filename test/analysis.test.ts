/** Pieces of `analyze` against references: Spearman (scipy), CLIP loss (written out with logsumexp), confusion, caching. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { clipLoss, confusion } from '../src/analysis/accuracy.js';
import { StepCache } from '../src/analysis/cache.js';
import { rng, shuffled, subSeed } from '../src/analysis/random.js';
import { ranks, spearman } from '../src/analysis/stats.js';
import { barStats, hausdorffRadius } from '../src/analysis/topology.js';
import { fixture, tempDir } from './helpers/cli.js';

const F = JSON.parse(readFileSync(fixture('analysis', 'fixtures.json'), 'utf8'));

describe('spearman', () => {
  it('equals scipy.stats.spearmanr, ties included (1e-12)', () => {
    for (const c of F.spearman) expect(spearman(c.x, c.y)).toBeCloseTo(c.rho, 12);
  });
  it('average ranks for ties; null for a constant side or too few pairs', () => {
    expect(ranks([3, 1, 3, 2])).toEqual([3.5, 1, 3.5, 2]);
    expect(spearman([1, 2, 3, 4], [5, 5, 5, 5])).toBeNull();
    expect(spearman([1, 2], [2, 1])).toBeNull();
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 45])).toBe(1);
  });
});

describe('CLIP loss', () => {
  it("equals CLIP's symmetric cross-entropy on a reference batch (1e-5)", () => {
    const L = F.loss;
    const labels = Int32Array.from({ length: L.n }, (_, i) => i);
    const r = clipLoss(Float32Array.from(L.images), labels, Float32Array.from(L.texts), L.d, L.scale, 0);
    expect(r.batches).toBe(1);
    expect(r.batch_size).toBe(L.n);
    expect(r.image_to_text).toBeCloseTo(L.image_to_text, 5);
    expect(r.text_to_image).toBeCloseTo(L.text_to_image, 5);
    expect(r.loss).toBeCloseTo(L.loss, 5);
  });
  it('batches hold one image per class; classes that run out leave later batches', () => {
    const d = 2;
    const w = Float32Array.from([1, 0, 0, 1]);
    const x = Float32Array.from([1, 0, 1, 0, 1, 0, 0, 1]);
    const r = clipLoss(x, Int32Array.from([0, 0, 0, 1]), w, d, 10, 1);
    // Batch 0 has both classes; batches 1 and 2 would hold a single pair and are not formed.
    expect(r.batches).toBe(1);
    expect(r.loss).toBeCloseTo(Math.log(1 + Math.exp(-10)), 12);
  });
});

describe('confusion', () => {
  it('rows are true classes, recall per class', () => {
    const c = confusion([0, 1, 1, 2, 2, 2], [0, 0, 1, 2, 2, 1], 3);
    expect(c.confusion).toEqual([
      [1, 1, 0],
      [0, 1, 1],
      [0, 0, 2],
    ]);
    expect(c.per_class_recall).toEqual([0.5, 0.5, 1]);
  });
});

describe('seeded choices', () => {
  it('same seed, same draws; purposes get independent seeds', () => {
    const a = shuffled([...Array(20).keys()], rng(5));
    expect(shuffled([...Array(20).keys()], rng(5))).toEqual(a);
    expect(shuffled([...Array(20).keys()], rng(6))).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
    expect(subSeed(0, 'tsne-all')).not.toBe(subSeed(0, 'umap-all'));
  });
});

describe('topology helpers', () => {
  it('bar statistics and Hausdorff radius', () => {
    const s = barStats([
      [0, 1],
      [0, 3],
      [0, Infinity],
    ]);
    expect(s).toMatchObject({ finite: 2, essential: 1, total_persistence: 4, max_persistence: 3 });
    expect(s.entropy).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 12);
    const x = Float32Array.from([0, 0, 3, 4, 6, 8]);
    expect(hausdorffRadius(x, 2, [0])).toBeCloseTo(10, 6);
    expect(hausdorffRadius(x, 2, [0, 2])).toBeCloseTo(5, 6);
  });
});

describe('step cache', () => {
  it('returns what was stored, typed arrays and infinities included; --no-cache recomputes', async () => {
    const dir = join(tempDir(), 'steps');
    const value = { a: Float32Array.from([1.5, 2]), b: [[0, Infinity]], c: Uint32Array.from([7]) };
    let calls = 0;
    const compute = async () => {
      calls++;
      return value;
    };
    const c1 = new StepCache(dir, true);
    expect((await c1.run('x', { k: 1 }, compute)).cached).toBe(false);
    const again = await c1.run('x', { k: 1 }, compute);
    expect(again.cached).toBe(true);
    expect(again.value.a).toBeInstanceOf(Float32Array);
    expect(Array.from(again.value.a)).toEqual([1.5, 2]);
    expect(again.value.b[0][1]).toBe(Infinity);
    expect(again.value.c).toBeInstanceOf(Uint32Array);
    expect(c1.reused).toEqual(['x']);
    await c1.run('x', { k: 2 }, compute);
    expect(calls).toBe(2);
    await new StepCache(dir, false).run('x', { k: 1 }, compute);
    expect(calls).toBe(3);
  });
});
