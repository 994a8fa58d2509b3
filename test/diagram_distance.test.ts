import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { InputError, UsageError } from '../src/errors.js';
import { parseDiagramJson, parseDiagramText } from '../src/io/diagram_file.js';
import { bottleneck, wasserstein } from '../src/kernels/diagram_distance.js';
import { fixture, runCli, tempDir } from './helpers/cli.js';

/** Fixtures made by test/fixtures/diagram_distance/make_fixtures.py (GUDHI 3.13, hera, scipy). */
interface Case {
  name: string;
  a: number[];
  b: number[];
  cgal: number;
  hera: number;
  wasserstein: Array<[number, number, number]>;
}

const num = (s: string) => (s === 'inf' ? Infinity : Number(s));

function cases(): Case[] {
  const text = readFileSync(fixture('diagram_distance', 'fixtures.txt'), 'utf8');
  const out: Case[] = [];
  let cur: Case | null = null;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[0] === 'case') cur = { name: f[1], a: [], b: [], cgal: 0, hera: 0, wasserstein: [] };
    else if (f[0] === 'a') cur!.a.push(num(f[1]), num(f[2]));
    else if (f[0] === 'b') cur!.b.push(num(f[1]), num(f[2]));
    else if (f[0] === 'bottleneck_cgal') cur!.cgal = num(f[1]);
    else if (f[0] === 'bottleneck_hera') cur!.hera = num(f[1]);
    else if (f[0] === 'wasserstein') cur!.wasserstein.push([num(f[1]), num(f[2]), num(f[3])]);
    else if (f[0] === 'end') out.push(cur!);
  }
  return out;
}

const close = (x: number, y: number, tol: number) => (!Number.isFinite(x) || !Number.isFinite(y) ? x === y : Math.abs(x - y) <= tol * Math.max(1, Math.abs(y)));

describe('diagram distances against GUDHI/hera/scipy fixtures', () => {
  const all = cases();
  it('has the fixtures', () => expect(all.length).toBeGreaterThanOrEqual(15));

  it('bottleneck equals hera (delta = 0) to 1e-9, and its matching attains it', async () => {
    for (const c of all) {
      const r = await bottleneck(Float64Array.from(c.a), Float64Array.from(c.b), { matching: true });
      expect(close(r.distance, c.hera, 1e-9), `${c.name}: ${r.distance} vs ${c.hera}`).toBe(true);
      const max = Math.max(0, ...r.matching!.map((m) => m.cost));
      expect(max).toBe(r.distance);
      expect(r.matching!.length).toBeGreaterThanOrEqual(Math.max(c.a.length, c.b.length) / 2);
    }
  });

  it('Wasserstein is within delta of the exact Hungarian value, and exact with delta = 0', async () => {
    for (const c of all) {
      for (const [p, q, want] of c.wasserstein) {
        const a = Float64Array.from(c.a);
        const b = Float64Array.from(c.b);
        const exact = await wasserstein(a, b, { p, internalP: q, delta: 0 });
        expect(close(exact.distance, want, 1e-9), `${c.name} p=${p} q=${q}`).toBe(true);
        const r = await wasserstein(a, b, { p, internalP: q, delta: 0.01 });
        if (!Number.isFinite(want)) expect(r.distance).toBe(Infinity);
        else expect(r.distance >= want * (1 - 1e-12) && r.distance <= want * 1.01 + 1e-12, `${c.name}`).toBe(true);
      }
    }
  });
});

describe('JS API', () => {
  it('accepts nested pairs with null deaths and reports ignored essential points', async () => {
    const a: Array<[number, number | null]> = [
      [0, null],
      [0.1, 0.5],
    ];
    const b: Array<[number, number | null]> = [[0.1, 0.45]];
    expect((await bottleneck(a, b)).distance).toBe(Infinity);
    const r = await bottleneck(a, b, { ignoreEssential: true });
    expect(r.ignoredEssential).toBe(true);
    expect(r.distance).toBeCloseTo(0.05, 15);
    expect(r.attaining).toEqual({ a: 1, b: 0, cost: r.distance });
    const w = await wasserstein(a, b, { ignoreEssential: true, matching: true, delta: 0 });
    expect(w.matching).toEqual([{ a: 1, b: 0, cost: w.distance }]);
  });

  it('gives exactly 0 for identical diagrams and handles empty ones', async () => {
    const d = Float64Array.from([0.1, 0.4, 0.2, 0.9, 0.2, 0.9, 0.5, Infinity]);
    expect((await bottleneck(d, d)).distance).toBe(0);
    expect((await wasserstein(d, d, { p: 2 })).distance).toBe(0);
    expect((await bottleneck(new Float64Array(), new Float64Array())).distance).toBe(0);
    expect((await wasserstein([[1, 3]], [])).distance).toBe(1);
  });

  it('rejects bad input with one clear error', async () => {
    await expect(bottleneck([[Number.NaN, 1]], [])).rejects.toThrow(/NaN/);
    await expect(bottleneck([[0.5, 0.2]], [])).rejects.toThrow(/death < birth/);
    await expect(bottleneck([], [[0, -Infinity]])).rejects.toThrow(/-inf/);
    await expect(bottleneck(Float64Array.from([1, 2, 3]), [])).rejects.toBeInstanceOf(InputError);
    await expect(wasserstein([], [], { p: 0.5 })).rejects.toBeInstanceOf(UsageError);
    await expect(bottleneck([], [], { delta: -1 })).rejects.toBeInstanceOf(UsageError);
  });

  it('can be cancelled', async () => {
    const c = new AbortController();
    c.abort();
    await expect(bottleneck([[0, 1]], [], { signal: c.signal })).rejects.toMatchObject({ code: 'ERR_CANCELLED' });
  });
});

describe('diagram files', () => {
  it('reads text with inf and comments', () => {
    const d = parseDiagramText('# h1\n0 1\n0.5 inf\n\n0.25  0.75\n', 'x.txt');
    expect(Array.from(d.pairs)).toEqual([0, 1, 0.5, Infinity, 0.25, 0.75]);
  });

  it('names the line of a bad value', () => {
    expect(() => parseDiagramText('0 1\n0 1 2\n', 'x.txt')).toThrow('x.txt line 2: expected two numbers');
    expect(() => parseDiagramText('0 1\n0 abc\n', 'x.txt')).toThrow('x.txt line 2: "abc" is not a number');
    expect(() => parseDiagramText('nan 1\n', 'x.txt')).toThrow('x.txt line 1: NaN');
    expect(() => parseDiagramText('0 -inf\n', 'x.txt')).toThrow('x.txt line 1: death -inf');
    expect(() => parseDiagramText('\n\n1 0.5\n', 'x.txt')).toThrow('x.txt line 3: death 0.5 < birth 1');
  });

  it('selects a dimension from diagram JSON and insists on --dim when there are several', () => {
    const doc = JSON.stringify({
      diagrams: [
        {
          dim: 0,
          pairs: [
            [0, null],
            [0, 0.5],
          ],
        },
        { dim: 1, pairs: [[0.2, 0.3]] },
      ],
    });
    expect(Array.from(parseDiagramJson(doc, 'd.json', 0).pairs)).toEqual([0, Infinity, 0, 0.5]);
    expect(Array.from(parseDiagramJson(doc, 'd.json', 1).pairs)).toEqual([0.2, 0.3]);
    expect(() => parseDiagramJson(doc, 'd.json')).toThrow(/choose one dimension/);
    expect(() => parseDiagramJson(doc, 'd.json', 2)).toThrow(/no diagram/);
    expect(() => parseDiagramJson('{"dim":1,"pairs":[[0.3,0.2]]}', 'e.json')).toThrow(/pair 0: death 0.2 < birth 0.3/);
  });
});

describe('clip-topo distance', () => {
  const dir = tempDir('clip-topo-dd-');
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const a = file('a.txt', '0 1\n0.2 0.5\n0 inf\n');
  const b = file('b.txt', '0 0.9\n0.1 inf\n');
  const multi = file(
    'm.json',
    JSON.stringify({
      diagrams: [
        {
          dim: 0,
          pairs: [
            [0, null],
            [0, 0.5],
          ],
        },
        { dim: 1, pairs: [[0.2, 0.3]] },
      ],
    }),
  );

  it('prints the number alone', async () => {
    const r = await runCli(['distance', a, b]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('0.15\n');
  });

  it('prints JSON with the matching', async () => {
    const r = await runCli(['distance', a, b, '--metric', 'wasserstein', '--delta', '0', '--matching', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ metric: 'wasserstein', p: 1, delta: 0, ignored_essential: false });
    expect(doc.distance).toBeCloseTo(0.1 + 0.15 + 0.1, 12);
    expect(doc.matching).toContainEqual([2, 1, 0.1]);
  });

  it('reports bad input in one line', async () => {
    const cases: Array<[string[], RegExp, number]> = [
      [[file('nan.txt', '0 1\nnan 2\n'), b], /nan.txt line 2: NaN/, 1],
      [[file('rev.txt', '0 1\n0.5 0.25\n'), b], /rev.txt line 2: death 0.25 < birth 0.5/, 1],
      [[file('neg.txt', '0 -inf\n'), b], /neg.txt line 1: death -inf/, 1],
      [[file('bad.txt', '0 1\n0.1\n'), b], /bad.txt line 2: expected two numbers/, 1],
      [[multi, b], /choose one dimension/, 2],
    ];
    for (const [args, re, code] of cases) {
      const r = await runCli(['distance', ...args]);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const ok = await runCli(['distance', multi, multi, '--dim', '1']);
    expect(ok.stdout).toBe('0\n');
  });
});
