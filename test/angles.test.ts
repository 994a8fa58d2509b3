import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { CancelledError, InputError, UsageError } from '../src/errors.js';
import { readMatrix } from '../src/io/npy.js';
import { readLabels } from '../src/io/labels.js';
import { anglesToCsv } from '../src/io/angles_file.js';
import { classSubspaceAngles, principalAngles } from '../src/kernels/angles.js';
import { fixture, runCli, tempDir, writeNpy } from './helpers/cli.js';

interface PairCase {
  name: string;
  a: { rows: number; cols: number; data: number[] };
  b: { rows: number; cols: number; data: number[] };
  scipy: number[];
  exact: number[] | null;
}
interface ClassRef {
  ranks: number[];
  spectra: { a: number; b: number; angles: number[] }[];
}

const pairs = JSON.parse(readFileSync(fixture('angles', 'angles.json'), 'utf8')) as { cases: PairCase[] };
const classes = JSON.parse(readFileSync(fixture('angles', 'classes.json'), 'utf8')) as Record<string, ClassRef> & { classes: string[] };

describe('principalAngles (scipy.linalg.subspace_angles fixtures)', () => {
  for (const c of pairs.cases) {
    it(`${c.name}: within 1e-6 rad of scipy, 1e-12 + 1e-6·θ of the exact angles`, async () => {
      const r = await principalAngles(
        { data: Float64Array.from(c.a.data), rows: c.a.rows, cols: c.a.cols },
        { data: Float64Array.from(c.b.data), rows: c.b.rows, cols: c.b.cols },
      );
      expect(r.angles.length).toBe(c.scipy.length);
      r.angles.forEach((t, i) => expect(Math.abs(t - c.scipy[i])).toBeLessThanOrEqual(1e-6));
      c.exact?.forEach((e, i) => expect(Math.abs(r.angles[i] - e)).toBeLessThanOrEqual(1e-12 + 1e-6 * e));
      if (c.name === 'samples x dims passed') expect(r.warnings.join(' ')).toMatch(/transpose/);
      else expect(r.warnings).toEqual([]);
    });
  }
});

describe('classSubspaceAngles', () => {
  const variants: [string, { center?: boolean; rank?: number; energy?: number }][] = [
    ['default', {}],
    ['no_center', { center: false }],
    ['rank_5', { rank: 5 }],
    ['energy_0.8', { energy: 0.8 }],
  ];
  for (const [key, opts] of variants) {
    it(`${key}: every pair's spectrum within 1e-6 rad of scipy`, async () => {
      const x = await readMatrix(fixture('angles', 'classes.npy'));
      const labels = await readLabels(fixture('angles', 'classes_labels.txt'));
      expect(labels.names).toEqual(classes.classes);
      const r = await classSubspaceAngles(x, labels.indices, labels.names, opts);
      const ref = classes[key];
      expect(r.ranks).toEqual(ref.ranks);
      expect(r.spectra.length).toBe(ref.spectra.length);
      r.spectra.forEach((s, p) => {
        expect([s.a, s.b]).toEqual([ref.spectra[p].a, ref.spectra[p].b]);
        expect(s.angles.length).toBe(ref.spectra[p].angles.length);
        s.angles.forEach((t, i) => expect(Math.abs(t - ref.spectra[p].angles[i])).toBeLessThanOrEqual(1e-6));
      });
    });
  }

  it('reports progress and honours an AbortSignal', async () => {
    const x = await readMatrix(fixture('angles', 'classes.npy'));
    const labels = await readLabels(fixture('angles', 'classes_labels.txt'));
    const seen: [string, number, number][] = [];
    await classSubspaceAngles(x, labels.indices, labels.names, { onProgress: (s, d, t) => seen.push([s, d, t]) });
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.at(-1)).toEqual(['angles', 15, 15]);

    const aborted = AbortSignal.abort();
    await expect(classSubspaceAngles(x, labels.indices, labels.names, { signal: aborted })).rejects.toBeInstanceOf(CancelledError);

    // A large run (47 classes of 120 in R^512) is stopped part-way.
    const big = syntheticClasses(47, 120, 512, 7);
    const controller = new AbortController();
    const started = Date.now();
    const run = classSubspaceAngles(big.x, big.labels, big.names, { signal: controller.signal, threads: 1 });
    setTimeout(() => controller.abort(), 30);
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('rejects conflicting or out-of-range options as usage errors', async () => {
    const x = { data: new Float64Array(12), rows: 4, cols: 3 };
    const l = Uint32Array.from([0, 0, 1, 1]);
    await expect(classSubspaceAngles(x, l, ['a', 'b'], { rank: 2, energy: 0.5 })).rejects.toBeInstanceOf(UsageError);
    await expect(classSubspaceAngles(x, l, ['a', 'b'], { energy: 1.5 })).rejects.toBeInstanceOf(UsageError);
    await expect(classSubspaceAngles({ ...x, rows: 5 }, l, ['a', 'b'])).rejects.toBeInstanceOf(InputError);
  });

  it('writes a CSV row per class pair', async () => {
    const x = await readMatrix(fixture('angles', 'classes.npy'));
    const labels = await readLabels(fixture('angles', 'classes_labels.txt'));
    const csv = anglesToCsv(await classSubspaceAngles(x, labels.indices, labels.names, { rank: 5 }))
      .trim()
      .split('\n');
    expect(csv[0]).toBe('class_a,class_b,min_angle_deg,mean_angle_deg,max_angle_deg,rank_a,rank_b');
    expect(csv.length).toBe(1 + 15);
    const [a, b, min, mean, max, ra, rb] = csv[1].split(',');
    expect([a, b, ra, rb]).toEqual(['class_0', 'class_1', '5', '5']);
    expect(Number(min)).toBeLessThanOrEqual(Number(mean));
    expect(Number(mean)).toBeLessThanOrEqual(Number(max));
  });
});

/** Seeded clustered unit vectors (a tiny LCG keeps the test free of dependencies). */
function syntheticClasses(k: number, per: number, d: number, seed: number) {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const x = new Float32Array(k * per * d);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, rand));
  for (let i = 0; i < k * per; i++) {
    const c = centres[Math.floor(i / per)];
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const v = c[j] + 0.8 * rand();
      x[i * d + j] = v;
      norm += v * v;
    }
    for (let j = 0; j < d; j++) x[i * d + j] /= Math.sqrt(norm);
  }
  const labels = Uint32Array.from({ length: k * per }, (_, i) => Math.floor(i / per));
  const names = Array.from({ length: k }, (_, i) => `c${String(i).padStart(2, '0')}`);
  return { x: { data: x, rows: k * per, cols: d }, labels, names };
}

describe('clip-topo angles (CLI)', () => {
  it('--help lists the commands and --version prints the version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/angles/);
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('prints the documented JSON, matching scipy', async () => {
    const r = await runCli(['angles', fixture('angles', 'classes.npy'), '--labels', fixture('angles', 'classes_labels.txt')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(expect.arrayContaining(['classes', 'rank', 'center', 'min_angle_deg', 'max_angle_deg', 'spectra', 'warnings']));
    expect(out.center).toBe(true);
    expect(out.min_angle_deg.length).toBe(6);
    const ref = classes.default.spectra[0].angles;
    expect(Math.abs(out.min_angle_deg[0][1] - (ref[0] * 180) / Math.PI)).toBeLessThan(1e-6);
    expect(out.spectra[0].angles_deg.length).toBe(ref.length);
  });

  it('writes --out and --csv files', async () => {
    const dir = tempDir();
    const r = await runCli([
      'angles',
      fixture('angles', 'classes.npy'),
      '--labels',
      fixture('angles', 'classes_labels.npy'),
      '--no-center',
      '--out',
      join(dir, 'a.json'),
      '--csv',
      join(dir, 'a.csv'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8')).center).toBe(false);
    expect(readFileSync(join(dir, 'a.csv'), 'utf8').split('\n')[0]).toMatch(/^class_a,class_b/);
  });

  describe('bad input gives one clear line and exit 1 or 2, no stack', () => {
    const dir = tempDir();
    const good = new Float32Array(8 * 3).map((_, i) => ((i * 37) % 11) / 11);
    const goodPath = writeNpy(dir, 'good.npy', good, [8, 3]);
    const nan = good.slice();
    nan[5] = NaN;
    const inf = good.slice();
    inf[7] = Infinity;
    const labels = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const twoClasses = labels('two.txt', 'a\na\na\na\nb\nb\nb\nb\n');
    const cases: [string, string[], number, RegExp][] = [
      ['NaN value', [writeNpy(dir, 'nan.npy', nan, [8, 3]), '--labels', twoClasses], 1, /nan\.npy: embeddings: value at row 1, column 2 is NaN/],
      ['Inf value', [writeNpy(dir, 'inf.npy', inf, [8, 3]), '--labels', twoClasses], 1, /inf\.npy: embeddings: value at row 2, column 1 is inf/],
      ['zero-row class', [goodPath, '--labels', labels('gap.txt', '0\n0\n0\n0\n2\n2\n2\n2\n')], 1, /class '1' has no embeddings/],
      ['labels of the wrong length', [goodPath, '--labels', labels('short.txt', 'a\nb\n')], 1, /2 labels for 8 embeddings/],
      ['one class only', [goodPath, '--labels', labels('one.txt', 'a\n'.repeat(8))], 1, /at least two/],
      ['rank above class size', [goodPath, '--labels', twoClasses, '--rank', '4'], 1, /rank 4 exceeds what class 'a' can span/],
      ['missing file', [join(dir, 'missing.npy'), '--labels', twoClasses], 1, /missing\.npy: cannot read \(ENOENT\)/],
      ['missing labels file', [goodPath, '--labels', join(dir, 'nope.txt')], 1, /nope\.txt: cannot read/],
      ['float64 Fortran order', [writeFortran(dir), '--labels', twoClasses], 1, /Fortran order/],
      ['unsupported dtype', [writeNpy(dir, 'u8.npy', new Uint8Array(24), [8, 3]), '--labels', twoClasses], 1, /float32 or float64/],
      ['ragged (truncated) file', [truncated(dir, goodPath), '--labels', twoClasses], 1, /truncated/],
      ['1-D array', [writeNpy(dir, 'flat.npy', good, [24]), '--labels', twoClasses], 1, /2-D array/],
      ['rank and energy together', [goodPath, '--labels', twoClasses, '--rank', '1', '--energy', '0.5'], 2, /not both/],
      ['bad --rank value', [goodPath, '--labels', twoClasses, '--rank', 'x'], 2, /not a positive integer/],
      ['bad --energy value', [goodPath, '--labels', twoClasses, '--energy', '2'], 2, /not a fraction/],
      ['missing --labels', [goodPath], 2, /required option '--labels/],
    ];
    for (const [what, args, code, message] of cases) {
      it(what, async () => {
        const r = await runCli(['angles', ...args]);
        expect(r.code).toBe(code);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        const lines = r.stderr
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith('(run with --help'));
        expect(lines.length).toBe(1);
      });
    }
    it('--verbose shows the stack', async () => {
      const r = await runCli(['--verbose', 'angles', join(dir, 'missing.npy'), '--labels', twoClasses]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/\n\s+at /);
    });
  });
});

function writeFortran(dir: string): string {
  const p = writeNpy(dir, 'fortran.npy', new Float64Array(24), [8, 3]);
  const buf = readFileSync(p);
  const text = buf.toString('latin1').replace("'fortran_order': False", "'fortran_order': True ");
  writeFileSync(p, Buffer.from(text, 'latin1'));
  return p;
}

function truncated(dir: string, from: string): string {
  const p = join(dir, 'truncated.npy');
  const buf = readFileSync(from);
  writeFileSync(p, buf.subarray(0, buf.length - 10));
  return p;
}
