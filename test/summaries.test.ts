import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { readDiagramFiles } from '../src/io/diagram_file.js';
import { summarize } from '../src/kernels/summaries.js';
import { fixture, runCli, tempDir } from './helpers/cli.js';

interface Case {
  name: string;
  pairs: [number, number][];
  entropy_bits: number;
  betti_grid: number[];
  betti: number[];
  landscape_grid: number[];
  landscapes: number[][];
  image: { birth_range: [number, number]; pers_range: [number, number]; pixel_size: number; sigma: number; shape: [number, number]; values: number[] };
}

const { cases } = JSON.parse(readFileSync(fixture('summaries', 'summaries.json'), 'utf8')) as { cases: Case[] };
const flat = (pairs: [number, number][]) => Float64Array.from(pairs.flat());

describe('summarize (giotto-tda and persim fixtures)', () => {
  for (const c of cases) {
    it(`${c.name}: entropy and Betti curve exact to 1e-9, landscapes and image to 1e-6`, async () => {
      const d = { dim: 1, pairs: flat(c.pairs) };
      const s = await summarize(d, { grid: c.betti_grid });
      expect(Math.abs(s.statistics.entropy - c.entropy_bits)).toBeLessThanOrEqual(1e-9);
      expect(Array.from(s.betti)).toEqual(c.betti);
      const l = await summarize(d, {
        grid: c.landscape_grid,
        levels: 3,
        image: { birthRange: c.image.birth_range, persRange: c.image.pers_range, pixelSize: c.image.pixel_size, sigma: c.image.sigma },
      });
      const g = c.landscape_grid.length;
      c.landscapes.forEach((row, k) => row.forEach((v, j) => expect(Math.abs(l.landscapes[k * g + j] - v)).toBeLessThanOrEqual(1e-6)));
      expect(l.image.shape).toEqual(c.image.shape);
      c.image.values.forEach((v, i) => expect(Math.abs(l.image.values[i] - v)).toBeLessThanOrEqual(1e-6));
    });
  }

  it('handles an empty diagram, one bar, only essential bars and zero-length bars', async () => {
    const empty = await summarize({ dim: 1, pairs: new Float64Array() });
    expect(empty.statistics.count).toBe(0);
    expect(Number.isNaN(empty.statistics.entropy)).toBe(true);
    expect(Array.from(empty.betti).every((v) => v === 0)).toBe(true);

    const one = await summarize({ dim: 1, pairs: Float64Array.from([0.25, 0.75]) }, { grid: [0, 0.5, 1] });
    expect(one.statistics.entropy).toBe(0);
    expect(Array.from(one.betti)).toEqual([0, 1, 0]);

    const ess = { dim: 0, pairs: Float64Array.from([0, Infinity, 0.5, Infinity]) };
    expect((await summarize(ess)).statistics).toMatchObject({ count: 0, essential: 2 });
    const cut = await summarize(ess, { cut: 1, grid: [0, 0.5, 1] });
    expect(cut.statistics).toMatchObject({ count: 2, essential: 2, totalPersistence: 1.5 });
    expect(Array.from(cut.betti)).toEqual([1, 2, 0]);
    expect(cut.essential).toEqual({ cutAt: 1 });

    const zero = await summarize({ dim: 1, pairs: Float64Array.from([0.5, 0.5, 0, 1]) }, { grid: [0, 0.5, 1] });
    expect(zero.statistics).toMatchObject({ count: 2, entropy: 0, medianLifetime: 0.5 });
    expect(Array.from(zero.betti)).toEqual([1, 1, 0]);
  });
});

describe('clip-topo summarize (CLI)', () => {
  const dir = tempDir();
  const file = join(dir, 'd.json');
  writeFileSync(
    file,
    JSON.stringify({
      format: 'clip-topo/diagrams@1',
      diagrams: [
        {
          dim: 0,
          pairs: [
            [0, 0.5],
            [0, 0.25],
            [0, null],
          ],
        },
        { dim: 1, pairs: cases[0].pairs },
      ],
    }),
  );

  it('prints a table for every dimension', async () => {
    const r = await runCli(['summarize', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/H0\s+H1/);
    expect(r.stdout).toMatch(/entropy \(bits\)/);
  });

  it('--json --dim 1 gives statistics, curves and the image', async () => {
    const r = await runCli(['summarize', file, '--dim', '1', '--json', '--grid', '7', '--levels', '2']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const s = out.summaries[0];
    expect(s.dim).toBe(1);
    expect(Math.abs(s.statistics.entropy_bits - cases[0].entropy_bits)).toBeLessThan(1e-9);
    expect(s.grid.length).toBe(7);
    expect(s.landscapes.length).toBe(2);
    expect(s.image.values.length).toBe(s.image.shape[0]);
    const h0 = JSON.parse((await runCli(['summarize', file, '--dim', '0', '--json'])).stdout).summaries[0];
    expect(h0.statistics).toMatchObject({ count: 2, essential: 1 });
  });

  it('bad input: one clear line', async () => {
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, '0 1\n2 1\n');
    const r = await runCli(['summarize', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/bad\.txt line 2: death 1 < birth 2$/);
    const missing = await runCli(['summarize', file, '--dim', '3']);
    expect(missing.stderr).toMatch(/has no diagram\(s\) of dimension 3/);
    expect((await readDiagramFiles(file)).map((d) => d.dim)).toEqual([0, 1]);
  });

  it("--cut at or below an essential bar's birth is refused in one line; above it the bar counts", async () => {
    const late = join(dir, 'late.txt');
    writeFileSync(late, '0.5 1\n0.7 inf\n');
    for (const cut of ['0.1', '0.7']) {
      const r = await runCli(['summarize', late, '--cut', cut]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(new RegExp(`--cut ${cut} is not above the birth of 1 essential bar\\(s\\) \\(latest birth 0\\.7\\)`)),
      ]);
    }
    const ok = JSON.parse((await runCli(['summarize', late, '--cut', '2', '--json'])).stdout).summaries[0];
    expect(ok.statistics).toMatchObject({ count: 2, essential: 1, max_lifetime: expect.closeTo(1.3, 9) });
  });

  it('sizes that cannot be allocated are a usage error naming the flag, not an out-of-memory abort', async () => {
    for (const [flags, msg] of [
      [['--levels', '1000000000'], /--levels <k>.*"1000000000" is more than 10000 levels/],
      [['--grid', '1000000000'], /--grid <n>.*"1000000000" is more than 1000000 grid values/],
      [['--levels', '10000', '--grid', '1000000'], /--levels 10000 × --grid 1000000 is more than 50000000 landscape values/],
      [['--pixels', '100000'], /--pixels <n>.*"100000" is more than 4096 pixels a side/],
    ] as const) {
      const r = await runCli(['summarize', file, ...flags], { timeout: 10_000 });
      expect(r.code, `${flags.join(' ')}: ${r.stderr}`).toBe(2);
      // commander's usage errors add "(run with --help for usage)" on a line of its own.
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => !/^\(run with --help/.test(l)),
      ).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
  });
});
