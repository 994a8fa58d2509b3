import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { CancelledError, InputError, UsageError } from '../src/errors.js';
import { parseNpy, readMatrix } from '../src/io/npy.js';
import { tsne, umap } from '../src/kernels/maps.js';
import { fixture, runCli, tempDir, writeNpy } from './helpers/cli.js';

type Ref = Record<string, Record<string, { trustworthiness: number; label_agreement: number; kl: number }>>;
const ref = JSON.parse(readFileSync(fixture('maps', 'reference.json'), 'utf8')) as Ref;

/** Mean fraction of same-label points among each point's 10 nearest in the map. */
function labelAgreement(y: Float32Array, labels: Int32Array, k = 10): number {
  const n = labels.length;
  let same = 0;
  for (let i = 0; i < n; i++) {
    const d: [number, number][] = [];
    for (let j = 0; j < n; j++) if (j !== i) d.push([(y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2, j]);
    d.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let t = 0; t < k; t++) if (labels[d[t][1]] === labels[i]) same++;
  }
  return same / (n * k);
}

async function load(name: string) {
  const x = await readMatrix(fixture('maps', `${name}.npy`));
  const labels = parseNpy(readFileSync(fixture('maps', `${name}_labels.npy`)), name).data as Int32Array;
  return { x, labels };
}

describe('tsne (scikit-learn / openTSNE fixtures)', () => {
  it('sphere 500×512: trustworthiness ≥ ref − 0.01, KL ≤ 1.05 × scikit-learn, label agreement ≥ ref − 0.02', async () => {
    const { x, labels } = await load('sphere');
    const seen: number[] = [];
    const r = await tsne(x.data, { n: x.rows, d: x.cols, threads: 2, trustworthiness: true, onProgress: (_s, done) => seen.push(done) });
    expect(r.embedding).toBeInstanceOf(Float32Array);
    expect(r.embedding.length).toBe(2 * x.rows);
    const s = ref.sphere;
    expect(r.trustworthiness!).toBeGreaterThanOrEqual(Math.max(s.sklearn_tsne.trustworthiness, s.opentsne.trustworthiness) - 0.01);
    expect(r.kl).toBeLessThanOrEqual(1.05 * s.sklearn_tsne.kl);
    expect(labelAgreement(r.embedding, labels)).toBeGreaterThanOrEqual(s.sklearn_tsne.label_agreement - 0.02);
    expect(r.perplexity).toBe(30);
    expect(r.warnings).toEqual([]);
    await new Promise((res) => setTimeout(res, 50)); // progress calls are non-blocking
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((v) => v % 50 === 0)).toBe(true);
  });

  it('lowers the perplexity for small n with a warning', async () => {
    const { x } = await load('blobs');
    const r = await tsne(x.data.subarray(0, 40 * x.cols), { n: 40, d: x.cols, iterations: 300 });
    expect(r.perplexity).toBe(13);
    expect(r.warnings.join(' ')).toMatch(/perplexity 30 needs at least/);
  });
});

describe('umap (umap-learn fixtures)', () => {
  it('blobs 600×50: trustworthiness ≥ ref − 0.01, label agreement ≥ ref − 0.02, deterministic', async () => {
    const { x, labels } = await load('blobs');
    const r = await umap(x.data, { n: x.rows, d: x.cols, threads: 2, seed: 3, trustworthiness: true });
    expect(r.embedding.length).toBe(2 * x.rows);
    expect(r.trustworthiness!).toBeGreaterThanOrEqual(ref.blobs.umap.trustworthiness - 0.01);
    expect(labelAgreement(r.embedding, labels)).toBeGreaterThanOrEqual(ref.blobs.umap.label_agreement - 0.02);
    expect(r.a).toBeCloseTo(1.577, 2);
    expect(r.b).toBeCloseTo(0.895, 2);
    const again = await umap(x.data, { n: x.rows, d: x.cols, threads: 1, seed: 3 });
    expect(Buffer.from(again.embedding.buffer).equals(Buffer.from(r.embedding.buffer))).toBe(true);
    expect(again.trustworthiness).toBeNull();
  });
});

const x = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i * 1.7));

describe('maps: bad input, cancellation', () => {
  it('NaN is an InputError naming the row', async () => {
    const bad = x.slice();
    bad[13] = NaN;
    await expect(tsne(bad, { n: 20, d: 3 })).rejects.toThrow(InputError);
    await expect(umap(bad, { n: 20, d: 3 })).rejects.toThrow(/row 4, column 1/);
  });
  it('fewer than 3 points and shape mismatches are clear errors', async () => {
    await expect(tsne(x.subarray(0, 6), { n: 2, d: 3 })).rejects.toThrow(/at least 3 points/);
    await expect(umap(x.subarray(0, 3), { n: 1, d: 3 })).rejects.toThrow(/at least 3 points/);
    await expect(tsne(x, { n: 7, d: 3 })).rejects.toThrow(InputError);
    await expect(umap(x, { n: 20, d: 3, nNeighbors: 1 })).rejects.toThrow(UsageError);
  });
  it('an AbortSignal cancels a running map', async () => {
    const { x: big } = await load('blobs');
    const ac = new AbortController();
    const p = tsne(big.data, { n: big.rows, d: big.cols, signal: ac.signal, onProgress: () => ac.abort() });
    await expect(p).rejects.toThrow(CancelledError);
  });
});

describe('clip-topo tsne / umap', () => {
  it('writes n×2 float32 .npy and a one-line summary', async () => {
    const dir = tempDir();
    const out = join(dir, 'map.npy');
    const r = await runCli(['umap', fixture('maps', 'blobs.npy'), '--epochs', '100', '--threads', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^clip-topo umap: blobs\.npy 600×50 → 600×2 in [\d.]+ s, init .*, trustworthiness\(10\) 0\.\d{4}\n$/);
    const y = parseNpy(readFileSync(out), out);
    expect(y.shape).toEqual([600, 2]);
    expect(y.data).toBeInstanceOf(Float32Array);
    const t = await runCli(['tsne', writeNpy(dir, 'small.npy', x, [20, 3]), '--iterations', '100', '--out', join(dir, 't.npy')]);
    expect(t.code).toBe(0);
    expect(t.stderr).toMatch(/warning: perplexity 30 needs/);
    expect(t.stderr).toMatch(/clip-topo tsne: small\.npy 20×3 → 20×2 in [\d.]+ s, KL \d/);
  });
  it('usage errors exit 2, input errors exit 1, one line each', async () => {
    const dir = tempDir();
    const bad = x.slice();
    bad[0] = NaN;
    const cases: [string[], number, RegExp][] = [
      [['tsne', fixture('maps', 'blobs.npy'), '--perplexity', 'abc'], 2, /not a finite number/],
      [['umap', fixture('maps', 'blobs.npy'), '--epochs', '0'], 2, /not a positive integer/],
      [['tsne', writeNpy(dir, 'nan.npy', bad, [20, 3]), '--out', join(dir, 'o.npy')], 1, /nan\.npy: .*NaN/],
      [['umap', join(dir, 'missing.npy')], 1, /missing\.npy/],
    ];
    for (const [args, code, message] of cases) {
      const r = await runCli(args);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('(run with --help')).length,
      ).toBe(1);
    }
  });
});
