/**
 * The study's written findings on data where the answer is known: a "noise" level that only shrinks the
 * cloud (every embedding moved towards the centroid by the same factor) must read as a change of size with
 * the shape unchanged after normalising; a level that really changes the shape must not.
 */
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { StepCache } from '../src/analysis/cache.js';
import { studyDiagrams } from '../src/analysis/diagrams.js';
import { diagramDistances } from '../src/analysis/distances.js';
import type { LevelEmbeddings } from '../src/analysis/embeddings.js';
import { findings } from '../src/analysis/findings.js';
import { crossMatrix, knnPreservation, neighbourhoods, rtd } from '../src/analysis/paired.js';
import { cloudScale } from '../src/analysis/scale.js';
import { saturation } from '../src/analysis/topology.js';
import type { EmbeddedDataset } from '../src/clip/pipeline.js';
import { tempDir } from './helpers/cli.js';
import { sampleReportInput } from './helpers/report-sample.js';
import { rng } from './helpers/rng.js';

const D = 6;
const CLASSES = ['a', 'b', 'c'];
const PER = 24;

/** Three noisy circles in R^6, one per class, in planes apart from each other. */
function circles(seed: number): { x: Float32Array; labels: Int32Array } {
  const r = rng(seed);
  const x = new Float32Array(CLASSES.length * PER * D);
  const labels = new Int32Array(CLASSES.length * PER);
  for (let c = 0; c < CLASSES.length; c++)
    for (let i = 0; i < PER; i++) {
      const row = c * PER + i;
      const t = (2 * Math.PI * i) / PER;
      labels[row] = c;
      for (let j = 0; j < D; j++) x[row * D + j] = 0.02 * (r() - 0.5);
      x[row * D + 2 * c] += Math.cos(t);
      x[row * D + 2 * c + 1] += Math.sin(t);
    }
  return { x, labels };
}

function level(sigma: number, x: Float32Array, labels: Int32Array): LevelEmbeddings {
  const items = Array.from(labels, (label, row) => ({ path: `/data/images/${CLASSES[label]}/${row}.jpg`, label, sha256: '0'.repeat(64), row }));
  const run = { embeddings: x, labels, manifest: { items, dim: D, count: labels.length, skipped: [] } } as unknown as EmbeddedDataset;
  return { sigma, run, where: `test σ=${sigma}` };
}

/** Every row moved towards the centroid by `f`: the same shape, `f` times the size. */
function shrink(x: Float32Array, f: number): Float32Array {
  const n = x.length / D;
  const mean = new Float64Array(D);
  for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) mean[j] += x[i * D + j] / n;
  return Float32Array.from(x, (v, k) => mean[k % D] + f * (v - mean[k % D]));
}

async function study(levels: LevelEmbeddings[]) {
  const steps = new StepCache(join(tempDir('clip-topo-findings-'), 'steps'), false);
  const run = { test: levels, dim: D, classes: CLASSES, split: 'test', root: '/data', maxdim: 1, ripsPoints: levels[0].run.labels.length, threads: 1 };
  const diagrams = await studyDiagrams({ ...run, progress: () => () => {} }, steps);
  const distances = await diagramDistances({ diagrams, sigmas: levels.map((l) => l.sigma), classes: CLASSES, maxdim: 1, labelsKey: 'k' }, steps);
  // The accuracy, angle and paired parts come from the report's sample: these questions are not under test here.
  const m = sampleReportInput({ classes: CLASSES, levels: levels.map((l) => l.sigma) }).metrics;
  m.diagrams.global = diagrams.globalInfo;
  m.distances = distances;
  return { m, diagrams, distances, answers: new Map(findings(m).map((f) => [f.id, f])) };
}

describe('findings on data where the answer is known', () => {
  it('a level that only shrinks the cloud reads as "the shape is unchanged after normalising"', async () => {
    const { x, labels } = circles(5);
    const { m, answers } = await study([level(0, x, labels), level(1, shrink(x, 0.25), labels)]);
    const g = m.diagrams.global;
    expect(g[1].scale.enclosing_radius / g[0].scale.enclosing_radius).toBeCloseTo(0.25, 5);
    // Raw distances see the shrinking …
    const h1 = m.distances.global.find((d) => d.dim === 1)!;
    expect(h1.bottleneck).toBeGreaterThan(0.1);
    // … normalised ones see nothing.
    expect(h1.normalized.bottleneck).toBeLessThan(1e-5);
    const dist = answers.get('distance')!;
    expect(dist.answer.toLowerCase()).toContain('the shape is unchanged after normalising');
    expect(dist.numbers.shape_unchanged).toBe(true);
    expect(answers.get('h1_quicker')!.answer).toMatch(/^H1 dies earlier only because the cloud shrinks/);
    // The three circles are three persistent H1 features, at both levels.
    expect(g.map((l) => l.h1_standing_out)).toEqual([3, 3]);
    expect(answers.get('persistent_h1')!.answer).toMatch(/^Some H1 bars stand out/);
  });

  it('a level that changes the shape does not', async () => {
    const { x, labels } = circles(5);
    const r = rng(9);
    // The same images scattered uniformly in a box: no circles left.
    const blob = Float32Array.from(x, () => r() - 0.5);
    const { m, answers } = await study([level(0, x, labels), level(1, blob, labels)]);
    expect(m.distances.global.find((d) => d.dim === 1)!.normalized.bottleneck).toBeGreaterThan(0.05);
    expect(answers.get('distance')!.answer).toMatch(/^The shape changes too/);
    expect(answers.get('distance')!.answer.toLowerCase()).not.toContain('unchanged');
  });
});

describe('saturation', () => {
  it('is the cost of matching everything to the diagonal, and flags a distance that reaches it', () => {
    const a: [number, number][] = [
      [0, 0.4],
      [0.1, 0.2],
    ];
    const b: [number, number][] = [[0, 0.1]];
    // Finite bars: half persistences 0.2, 0.05 and 0.05; bottleneck bound = 0.2, W1 bound = 0.3.
    const s = saturation(a, b, false, 0.2, 0.15);
    expect(s.bottleneck_all_to_diagonal).toBeCloseTo(0.2, 12);
    expect(s.wasserstein1_all_to_diagonal).toBeCloseTo(0.3, 12);
    expect(s.bottleneck_saturated).toBe(true);
    expect(s.wasserstein1_saturated).toBe(false);
    expect(s.wasserstein1_ratio).toBeCloseTo(0.5, 12);
    // Essential bars are matched among themselves (by sorted birth), never to the diagonal.
    const e = saturation([[0, Infinity]], [[0.3, Infinity]], false, 0.3, 0.3);
    expect(e.bottleneck_all_to_diagonal).toBeCloseTo(0.3, 12);
    expect(e.bottleneck_saturated).toBe(true);
  });
});

describe('paired measures', () => {
  it('k-NN preservation is 1 for the same cloud, near chance for an unrelated one', () => {
    const { x } = circles(1);
    const sets = neighbourhoods(x, D, 5);
    expect(knnPreservation(sets, shrink(x, 0.3), D).mean).toBe(1);
    const r = rng(2);
    const other = Float32Array.from(x, () => r());
    const p = knnPreservation(sets, other, D);
    expect(p.mean).toBeLessThan(0.2);
    expect(p.chance).toBeGreaterThan(0);
    expect(p.chance).toBeLessThan(0.1);
  });

  it('RTD is 0 between a cloud and itself (and its shrunk copy, after the quantile normalisation), and positive when loops differ', async () => {
    const { x } = circles(1);
    const o = { batches: 1, batchSize: 200, seed: 0, threads: 1 };
    expect((await rtd(x, x, D, o)).rtd).toBe(0);
    expect((await rtd(x, shrink(x, 0.2), D, o)).rtd).toBeLessThan(1e-5);
    const r = rng(4);
    const other = Float32Array.from(x, () => r() - 0.5);
    expect((await rtd(x, other, D, o)).rtd).toBeGreaterThan(0.5);
  });

  it('the cross matrix has the R-Cross-Barcode layout', () => {
    const w = Float64Array.from([0, 1, 2, 1, 0, 3, 2, 3, 0]);
    const wt = Float64Array.from([0, 2, 1, 2, 0, 1, 1, 1, 0]);
    const m = crossMatrix(w, wt, 3);
    const at = (i: number, j: number) => m[i * 6 + j];
    expect(at(0, 1)).toBe(0); // first copy: all at distance 0
    expect(at(0, 4)).toBe(1); // cross edge i ≤ j: w_ij
    expect(at(1, 3)).toBeGreaterThan(3); // cross edge i > j: +∞ (above every entry)
    expect(at(4, 5)).toBe(1); // second copy: min(w, w̃)
    expect(at(3, 3)).toBe(0);
    expect(at(5, 4)).toBe(at(4, 5));
  });
});

describe('cloud scale', () => {
  it('gives the enclosing radius and median distance of a known cloud', () => {
    // Four corners of a unit square: every point's farthest is the diagonal √2; distances 1,1,1,1,√2,√2.
    const s = cloudScale(Float32Array.from([0, 0, 1, 0, 0, 1, 1, 1]), 2);
    expect(s.enclosing_radius).toBeCloseTo(Math.SQRT2, 6);
    expect(s.median_distance).toBeCloseTo(1, 6);
  });
});
