import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { CancelledError, ClipTopoError, InputError, UsageError } from '../src/errors.js';
import { diagramsToRipserText, formatG } from '../src/io/diagram_file.js';
import { rips, ripsFromDistances, type Diagrams } from '../src/kernels/rips.js';
import { BIN, fixture, runCli, tempDir, writeNpy } from './helpers/cli.js';

interface Case {
  name: string;
  kind: string;
  n: number;
  d: number;
  metric: string;
  maxdim: number;
  coeff: number;
  threshold?: number;
  data: Float64Array;
  dgms: [number, number][][];
}

/** The fixture text format written by test/fixtures/rips/make_fixtures.py (values are float32 text). */
function load(path: string): Case {
  const lines = readFileSync(path, 'utf8').split('\n');
  const kv: Record<string, string> = {};
  let k = 0;
  let data = new Float64Array();
  for (; k < lines.length; k++) {
    const [key, ...rest] = lines[k].split(' ');
    if (key === 'data') {
      data = Float64Array.from(rest.filter((t) => t !== '').map((t) => Math.fround(Number(t))));
      k++;
      break;
    }
    kv[key] = rest.join(' ');
  }
  const num = (t: string) => (t === 'inf' ? Infinity : Math.fround(Number(t)));
  const dgms: [number, number][][] = [];
  while (k < lines.length && lines[k].startsWith('dim')) {
    const count = Number(lines[k].split(' ')[2]);
    const pairs: [number, number][] = [];
    for (let q = 1; q <= count; q++) {
      const [b, e] = lines[k + q].split(' ');
      pairs.push([num(b), num(e)]);
    }
    dgms.push(pairs);
    k += count + 1;
  }
  return {
    name: kv.name,
    kind: kv.kind,
    n: Number(kv.n),
    d: Number(kv.d),
    metric: kv.metric,
    maxdim: Number(kv.maxdim),
    coeff: Number(kv.coeff),
    threshold: kv.threshold === 'none' ? undefined : Math.fround(Number(kv.threshold)),
    data,
    dgms,
  };
}

const close = (a: number, b: number) =>
  Number.isFinite(a) || Number.isFinite(b) ? Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b)) + 1e-12 : a === b;

/** Multiset equality within 1e-6 relative: every reference pair matched to a distinct computed pair. */
function expectSameDiagram(got: [number, number][], want: [number, number][], what: string): void {
  expect(got.length, `${what}: number of pairs`).toBe(want.length);
  const used = new Array<boolean>(got.length).fill(false);
  for (const p of want) {
    const k = got.findIndex((g, i) => !used[i] && close(g[0], p[0]) && close(g[1], p[1]));
    expect(k, `${what}: ripser pair [${p}] missing`).toBeGreaterThanOrEqual(0);
    used[k] = true;
  }
}

const dir = fixture('rips');
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .map((f) => load(join(dir, f)));

describe('rips against ripser.py fixtures (multisets, 1e-6 relative)', () => {
  it('has the fixture set', () => expect(cases.length).toBeGreaterThanOrEqual(18));
  for (const c of cases) {
    it(`${c.name} (maxdim ${c.maxdim}, Z/${c.coeff})`, async () => {
      const opts = { maxdim: c.maxdim, coeff: c.coeff, threshold: c.threshold };
      const r: Diagrams =
        c.kind === 'points' ? await rips(c.data, { ...opts, n: c.n, d: c.d, metric: c.metric as 'euclidean' }) : await ripsFromDistances(c.data, opts);
      expect(r.diagrams.map((d) => d.dim)).toEqual([...Array(c.maxdim + 1).keys()]);
      c.dgms.forEach((want, k) => expectSameDiagram(r.diagrams[k].pairs, want, `${c.name} H${k}`));
    });
  }
});

function write(name: string, text: string): string {
  const d = tempDir();
  const p = join(d, name);
  writeFileSync(p, text);
  return p;
}

describe('clip-topo rips CLI', () => {
  it('refuses a run above --max-memory naming the flags that help', async () => {
    const pts = Array.from({ length: 300 }, (_, i) => `${Math.cos(i)},${Math.sin(i * 1.3)},${Math.cos(i * 0.7)},${Math.sin(i * 2.1)}`).join('\n');
    const r = await runCli(['rips', write('big.csv', pts + '\n'), '--maxdim', '2', '--max-memory', '1M']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--sample/);
    expect(r.stderr.trim().split('\n')).toHaveLength(2); // the estimate line, then the one error line
  });

  it('--budget estimates the exact run from pilots, and above it computes the greedy sample that fits, with its bound', async () => {
    // 400 seeded directions in R^48: no structure, so the exact H1 takes seconds; a circle of 400 takes little
    let s = 7;
    const rnd = () => {
      s = (s * 1103515245 + 12345) >>> 0;
      return (s / 2 ** 32) * 2 - 1;
    };
    const iso = Array.from({ length: 400 }, () => {
      const v = Array.from({ length: 48 }, rnd);
      const r = Math.hypot(...v);
      return v.map((a) => a / r).join(',');
    }).join('\n');
    const circle = Array.from({ length: 400 }, (_, i) => `${Math.cos(i / 63.66)},${Math.sin(i / 63.66)},${0.05 * rnd()}`).join('\n');
    const easy = write('circle.csv', circle + '\n');
    const exact = await runCli(['rips', easy]);
    const fits = await runCli(['rips', easy, '--budget', '600']);
    expect(fits.code, fits.stderr).toBe(0);
    const doc = JSON.parse(fits.stdout);
    expect(doc.diagrams).toEqual(JSON.parse(exact.stdout).diagrams);
    expect(doc.fallback).toBeUndefined();
    expect(doc.sample).toBeUndefined();
    expect(doc.estimate.points).toBe(400);
    expect(doc.estimate.pilot_points).toEqual(expect.arrayContaining([50, 100]));
    expect(doc.measured.of).toBe('the exact run');
    expect(fits.stderr).toMatch(/estimate of the exact run on 400 points: [\d.]+ s, [\d.]+ MB \(pilot runs on [\d, ]+ random points/);
    expect(fits.stderr).toMatch(/measured: [\d.]+ s, [\d.]+ MB/);

    const hard = await runCli(['rips', write('iso.csv', iso + '\n'), '--budget', '0.3']);
    expect(hard.code, hard.stderr).toBe(0);
    const h = JSON.parse(hard.stdout);
    expect(h.fallback).toMatch(/^the exact diagram of all 400 points is estimated at .* above the budget of 0.30 s/);
    expect(h.sample.n).toBeLessThan(400);
    expect(h.n).toBe(h.sample.n);
    expect(h.sample.guarantee).toMatch(/≤ 2 × Hausdorff radius/);
    expect(hard.stderr).toMatch(/budget: the exact diagram of all 400 points/);
    expect(hard.stderr).toMatch(/measured \(the sample\)/);
    // unit directions are all about √2 apart: the sample is as far from the rest, and the CLI says the bound is empty
    expect(hard.stderr).toMatch(/does not constrain the diagrams of all points/);
    expect(h.sample.guarantee).toMatch(/does not constrain the diagrams of all points/);
    expect((await runCli(['rips', easy, '--budget', '0'])).stderr).toMatch(/--budget.*not a positive number/);
  });

  it('writes clip-topo/diagrams@1 JSON and Ripser text', async () => {
    const csv = write('square.csv', '0,0\n1,0\n1 1\n0\t1\n');
    const r = await runCli(['rips', csv]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.format).toBe('clip-topo/diagrams@1');
    expect(doc.metric).toBe('euclidean');
    expect(doc.maxdim).toBe(1);
    expect(doc.threshold).toBeCloseTo(Math.SQRT2, 6);
    expect(doc.diagrams[0].pairs).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
      [0, null],
    ]);
    expect(doc.diagrams[1].pairs).toEqual([[1, Math.fround(Math.SQRT2)]]);
    expect(r.stderr).toMatch(/memory estimate/);
    const t = await runCli(['rips', csv, '--format', 'ripser']);
    expect(t.stdout).toBe('persistence intervals in dim 0:\n [0,1)\n [0,1)\n [0,1)\n [0, )\npersistence intervals in dim 1:\n [1,1.41421)\n');
  });

  it('reads a lower-triangular distance matrix', async () => {
    const csv = write('d.csv', '1\n1.5 1\n1 1.5 1\n');
    const r = await runCli(['rips', csv, '--distance-matrix', '--threshold', '10']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).diagrams[1].pairs).toEqual([[1, 1.5]]);
  });

  const bad: [string, string, string[], number, RegExp][] = [
    ['NaN', '0,0\n1,1\nnan,2\n', [], 1, /:3: value "nan" is not finite/],
    ['Inf', '0,0\n1,inf\n', [], 1, /:2: value "inf" is not finite/],
    ['ragged rows', '0,0\n1,1\n1,2,3\n', [], 1, /:3: 3 values, but line 1 has 2/],
    ['non-numeric token', '0,0\n1,abc\n', [], 1, /:2: "abc" is not a number/],
    ['empty file', '\n\n', [], 1, /empty file/],
    ['maxdim > 3', '0,0\n1,1\n', ['--maxdim', '4'], 2, /not an integer in 0–3/],
    ['non-prime coefficient', '0,0\n1,1\n', ['--coeff', '4'], 2, /not a prime/],
    ['distance matrix not square', '0,1,2\n1,0\n', ['--distance-matrix'], 1, /not a square distance matrix/],
    ['distance matrix not symmetric', '0,1,2\n1,0,3\n2,3.5,0\n', ['--distance-matrix'], 1, /not symmetric/],
  ];
  for (const [what, text, args, code, msg] of bad) {
    it(`bad input: ${what} → one clear line, exit ${code}`, async () => {
      const r = await runCli(['rips', write('x.csv', text), ...args]);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(msg);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

/** Uniform unit vectors in R^512 from a seeded generator (Box–Muller on an LCG). */
function sphere(n: number, d: number, seed = 1): Float32Array {
  let s = BigInt(seed);
  const u = () => {
    s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return (Number(s >> 11n) + 0.5) / 2 ** 53;
  };
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let nrm = 0;
    const row = new Float64Array(d);
    for (let k = 0; k < d; k++) {
      row[k] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
      nrm += row[k] * row[k];
    }
    for (let k = 0; k < d; k++) x[i * d + k] = row[k] / Math.sqrt(nrm);
  }
  return x;
}

describe('hard case: uniform unit vectors in R^512, N = 500', () => {
  const x = sphere(500, 512);
  const npy = writeNpy(tempDir(), 'sphere.npy', x, [500, 512]);

  it('the exact run reports progress and stops promptly on an AbortSignal', async () => {
    const ac = new AbortController();
    const stages = new Set<string>();
    const t0 = Date.now();
    const run = rips(x, {
      d: 512,
      onProgress: (s) => {
        stages.add(s);
        if (s === 'H1') setTimeout(() => ac.abort(), 300);
      },
      signal: ac.signal,
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(stages.has('H1')).toBe(true);
    expect(Date.now() - t0).toBeLessThan(20000);
  }, 30000);

  // Windows has no SIGINT to send: child.kill('SIGINT') ends the process outright (exit code null).
  it.skipIf(process.platform === 'win32')(
    'the CLI prints its estimate in exact mode and exits 130 on SIGINT',
    async () => {
      const child = spawn(process.execPath, [BIN, 'rips', npy], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      const code = await new Promise<number | null>((resolve) => {
        child.stderr.on('data', (b: Buffer) => {
          err += b.toString();
          if (/memory estimate/.test(err)) setTimeout(() => child.kill('SIGINT'), 500);
        });
        child.on('exit', (c) => resolve(c));
      });
      expect(err).toMatch(/500 points, maxdim 1: memory estimate [\d.]+ MB/);
      expect(code).toBe(130);
    },
    30000,
  );

  // Windows has no SIGINT to send: child.kill('SIGINT') ends the process outright (exit code null).
  it.skipIf(process.platform === 'win32')(
    '--approx warns before the reduction that it kept almost every edge, and stops on SIGINT',
    async () => {
      const child = spawn(process.execPath, [BIN, 'rips', npy, '--approx', '0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      const code = await new Promise<number | null>((resolve) => {
        child.stderr.on('data', (b: Buffer) => {
          err += b.toString();
          if (/warning: the approximation kept/.test(err)) setTimeout(() => child.kill('SIGINT'), 300);
        });
        child.on('exit', (c) => resolve(c));
      });
      expect(err).toMatch(/kept 100% of the edges.*--sample/);
      expect(code).toBe(130);
    },
    30000,
  );

  it('--sample finishes within 60 s and states the Hausdorff radius', async () => {
    const t0 = Date.now();
    const r = await runCli(['rips', npy, '--sample', '200']);
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(60000);
    expect(r.stderr).toMatch(/sample of 200 of 500 points, Hausdorff radius [\d.]+/);
    const doc = JSON.parse(r.stdout);
    expect(doc.sample.n).toBe(200);
    expect(doc.sample.hausdorff_radius).toBeGreaterThan(0);
    // uniform unit vectors: the 200-point sample is ~1.34 from the rest, the bound 2.68 above the threshold 1.47
    expect(doc.sample.guarantee).toBe(
      `bottleneck distance to the diagrams of all points ≤ 2 × Hausdorff radius = ${2 * doc.sample.hausdorff_radius} — not less than the threshold ${doc.threshold}, so it does not constrain the diagrams of all points`,
    );
    expect(r.stderr).toMatch(/bottleneck distance to the diagrams of all points ≤ 2 × Hausdorff radius/);
  }, 70000);
});

describe('guard rails and formats', () => {
  it('refuses above maxMemory with a suggestion', async () => {
    const x = sphere(300, 8, 3);
    const err = await rips(x, { d: 8, maxdim: 2, maxMemory: 1 << 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClipTopoError);
    expect((err as ClipTopoError).code).toBe('ERR_TOO_LARGE');
    expect((err as Error).message).toMatch(/sample = n.*approx = ε/);
  });

  it('stops a reduction that outgrows maxMemory though the coarse estimate let it start, with what to do', async () => {
    // 300 unit vectors in R^64: the reduction's fill-in is most of the memory, the coarse estimate has none of it
    const x = sphere(300, 64, 5);
    const exact = await rips(x, { d: 64 });
    const limit = Math.floor((exact.memoryEstimate + exact.cost.bytes) / 2);
    expect(exact.cost.bytes).toBeGreaterThan(1.25 * exact.memoryEstimate);
    const err = await rips(x, { d: 64, maxMemory: limit }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClipTopoError);
    expect((err as ClipTopoError).code).toBe('ERR_TOO_LARGE');
    expect((err as Error).message).toMatch(/the reduction of H1 held [\d.]+ MB, above the memory limit of [\d.]+ MB; .*sample = n/);
    // the CLI names its flags, the budget among them
    const npy = writeNpy(tempDir(), 'fill.npy', x, [300, 64]);
    const r = await runCli(['rips', npy, '--max-memory', String(limit)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/the reduction of H1 held .*--budget/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a length that fits both a square and a lower triangle (36 = 6² = 9·8/2) is read by its diagonal', async () => {
    // 9 points on a line at 0, 1, …, 8: the strict lower triangle has 36 positive values, as a 6×6 square would.
    const tri: number[] = [];
    for (let i = 1; i < 9; i++) for (let j = 0; j < i; j++) tri.push(i - j);
    expect(tri.length).toBe(36);
    const t = await ripsFromDistances(Float64Array.from(tri));
    expect(t.n).toBe(9);
    expect(t.diagrams[0].pairs.length).toBe(9);
    // A real 6×6 matrix (zero diagonal) is still a square.
    const sq: number[] = [];
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) sq.push(Math.abs(i - j));
    expect((await ripsFromDistances(Float64Array.from(sq))).n).toBe(6);
  });

  it('rescales distances beyond float32 by a power of two and refuses spans float32 cannot hold', async () => {
    // the unit square's distance matrix times 1e200: in float32 alone every distance would be ∞
    const s = Math.SQRT2;
    const square = [0, 1, s, 1, 1, 0, 1, s, s, 1, 0, 1, 1, s, 1, 0];
    const c = 1e200;
    const r = await ripsFromDistances(Float64Array.from(square, (v) => v * c));
    expectSameDiagram(
      r.diagrams[0].pairs,
      [
        [0, c],
        [0, c],
        [0, c],
        [0, Infinity],
      ],
      'H0 × 1e200',
    );
    expectSameDiagram(r.diagrams[1].pairs, [[c, s * c]], 'H1 × 1e200');
    expect(Number.isInteger(Math.log2(r.scale ?? Number.NaN))).toBe(true);
    expect((await ripsFromDistances(Float64Array.from(square))).scale).toBeUndefined();
    const err = await rips(Float64Array.from([0, 1e-200, 1e200]), { d: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/^points: positive distances range from 1\.000e-200 \(rows 1 and 2\).*float32/);
  });

  it('a thread count of millions is refused at once (building that pool used to hang)', async () => {
    const c = cases.find((k) => k.name === 'circle_r3')!;
    const t0 = Date.now();
    const err = await rips(c.data, { d: 3, threads: 100_000_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/threads: 100000000 is above the supported maximum 1024/);
    const dir = tempDir();
    const csv = join(dir, 'pts.csv');
    writeFileSync(csv, '0,0\n1,0\n0,1\n');
    const cli = await runCli(['rips', csv, '--threads', '100000000'], { timeout: 20_000 });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/"100000000" is more than 1024 threads/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('approx states its (1+ε) guarantee', async () => {
    const c = cases.find((k) => k.name === 'circle_r3')!;
    const r = await rips(c.data, { d: 3, approx: 0.2 });
    expect(r.approx?.guarantee).toMatch(/\(1\+ε\)/);
    expect(r.approx!.keptFraction).toBeLessThan(1);
  });

  it('cycles: the top bar of a circle has a loop winding once; a bad count is a one-line UsageError', async () => {
    const n = 60;
    const x = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const t = (2 * Math.PI * i) / n;
      const r = 1 + 0.05 * Math.sin(7 * i);
      x[2 * i] = r * Math.cos(t);
      x[2 * i + 1] = r * Math.sin(t);
    }
    const r = await rips(x, { d: 2, cycles: 2 });
    // one per finite H1 bar, at most the two asked for
    expect(r.cycles).toHaveLength(Math.min(2, r.diagrams[1].pairs.filter((p) => Number.isFinite(p[1])).length));
    const top = r.cycles![0];
    expect(top.computed).toBe(true);
    expect(r.diagrams[1].pairs).toContainEqual([top.birth, top.death]);
    let turn = 0;
    const loop = top.loops[0];
    for (let k = 0; k < loop.length; k++) {
      const [a, b] = [loop[k], loop[(k + 1) % loop.length]];
      let dt = Math.atan2(x[2 * b + 1], x[2 * b]) - Math.atan2(x[2 * a + 1], x[2 * a]);
      if (dt > Math.PI) dt -= 2 * Math.PI;
      if (dt <= -Math.PI) dt += 2 * Math.PI;
      turn += dt;
    }
    expect(Math.abs(Math.abs(turn) / (2 * Math.PI) - 1)).toBeLessThan(1e-9);
    // every edge exists at the birth
    for (const [a, b] of top.edges)
      expect(Math.fround(Math.sqrt((x[2 * a] - x[2 * b]) ** 2 + (x[2 * a + 1] - x[2 * b + 1]) ** 2))).toBeLessThanOrEqual(top.birth);
    expect((await rips(x, { d: 2 })).cycles).toBeUndefined();
    for (const bad of [-1, 1.5, Number.NaN]) {
      const err = await rips(x, { d: 2, cycles: bad }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toMatch(/^cycles .* is not a non-negative integer$/);
      expect((err as Error).message.split('\n')).toHaveLength(1);
    }
    const z3 = await rips(x, { d: 2, cycles: 1, coeff: 3 }).catch((e: unknown) => e);
    expect(z3).toBeInstanceOf(UsageError);
  });

  it('formats numbers as C++ iostreams do', () => {
    // biome-ignore lint/suspicious/noApproximativeNumericConstant: a value with more digits than %g prints, not √2
    expect([formatG(0), formatG(1), formatG(1.41421356), formatG(1234567), formatG(0.0000123)]).toEqual(['0', '1', '1.41421', '1.23457e+06', '1.23e-05']);
    expect(diagramsToRipserText({ diagrams: [{ dim: 0, pairs: [[0, Infinity]] }] } as Diagrams)).toBe('persistence intervals in dim 0:\n [0, )\n');
  });
});
