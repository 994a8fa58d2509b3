/**
 * `analyze` end to end on a small synthetic DTD-layout set with the tiny test model: its numbers agree
 * with the single-purpose commands, hostile files are skipped without losing results, reruns reuse the
 * cache, concurrent runs on one cache both succeed, and an interrupted run resumes.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import type { AnalysisMetrics } from '../src/analysis/types.js';
import { analyze } from '../src/analyze.js';
import { readTemplates } from '../src/clip/pipeline.js';
import { parseNpy } from '../src/io/npy.js';
import { synthSet } from './helpers/synth-set.js';
import { BIN, fixture, ROOT, runCli, tempDir } from './helpers/cli.js';
import { bombPng } from './helpers/hostile.js';

const TINY = join(ROOT, 'models', 'tiny-random');
const CLASSES = ['banded', 'chequered', 'dotted', 'grid', 'striped', 'zigzagged'];
const ARGS = ['--model', TINY, '--rips-points', '12', '--sample-classes', '3', '--noise', '0.5,2', '--threads', '1'];

let dataset: string;

function readMetrics(out: string): AnalysisMetrics {
  return JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as AnalysisMetrics;
}

/** metrics.json without what legitimately differs between runs. */
function stable(m: AnalysisMetrics): Record<string, unknown> {
  const { created: _c, timings: _t, cache: _k, inputs, ...rest } = m;
  const { out: _o, cache: _i, ...inp } = inputs as Record<string, unknown>;
  return { ...rest, inputs: inp };
}

/**
 * The representative cycles of a run: one per most persistent H1 bar (up to 5, in decreasing persistence), each
 * a bar of the level's diagram file, a Z/2 cycle (even degrees) whose longest edge is the birth, on split rows
 * (of the Rips sample when sampled), with its images' paths and classes as files.csv gives them.
 */
function expectCycles(out: string, m: AnalysisMetrics) {
  const files = readFileSync(join(out, 'files.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  const test = files.filter((f) => f[0] === m.dataset.split);
  const sample = new Set(readNpy1(join(out, 'embeddings', 'rips_sample_indices.npy')));
  const X = readNpy1(join(out, 'embeddings', `${m.dataset.split}_clean.npy`));
  let any = 0;
  for (const g of m.diagrams.global) {
    const h1 = (JSON.parse(readFileSync(join(out, g.file), 'utf8')).diagrams[1].pairs as [number, number | null][]).filter((p) => p[1] !== null) as [
      number,
      number,
    ][];
    const top = h1
      .map(([b, d]) => d - b)
      .sort((a, b) => b - a)
      .slice(0, 5);
    expect(g.cycles.map((c) => c.persistence)).toEqual(top.map((t) => expect.closeTo(t, 6)));
    for (const c of g.cycles) {
      any++;
      expect(c.computed, c.reason).toBe(true);
      expect(h1.some(([b, d]) => Math.abs(b - c.birth) < 1e-6 && Math.abs(d - c.death) < 1e-6)).toBe(true);
      const degree = new Map<number, number>();
      for (const [a, b] of c.edges) for (const v of [a, b]) degree.set(v, (degree.get(v) ?? 0) + 1);
      expect([...degree.values()].every((k) => k % 2 === 0)).toBe(true);
      for (const v of degree.keys()) expect(sample.has(v), `row ${v} in the Rips sample`).toBe(true);
      const dim = m.model.embed_dim;
      const len = ([a, b]: [number, number]) => Math.hypot(...Array.from({ length: dim }, (_, k) => X[a * dim + k] - X[b * dim + k]));
      if (g.sigma === 0) expect(Math.max(...c.edges.map(len))).toBeCloseTo(c.birth, 5);
      expect(c.loops.flat().sort((a, b) => a - b)).toEqual([...degree.keys()].sort((a, b) => a - b));
      for (const im of c.images) expect(test[im.row].slice(1, 4)).toEqual([String(im.row), im.path, im.class]);
      expect(c.classes.reduce((s, x) => s + x.images, 0)).toBe(degree.size);
    }
  }
  expect(any, 'some level has an H1 bar').toBeGreaterThan(0);
}

function readNpy1(path: string): number[] {
  return Array.from(parseNpy(readFileSync(path), path).data as ArrayLike<number>, Number);
}

beforeAll(async () => {
  dataset = await synthSet({ prefix: 'clip-topo-analyze-data-', classes: CLASSES, perClass: 15, size: 64, seed: 3 });
}, 60_000);

describe('analyze', () => {
  let out: string;
  let m: AnalysisMetrics;

  beforeAll(async () => {
    out = join(tempDir(), 'report');
    const r = await runCli(['analyze', '--dataset', dataset, '--out', out, ...ARGS]);
    expect(r.stderr).toMatch(/plan: 6 classes; embed 30 images × 3 levels \+ 30 clean train images/);
    expect(r.code, r.stderr).toBe(0);
    m = readMetrics(out);
  }, 120_000);

  it('writes a metrics.json with every section the schema names', () => {
    for (const k of ['schema', 'model', 'dataset', 'noise', 'accuracy', 'loss', 'angles', 'diagrams', 'distances', 'correlation', 'timings'])
      expect(m).toHaveProperty(k);
    expect(m.schema).toBe('clip-topo/analysis@2');
    expect(m.noise.levels).toEqual([0, 0.5, 2]);
    expect(m.dataset.classes).toEqual(CLASSES);
    expect(m.dataset.counts).toEqual([5, 5, 5, 5, 5, 5]);
    expect(m.accuracy.zeroshot!.map((z) => z.sigma)).toEqual([0, 0.5, 2]);
    expect(m.accuracy.zeroshot![0].confusion.flat().reduce((a, b) => a + b, 0)).toBe(30);
    expect(m.accuracy.probe?.map((z) => z.sigma)).toEqual([0, 0.5, 2]);
    expect(m.accuracy.probe_settings).toMatchObject({ converged: true, train_images: 30 });
    expect(m.loss).toHaveLength(3);
    for (const l of m.loss) expect(l.batches).toBe(5);
    expect(m.maps.map((x) => `${x.method}/${x.subset}`)).toEqual(['tsne/all', 'umap/all', 'tsne/sample', 'umap/sample', 'umap/joint']);
    expect(m.diagrams.global.map((g) => g.points)).toEqual([12, 12, 12]);
    expect(m.diagrams.global.map((g) => g.exact)).toEqual([false, false, false]);
    for (const g of m.diagrams.global) expect(g.bottleneck_bound).toBeCloseTo(2 * g.sample_radius, 12);
    for (const k of ['paired', 'findings', 'files']) expect(m).toHaveProperty(k);
    expect(m.paired.levels.map((l) => l.sigma)).toEqual([0.5, 2]);
    expectCycles(out, m);
    expect(m.distances.global).toHaveLength(4);
    expect(m.distances.per_class).toHaveLength(2 * 2 * 6);
    expect(m.correlation.length).toBeGreaterThan(0);
    expect(JSON.stringify(m)).not.toMatch(/NaN|Infinity/);
  });

  it('agrees with zeroshot, rips, distance and angles run on the same inputs', async () => {
    const zs = await runCli(['zeroshot', '--dataset', dataset, '--model', TINY, '--split', 'test', '--noise', '2', '--seed', '0', '--json', '--threads', '1']);
    expect(zs.code, zs.stderr).toBe(0);
    const z = JSON.parse(zs.stdout);
    const level = m.accuracy.zeroshot!.find((l) => l.sigma === 2)!;
    expect(z.acc1).toBeCloseTo(level.acc1, 12);
    expect(z.acc5).toBeCloseTo(level.acc5, 12);
    expect(z.mean_per_class_recall).toBeCloseTo(level.mean_per_class_recall, 12);

    const rp = await runCli(['rips', join(out, 'embeddings', 'test_clean.npy'), '--sample', '12', '--threads', '1']);
    expect(rp.code, rp.stderr).toBe(0);
    const ours = JSON.parse(readFileSync(join(out, 'diagrams', 'test_clean.json'), 'utf8'));
    const theirs = JSON.parse(rp.stdout);
    for (const dim of [0, 1]) {
      const a = ours.diagrams[dim].pairs as [number, number | null][];
      const b = theirs.diagrams[dim].pairs as [number, number | null][];
      expect(a.length).toBe(b.length);
      a.forEach((p, i) => {
        expect(p[0]).toBeCloseTo(b[i][0], 6);
        if (p[1] === null) expect(b[i][1]).toBeNull();
        else expect(p[1]).toBeCloseTo(b[i][1]!, 6);
      });
    }

    for (const dim of [0, 1]) {
      const g = m.distances.global.find((d) => d.sigma === 2 && d.dim === dim)!;
      const files = [join(out, 'diagrams', 'test_clean.json'), join(out, 'diagrams', 'test_sigma2.json'), '--dim', String(dim), '--json'];
      const bn = JSON.parse((await runCli(['distance', ...files])).stdout);
      expect(bn.distance).toBeCloseTo(g.bottleneck, 9);
      const w1 = JSON.parse((await runCli(['distance', ...files, '--metric', 'wasserstein', '--delta', '0'])).stdout);
      expect(w1.distance).toBeCloseTo(g.wasserstein1, 9);
    }

    const an = await runCli([
      'angles',
      join(out, 'embeddings', 'test_clean.npy'),
      '--labels',
      join(out, 'embeddings', 'test_clean_labels.npy'),
      '--energy',
      '0.9',
      '--threads',
      '1',
    ]);
    expect(an.code, an.stderr).toBe(0);
    const angles = JSON.parse(an.stdout);
    angles.min_angle_deg.forEach((row: number[], i: number) => row.forEach((v, j) => expect(m.angles.min_deg[i][j]).toBeCloseTo(v, 9)));
  }, 120_000);

  it('a rerun reuses every step and gives the same numbers', async () => {
    const r = await runCli(['analyze', '--dataset', dataset, '--out', out, ...ARGS]);
    expect(r.code, r.stderr).toBe(0);
    const again = readMetrics(out);
    expect(again.cache.reused).toEqual(
      expect.arrayContaining(['embeddings test clean', 'embeddings test σ=2', 'angles', 'rips-global', 'rips-classes', 'distances']),
    );
    expect(stable(again)).toEqual(stable(m));
  }, 120_000);

  it('the same seed gives the same numbers without the cache; another seed changes the noise', async () => {
    const o2 = join(tempDir(), 'report');
    const r = await runCli(['analyze', '--dataset', dataset, '--out', o2, '--no-cache', ...ARGS]);
    expect(r.code, r.stderr).toBe(0);
    const fresh = readMetrics(o2);
    expect(fresh.cache.reused).toEqual([]);
    expect(stable(fresh)).toEqual(stable(m));
    const o3 = join(tempDir(), 'report');
    const r3 = await runCli(['analyze', '--dataset', dataset, '--out', o3, '--seed', '1', ...ARGS]);
    expect(r3.code, r3.stderr).toBe(0);
    const other = readMetrics(o3);
    expect(other.accuracy.zeroshot![0]).toEqual(m.accuracy.zeroshot![0]);
    expect(other.distances.global[0].bottleneck).not.toBe(m.distances.global[0].bottleneck);
  }, 180_000);

  it('skips hostile files, lists them, and loses no other result', async () => {
    const hostile = join(tempDir(), 'hostile');
    cpSync(dataset, hostile, { recursive: true });
    const img = join(hostile, 'images');
    writeFileSync(join(img, 'banded', 'zero.jpg'), Buffer.alloc(0));
    const jpg = readFileSync(fixture('clip', 'images', 'rgb_640x451.jpg'));
    writeFileSync(join(img, 'dotted', 'truncated.jpg'), jpg.subarray(0, jpg.length >> 1));
    writeFileSync(join(img, 'grid', 'notes.jpg'), 'not a picture\n');
    writeFileSync(join(img, 'striped', 'bomb.png'), bombPng());
    appendFileSync(join(hostile, 'labels', 'test1.txt'), 'banded/zero.jpg\ndotted/truncated.jpg\ngrid/notes.jpg\ngrid/missing.jpg\nstriped/bomb.png\n');
    const o = join(tempDir(), 'report');
    const r = await runCli(['analyze', '--dataset', hostile, '--out', o, ...ARGS]);
    expect(r.code, r.stderr).toBe(0);
    const h = readMetrics(o);
    const names = h.dataset.skipped.map((s) => basename(s.path)).sort();
    expect(names).toEqual(['bomb.png', 'missing.jpg', 'notes.jpg', 'truncated.jpg', 'zero.jpg']);
    for (const s of h.dataset.skipped) expect(s.reason.length).toBeGreaterThan(3);
    const html = readFileSync(join(o, 'report.html'), 'utf8');
    for (const n of names) {
      expect(r.stderr).toContain(n);
      expect(html).toContain(n);
    }
    // The good images give exactly the clean dataset's results.
    expect(h.accuracy.zeroshot).toEqual(m.accuracy.zeroshot);
    expect(h.distances).toEqual(m.distances);
    expect(h.angles.min_deg).toEqual(m.angles.min_deg);
  }, 120_000);

  it('two runs at once on one cache both finish with the same numbers', async () => {
    const o = join(tempDir(), 'report');
    const [a, b] = await Promise.all([
      runCli(['analyze', '--dataset', dataset, '--out', o, ...ARGS]),
      runCli(['analyze', '--dataset', dataset, '--out', o, ...ARGS]),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(stable(readMetrics(o))).toEqual(stable(m));
  }, 180_000);

  // Windows has no SIGINT to send: child.kill('SIGINT') ends the process outright (exit code null).
  it.skipIf(process.platform === 'win32')(
    'Ctrl-C stops with exit 130 and the next run resumes to the same numbers',
    async () => {
      const o = join(tempDir(), 'report');
      const child = spawn(process.execPath, [BIN, 'analyze', '--dataset', dataset, '--out', o, '--batch-size', '4', ...ARGS], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('embed test σ=0.5') && !child.killed) child.kill('SIGINT');
      });
      const code = await new Promise<number | null>((res) => child.on('close', res));
      expect(code, stderr).toBe(130);
      const r = await runCli(['analyze', '--dataset', dataset, '--out', o, '--batch-size', '4', ...ARGS]);
      expect(r.code, r.stderr).toBe(0);
      const resumed = readMetrics(o);
      expect(resumed.cache.reused).toContain('embeddings test clean');
      // Batch size changes how batches are cut, not the per-image numbers.
      expect(stable({ ...resumed, inputs: { ...resumed.inputs, batch_size: 32 } })).toEqual(stable(m));
    },
    180_000,
  );

  it('an image deleted while the run goes on is skipped with its reason at every level, and the study completes (issue 21 D9)', async () => {
    const copy = join(tempDir(), 'data');
    cpSync(dataset, copy, { recursive: true });
    const gone = join(
      copy,
      'images',
      'dotted',
      readFileSync(join(copy, 'labels', 'test1.txt'), 'utf8')
        .split('\n')
        .find((l) => l.startsWith('dotted/'))!
        .slice(7),
    );
    let deleted = false;
    const messages: string[] = [];
    const r = await analyze(
      { dataset: copy, model: TINY, out: join(tempDir(), 'report'), ripsPoints: 12, sampleClasses: 3, noise: [0.5, 2], threads: 1 },
      {
        onMessage: (l) => messages.push(l),
        onProgress: (p) => {
          // The clean level has read every image: the file goes before the noisy levels read it.
          if (!deleted && p.step === 'embed test clean' && p.done === p.total) {
            rmSync(gone);
            deleted = true;
          }
        },
      },
    );
    expect(deleted).toBe(true);
    const n = r.metrics.dataset.counts.reduce((a, b) => a + b);
    expect(n).toBe(m.dataset.counts.reduce((a, b) => a + b) - 1);
    expect(r.metrics.dataset.skipped).toEqual([
      expect.objectContaining({ path: gone, reason: expect.stringMatching(/^skipped at test σ=0\.5 \(cannot read \(ENOENT\)\); left out of every level/) }),
    ]);
    expect(messages.some((l) => l.startsWith(`skipped ${gone}: skipped at test σ=0.5`))).toBe(true);
    // Every level has the same rows, and every number is a number.
    for (const a of r.metrics.accuracy.zeroshot!) expect(a.images).toBe(n);
    expect(JSON.stringify(r.metrics)).not.toMatch(/NaN/);
  }, 180_000);

  it('a class with a single test image gets warnings and skipped parts, never a lost report (issue 15)', async () => {
    const copy = join(tempDir(), 'data');
    cpSync(dataset, copy, { recursive: true });
    const list = join(copy, 'labels', 'test1.txt');
    const lines = readFileSync(list, 'utf8').split('\n').filter(Boolean);
    const dotted = lines.filter((l) => l.startsWith('dotted/'));
    writeFileSync(list, [...lines.filter((l) => !l.startsWith('dotted/')), dotted[0]].join('\n') + '\n');
    const out = join(tempDir(), 'report');
    // No --rips-points: the plan takes the whole split (exact), as by default.
    const args = ARGS.filter((a, i) => a !== '--rips-points' && ARGS[i - 1] !== '--rips-points');
    const r = await runCli(['analyze', '--dataset', copy, '--out', out, ...args]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Rips H0–H1 of all 26 images \(exact\)/);
    const one = readMetrics(out);
    expect(one.diagrams.global.map((g) => [g.points, g.exact])).toEqual([
      [26, true],
      [26, true],
      [26, true],
    ]);
    expectCycles(out, one);
    expect(readFileSync(join(out, 'files.csv'), 'utf8').split('\n')[1]).toMatch(/^test,0,images\/banded\/banded_\d+\.jpg,banded,0,[0-9a-f]{64}$/);
    expect(one.dataset.counts[CLASSES.indexOf('dotted')]).toBe(1);
    expect(one.angles.warnings.some((w) => /class 'dotted' has 1 image: it needs 2 to span a subspace/.test(w))).toBe(true);
    const d = CLASSES.indexOf('dotted');
    expect(one.angles.min_deg[d].filter((v) => v === null)).toHaveLength(CLASSES.length - 1);
    expect(one.angles.closest.length).toBeGreaterThan(0);
    expect(one.findings.map((f) => f.id)).toEqual(['accuracy', 'component', 'persistent_h1', 'h1_quicker', 'distance', 'angles', 'neighbours', 'predicts']);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<section id="timings"');
    expect(html).toContain('class &#39;dotted&#39; has 1 image');
  }, 180_000);

  it('bad input gets one clear line', async () => {
    const r = await runCli(['analyze', '--dataset', join(tempDir(), 'nope'), '--model', TINY, '--out', join(tempDir(), 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/does not exist/);
    const u = await runCli(['analyze', '--noise', '0.5,-1']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/noise level "-1"/);
  });

  it('checks every argument before the first heavy step (the synthetic set, the embeddings)', async () => {
    const out = join(tempDir(), 'x');
    // A misspelt split on the default (synthetic) set: refused before the set is made.
    const split = await runCli(['analyze', '--split', 'tset', '--out', out]);
    expect(split.code).toBe(2);
    expect(
      split.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('clip-topo:')),
    ).toEqual(["clip-topo: analyze: unknown split 'tset' for the synthetic set (DTD layout); use train, val, test, trainval, all"]);
    expect(existsSync(join(out, 'cache'))).toBe(false);
    // A missing templates file: one line naming the file, not an internal error.
    const t = await runCli(['analyze', '--templates', join(tempDir(), 'no-templates.txt'), '--out', out]);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/no-templates\.txt: cannot read the prompt templates \(no such file\)/);
    expect(t.stderr).not.toMatch(/internal error/);
    // Comments and blank lines are skipped; a template without "{}" is named by its line.
    const tpl = join(tempDir(), 'templates.txt');
    writeFileSync(tpl, '\uFEFF# DTD prompts\n\na photo of a {} texture.\n  \na {} pattern\n');
    expect(await readTemplates(tpl)).toEqual(['a photo of a {} texture.', 'a {} pattern']);
    writeFileSync(tpl, '# DTD prompts\na photo of a {} texture.\na photo of a texture\n');
    const bad = await runCli(['analyze', '--templates', tpl, '--out', out]);
    expect(bad.code).toBe(1);
    expect(
      bad.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('clip-topo:')),
    ).toEqual([`clip-topo: ${tpl}:3: the template "a photo of a texture" has no "{}" where the class name goes`]);
    writeFileSync(tpl, '# only a comment\n\n');
    await expect(readTemplates(tpl)).rejects.toThrow(/no prompt templates \(only blank or # comment lines\)/);
    expect(existsSync(join(out, 'cache'))).toBe(false);
    // An --out that is a file, lies under one, or cannot be made: one line before any work (it used to be
    // an internal error, and a path under /proc made Node's recursive mkdir spin forever).
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'x');
    for (const [o, msg] of [
      [file, /is a file, not a folder/],
      [join(file, 'sub'), /lies under the file .*a-file, not a folder/],
      ...(process.platform === 'linux' ? [['/proc/clip-topo-out', /cannot create the folder \/proc\/clip-topo-out/] as const] : []),
    ] as const) {
      const r = await runCli(['analyze', '--out', o], { timeout: 20_000 });
      expect(r.code, `${o}: ${r.stderr}`).toBe(1);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('clip-topo:')),
      ).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
    const both = await runCli(['analyze', '--rank', '3', '--energy', '0.5', '--out', out]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give --rank or --energy, not both/);
  });
});
