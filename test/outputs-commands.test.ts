/**
 * The per-part commands on analyze's own output folder (issue 20): `angles` names the classes from
 * embeddings/classes.txt, `distance` and `summarize` read the per-class diagram files with --class, and
 * their numbers are the ones analyze reported for the same class.
 */
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { parseNpy } from '../src/io/npy.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { synthSet } from './helpers/synth-set.js';

const TINY = join(ROOT, 'models', 'tiny-random');
let out: string;
let data: string;
let classes: string[];

/** A failed run: exit code, exactly one line of stderr, no stack. */
function oneLine(r: { code: number; stderr: string }, code: number, what: RegExp) {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(what);
}

beforeAll(async () => {
  data = await synthSet({ prefix: 'clip-topo-outputs-data-', classes: ['banded', 'dotted', 'grid', 'striped'], perClass: 6, size: 48, seed: 3 });
  out = join(tempDir(), 'out');
  const r = await runCli([
    'analyze',
    '--dataset',
    data,
    '--model',
    TINY,
    '--out',
    out,
    '--rips-points',
    '8',
    '--sample-classes',
    '2',
    '--noise',
    '1',
    '--threads',
    '1',
  ]);
  expect(r.code, r.stderr).toBe(0);
  classes = readFileSync(join(out, 'embeddings', 'classes.txt'), 'utf8')
    .trim()
    .split('\n');
}, 120_000);

describe('angles --classes', () => {
  const emb = () => join(out, 'embeddings', 'test_clean.npy');
  const labels = () => join(out, 'embeddings', 'test_clean_labels.npy');

  it("names the classes from analyze's classes.txt, with the angles analyze computed", async () => {
    const plain = await runCli(['angles', emb(), '--labels', labels()]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(JSON.parse(plain.stdout).classes).toEqual(['0', '1', '2', '3']);
    const named = await runCli(['angles', emb(), '--labels', labels(), '--classes', join(out, 'embeddings', 'classes.txt')]);
    expect(named.code, named.stderr).toBe(0);
    const a = JSON.parse(named.stdout);
    expect(a.classes).toEqual(classes);
    expect(a.classes).toEqual(['banded', 'dotted', 'grid', 'striped']);
    // The names change, nothing else does.
    expect(a.min_angle_deg).toEqual(JSON.parse(plain.stdout).min_angle_deg);
  });

  it('name labels take the order of the classes file', async () => {
    const dir = tempDir();
    const rows = JSON.parse((await runCli(['angles', emb(), '--labels', labels(), '--classes', join(out, 'embeddings', 'classes.txt')])).stdout);
    // The same rows labelled by name, and a classes file listing the names in reverse.
    const byIndex = parseNpy(readFileSync(labels()), labels()).data as Int32Array;
    writeFileSync(join(dir, 'names.txt'), Array.from(byIndex, (k) => classes[k]).join('\n') + '\n');
    writeFileSync(join(dir, 'rev.txt'), [...classes].reverse().join('\n') + '\n');
    const r = await runCli(['angles', emb(), '--labels', join(dir, 'names.txt'), '--classes', join(dir, 'rev.txt')]);
    expect(r.code, r.stderr).toBe(0);
    const rev = JSON.parse(r.stdout);
    expect(rev.classes).toEqual([...classes].reverse());
    // Entry (i, j) in the reversed order is entry (3 − i, 3 − j) in the classes.txt order.
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(rev.min_angle_deg[i][j]).toBeCloseTo(rows.min_angle_deg[3 - i][3 - j], 9);
    writeFileSync(join(dir, 'three.txt'), classes.slice(0, 3).join('\n') + '\n');
    oneLine(
      await runCli(['angles', emb(), '--labels', join(dir, 'names.txt'), '--classes', join(dir, 'three.txt')]),
      1,
      /names\.txt: class "striped" is not named in .*three\.txt/,
    );
  });

  it('a classes file that does not fit the labels is one line naming both files', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'two.txt'), 'a\nb\n');
    oneLine(
      await runCli(['angles', emb(), '--labels', labels(), '--classes', join(dir, 'two.txt')]),
      1,
      /test_clean_labels\.npy: label 3 has no name in .*two\.txt, which names 2 classes/,
    );
    writeFileSync(join(dir, 'dup.txt'), 'a\nb\na\nc\n');
    oneLine(await runCli(['angles', emb(), '--labels', labels(), '--classes', join(dir, 'dup.txt')]), 1, /dup\.txt:3: class "a" is already named on line 1/);
    writeFileSync(join(dir, 'blank.txt'), 'a\n\nb\nc\n');
    oneLine(await runCli(['angles', emb(), '--labels', labels(), '--classes', join(dir, 'blank.txt')]), 1, /blank\.txt:2: empty class name/);
    oneLine(await runCli(['angles', emb(), '--labels', labels(), '--classes', join(dir, 'none.txt')]), 1, /none\.txt: cannot read \(ENOENT\)/);
  });
});

describe('distance and summarize --class on diagrams/classes/*.json', () => {
  const clean = () => join(out, 'diagrams', 'classes', 'clean.json');
  const noisy = () => join(out, 'diagrams', 'classes', 'sigma1.json');

  it("distance --class gives analyze's per-class distances", async () => {
    const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
    const rows = m.distances.per_class as { class: string; dim: number; bottleneck: number; wasserstein1: number }[];
    expect(rows.length).toBe(classes.length * 2);
    for (const row of rows) {
      const args = ['distance', clean(), noisy(), '--class', row.class, '--dim', String(row.dim)];
      const b = await runCli(args);
      expect(b.code, b.stderr).toBe(0);
      expect(Number(b.stdout)).toBe(row.bottleneck);
      const w = await runCli([...args, '--metric', 'wasserstein', '--delta', '0']);
      expect(Number(w.stdout)).toBeCloseTo(row.wasserstein1, 12);
    }
  }, 120_000);

  it('summarize --class summarises that class: the same as its diagrams written alone', async () => {
    const doc = JSON.parse(readFileSync(clean(), 'utf8'));
    const entry = doc.classes.find((c: { class: string }) => c.class === 'grid');
    const alone = join(tempDir(), 'grid.json');
    writeFileSync(alone, JSON.stringify({ diagrams: entry.diagrams }));
    const r = await runCli(['summarize', clean(), '--class', 'grid', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.class).toBe('grid');
    expect(s.summaries.map((x: { dim: number }) => x.dim)).toEqual([0, 1]);
    const ref = JSON.parse((await runCli(['summarize', alone, '--json'])).stdout);
    expect(s.summaries).toEqual(ref.summaries);
    // Another class gives other numbers (the flag is not ignored).
    const other = JSON.parse((await runCli(['summarize', clean(), '--class', 'dotted', '--json'])).stdout);
    expect(other.summaries).not.toEqual(s.summaries);
  });

  it('without --class, with an unknown class, or --class on a plain diagram file: one line, exit 2', async () => {
    oneLine(
      await runCli(['distance', clean(), noisy()]),
      2,
      /clean\.json holds the diagrams of 4 classes \("banded", "dotted", "grid", "striped"\): choose one class with --class <name>$/,
    );
    oneLine(await runCli(['summarize', clean()]), 2, /choose one class with --class <name>$/);
    oneLine(await runCli(['summarize', clean(), '--class', 'woven']), 2, /clean\.json has no class "woven" \(classes: "banded", "dotted", "grid", "striped"\)/);
    oneLine(
      await runCli(['distance', join(out, 'diagrams', 'test_clean.json'), noisy(), '--class', 'grid', '--dim', '1']),
      2,
      /test_clean\.json is not a per-class diagram file/,
    );
    // The split-wide file still asks for a dimension, now naming the flag.
    oneLine(
      await runCli(['distance', join(out, 'diagrams', 'test_clean.json'), join(out, 'diagrams', 'test_sigma1.json')]),
      2,
      /choose one dimension with --dim <k>$/,
    );
  });
});

describe('a rerun with other settings into the same folder', () => {
  it("leaves none of the earlier run's files beside its own, keeps the user's, and draws the same figures byte for byte", async () => {
    const dir = join(tempDir(), 'again');
    cpSync(out, dir, { recursive: true });
    writeFileSync(join(dir, 'embeddings', 'mine.npy'), 'a file of the user');
    writeFileSync(join(dir, 'figures', 'my-plot.png'), 'a figure of the user');
    const args = (to: string) => [
      'analyze',
      '--dataset',
      data,
      '--model',
      TINY,
      '--out',
      to,
      '--rips-points',
      '8',
      '--sample-classes',
      '2',
      '--noise',
      '0.5',
      '--threads',
      '1',
    ];
    const r = await runCli(args(dir));
    expect(r.code, r.stderr).toBe(0);
    const has = (rel: string) => existsSync(join(dir, rel));
    for (const gone of [
      'embeddings/test_sigma1.npy',
      'embeddings/test_sigma1_labels.npy',
      'diagrams/test_sigma1.json',
      'diagrams/classes/sigma1.json',
      'figures/confusion-sigma-1.svg',
      'figures/confusion-sigma-1.png',
    ])
      expect(has(gone), gone).toBe(false);
    for (const now of ['embeddings/test_sigma0.5.npy', 'diagrams/classes/sigma0.5.json', 'figures/confusion-sigma-0.5.svg', 'figures/confusion-sigma-0.5.png'])
      expect(has(now), now).toBe(true);
    expect(readFileSync(join(dir, 'embeddings', 'mine.npy'), 'utf8')).toBe('a file of the user');
    expect(readFileSync(join(dir, 'figures', 'my-plot.png'), 'utf8')).toBe('a figure of the user');
    // The same settings from scratch: the same figure files, byte for byte (the PNGs included).
    const fresh = join(tempDir(), 'fresh');
    expect((await runCli(args(fresh))).code).toBe(0);
    const figs = readdirSync(join(fresh, 'figures')).sort();
    expect(
      readdirSync(join(dir, 'figures'))
        .filter((n) => n !== 'my-plot.png')
        .sort(),
    ).toEqual(figs);
    for (const f of figs) expect(readFileSync(join(dir, 'figures', f)).equals(readFileSync(join(fresh, 'figures', f))), f).toBe(true);
  }, 120_000);
});
