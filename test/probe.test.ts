import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { CancelledError, InputError } from '../src/errors.js';
import { evaluateProbe, trainProbe } from '../src/kernels/probe.js';
import { fixture } from './helpers/cli.js';

interface Case {
  name: string;
  n_train: number;
  n_test: number;
  d: number;
  classes: number;
  c: number;
  x_train: number[];
  y_train: number[];
  x_test: number[];
  y_test: number[];
  objective: number;
  proba: number[];
  predictions: number[];
}

const { cases } = JSON.parse(readFileSync(fixture('probe', 'cases.json'), 'utf8')) as { cases: Case[] };

// Inputs are float32 values written as their shortest decimal; Float32Array.from rounds them back.
describe('trainProbe / evaluateProbe (scikit-learn LogisticRegression fixtures)', () => {
  for (const c of cases) {
    it(`${c.name}: objective within 1e-6 rel, probabilities within 1e-4, same predictions`, async () => {
      const model = await trainProbe(Float32Array.from(c.x_train), c.n_train, c.d, c.y_train, c.classes, {
        c: c.c,
        tol: 1e-10,
        maxIter: 10000,
      });
      expect(model.converged).toBe(true);
      expect(model.weights.length).toBe(c.classes * c.d);
      expect(Math.abs(model.objective - c.objective) / c.objective).toBeLessThanOrEqual(1e-6);
      const e = await evaluateProbe(model, Float32Array.from(c.x_test), c.y_test);
      expect(e.probabilities.length).toBe(c.n_test * c.classes);
      e.probabilities.forEach((p, i) => expect(Math.abs(p - c.proba[i])).toBeLessThanOrEqual(1e-4));
      expect(Array.from(e.predictions)).toEqual(c.predictions);
      const hits = c.predictions.filter((p, i) => p === c.y_test[i]).length;
      expect(e.acc1).toBe(hits / c.n_test);
      expect(e.acc5).toBeGreaterThanOrEqual(e.acc1);
      expect(e.confusion.reduce((a, v) => a + v, 0)).toBe(c.n_test);
      expect(e.mean_per_class_recall).toBeGreaterThan(0);
    });
  }

  it('is the same for 1 and 2 threads and for Float64Array input', async () => {
    const c = cases[1];
    const x32 = Float32Array.from(c.x_train);
    const a = await trainProbe(x32, c.n_train, c.d, c.y_train, c.classes, { c: c.c, threads: 1 });
    const b = await trainProbe(Float64Array.from(x32), c.n_train, c.d, Int32Array.from(c.y_train), c.classes, { c: c.c, threads: 2 });
    expect(b.weights).toEqual(a.weights);
    expect(b.bias).toEqual(a.bias);
    expect(b.iterations).toBe(a.iterations);
  });

  it('refuses bad input with a reason', async () => {
    const c = cases[0];
    const x = Float32Array.from(c.x_train);
    const bad = [...c.y_train];
    bad[5] = 7;
    await expect(trainProbe(x, c.n_train, c.d, bad, c.classes)).rejects.toThrow(/label 7 of sample 5/);
    await expect(trainProbe(x, c.n_train, c.d, bad, c.classes)).rejects.toBeInstanceOf(InputError);
    await expect(trainProbe(x, c.n_train, c.d, c.y_train, 4)).rejects.toThrow(/class 3 has no samples/);
    await expect(trainProbe(x, c.n_train + 1, c.d, c.y_train, c.classes)).rejects.toBeInstanceOf(InputError);
    await expect(trainProbe(x, c.n_train, c.d, c.y_train.slice(1), c.classes)).rejects.toThrow(/labels for/);
    await expect(trainProbe(x, c.n_train, c.d, c.y_train, c.classes, { c: -1 })).rejects.toThrow(/C must be/);
    const nan = x.slice();
    nan[c.d + 2] = NaN;
    await expect(trainProbe(nan, c.n_train, c.d, c.y_train, c.classes)).rejects.toThrow(/row 1, column 2 is NaN/);
    const model = await trainProbe(x, c.n_train, c.d, c.y_train, c.classes);
    await expect(evaluateProbe(model, x.subarray(0, c.d * 2 + 1), [0, 1])).rejects.toThrow(/rows of 16/);
  });

  it('reports progress and honours an AbortSignal', async () => {
    const c = cases[1];
    const seen: [string, number, number][] = [];
    const m = await trainProbe(Float32Array.from(c.x_train), c.n_train, c.d, c.y_train, c.classes, {
      c: c.c,
      tol: 1e-10,
      onProgress: (s, d, t) => seen.push([s, d, t]),
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(seen[0]).toEqual(['probe', 10, 1000]);
    expect(seen.at(-1)).toEqual(['probe', m.iterations, m.iterations]);

    const x = Float32Array.from(c.x_train);
    await expect(trainProbe(x, c.n_train, c.d, c.y_train, c.classes, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError);
    // DTD-sized training (47 classes × 120 in R^512, to tol 0) is stopped part-way.
    const big = clustered(47, 120, 512, 3);
    const controller = new AbortController();
    const started = Date.now();
    const run = trainProbe(big.x, 47 * 120, 512, big.labels, 47, { tol: 0, signal: controller.signal, threads: 1 });
    setTimeout(() => controller.abort(), 50);
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

/** Seeded clustered unit vectors (a tiny LCG: no dependencies). */
function clustered(k: number, per: number, d: number, seed: number) {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, rand));
  const x = new Float32Array(k * per * d);
  for (let i = 0; i < k * per; i++) {
    const row = x.subarray(i * d, (i + 1) * d);
    centres[Math.floor(i / per)].forEach((v, j) => (row[j] = v + 0.8 * rand()));
    const norm = Math.hypot(...row);
    row.forEach((v, j) => (row[j] = v / norm));
  }
  return { x, labels: Int32Array.from({ length: k * per }, (_, i) => Math.floor(i / per)) };
}
