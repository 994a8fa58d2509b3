import { cp, mkdtemp, rm, unlink, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { loadDtd, parseImdb, readJointAnnotations } from '../src/data/dtd.js';
import { loadFolder } from '../src/data/folder.js';
import { matToJs, readMat, MatError } from '../src/data/mat.js';
import { loadEmbeddings } from '../src/data/embeddings.js';
import { detectFormat, loadDataset } from '../src/data/detect.js';
import { runCli } from './helpers/cli.js';

const FIX = join(import.meta.dirname, 'fixtures', 'data');
const DTD = join(FIX, 'dtd');

describe('MAT-file reader', () => {
  for (const kind of ['compressed', 'uncompressed']) {
    it(`reads scipy-written types (${kind})`, async () => {
      const vars = readMat(await readFile(join(FIX, `misc_${kind}.mat`)));
      expect(matToJs(vars.charmat)).toEqual(['abc', 'xyz']);
      const c = vars.cplx;
      expect(c.kind === 'numeric' && Array.from(c.real)).toEqual([1, 3]);
      expect(c.kind === 'numeric' && Array.from(c.imag!)).toEqual([2, -4]);
      expect(vars.flags.kind === 'numeric' && vars.flags.logical).toBe(true);
      expect(matToJs(vars.flags)).toEqual([1, 0, 1]);
      expect(matToJs(vars.people)).toEqual([
        { name: 'Ann', age: 31 },
        { name: 'Bo', age: 4.5 },
      ]);
      expect(vars.empty.dims).toEqual([0, 0]);
      // 3×4 float32 arange, stored column-major.
      const big = vars.big;
      expect(big.kind === 'numeric' && big.class).toBe('single');
      expect(big.dims).toEqual([3, 4]);
      expect(matToJs(big)).toEqual([0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
      expect(matToJs(vars.unicode)).toBe('naïve ☕');
    });
  }

  it('rejects non-MAT input and truncation with clear errors', async () => {
    expect(() => readMat(Buffer.from('hello'))).toThrow(MatError);
    expect(() => readMat(Buffer.alloc(200))).toThrow(/not a level-5 MAT-file/);
    const full = await readFile(join(FIX, 'misc_uncompressed.mat'));
    expect(() => readMat(full.subarray(0, 300))).toThrow(/truncated|incomplete/);
    const comp = await readFile(join(FIX, 'misc_compressed.mat'));
    expect(() => readMat(comp.subarray(0, 200))).toThrow(MatError);
  });
});

describe('DTD loader', () => {
  const files = async (split: string, p: number) => (await readFile(join(DTD, 'labels', `${split}${p}.txt`), 'utf8')).split('\n').filter(Boolean).sort();

  it('gives classes, splits and counts from the label files', async () => {
    const ds = await loadDtd(DTD, { split: 'test', partition: 1 });
    expect(ds.format).toBe('dtd');
    expect(ds.classes).toEqual(['banded', 'dotted', 'zigzagged']);
    expect(ds.items.map((i) => i.rel).sort()).toEqual(await files('test', 1));
    for (const s of ['train', 'val', 'test']) expect(ds.counts[s as 'train']).toEqual({ banded: 2, dotted: 2, zigzagged: 2 });
    expect(ds.counts.trainval).toEqual({ banded: 4, dotted: 4, zigzagged: 4 });
    expect(ds.counts.all).toEqual({ banded: 6, dotted: 6, zigzagged: 6 });
    expect(ds.skipped).toEqual([]);
    expect(ds.extra).toEqual([]);
    for (const it of ds.items) expect(ds.classes[it.label]).toBe(it.rel.split('/')[0]);
  });

  it('the .mat file (compressed) agrees with the label files', async () => {
    for (const split of ['train', 'val', 'test', 'trainval', 'all'] as const) {
      const a = await loadDtd(DTD, { split, partition: 1, source: 'labels' });
      const b = await loadDtd(DTD, { split, partition: 1, source: 'imdb' });
      expect(b.classes).toEqual(a.classes);
      expect(b.items).toEqual(a.items);
      expect(b.counts).toEqual(a.counts);
    }
  });

  it('the uncompressed .mat with a partitions × n set matrix agrees for both partitions', async () => {
    const buf = await readFile(join(FIX, 'imdb_uncompressed.mat'));
    for (const p of [1, 2]) {
      const imdb = parseImdb(buf, p);
      expect(imdb.partitions).toBe(2);
      for (const s of ['train', 'val', 'test'] as const) {
        const fromMat = imdb.names.filter((_, i) => imdb.split[i] === s).sort();
        expect(fromMat).toEqual(await files(s, p));
      }
      const ds = await loadDtd(DTD, { split: 'val', partition: p, source: 'imdb', imdbPath: join(FIX, 'imdb_uncompressed.mat') });
      expect(ds.items.map((i) => i.rel).sort()).toEqual(await files('val', p));
    }
    expect(() => parseImdb(buf, 3)).toThrow(/partition 3/);
  });

  it('reads joint annotations with trailing spaces', async () => {
    const a = await readJointAnnotations(DTD);
    expect(a.size).toBe(18);
    expect(a.get('zigzagged/zigzagged_0011.jpg')).toEqual(['zigzagged', 'dotted']);
    expect(a.get('banded/banded_0002.jpg')).toEqual(['banded']);
  });

  it('reports missing and extra files, and finds the root through a dtd/ parent', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'dtd-'));
    try {
      await cp(DTD, join(tmp, 'dtd'), { recursive: true });
      const test1 = (await files('test', 1))[0];
      await unlink(join(tmp, 'dtd', 'images', test1));
      await writeFile(join(tmp, 'dtd', 'images', 'banded', 'banded_0099.jpg'), await readFile(join(DTD, 'images', 'banded', 'banded_0002.jpg')));
      const ds = await loadDtd(tmp, { split: 'test' });
      expect(ds.skipped).toEqual([{ path: join(tmp, 'dtd', 'images', test1), reason: 'listed in labels/test1.txt but missing from images/', image: true }]);
      expect(ds.extra).toEqual(['banded/banded_0099.jpg']);
      expect(ds.items.length).toBe(5);
      expect(Object.values(ds.counts.test!).reduce((a, b) => a + b)).toBe(5);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('a label line naming a class without a folder is ignored with a warning, not made a class (issue 21 D18)', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'dtd-'));
    try {
      await cp(DTD, join(tmp, 'dtd'), { recursive: true });
      const before = await loadDtd(join(tmp, 'dtd'), { split: 'test' });
      const labels = join(tmp, 'dtd', 'labels', 'test1.txt');
      await writeFile(labels, (await readFile(labels, 'utf8')) + 'nosuchclass/nosuchclass_0001.jpg\nnosuchclass/nosuchclass_0002.jpg\n');
      const ds = await loadDtd(join(tmp, 'dtd'), { split: 'test' });
      expect(ds.classes).toEqual(before.classes);
      expect(ds.classes).not.toContain('nosuchclass');
      expect(ds.skipped).toEqual(before.skipped);
      expect(ds.items).toEqual(before.items);
      expect(ds.warnings).toContain("labels/*1.txt: 2 line(s) name class 'nosuchclass', which has no folder in images/; ignored");
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('rejects bad options and non-DTD folders clearly', async () => {
    await expect(loadDtd(DTD, { partition: 11 })).rejects.toThrow(/partition must be an integer 1–10/);
    await expect(loadDtd(DTD, { split: 'bogus' as 'test' })).rejects.toThrow(/unknown split/);
    await expect(loadDtd(join(FIX, 'hostile'))).rejects.toThrow(/does not look like DTD/);
    await expect(loadDtd(DTD, { partition: 3 })).rejects.toThrow(/train3|partition/);
  });
});

describe('image folder loader on hostile files', () => {
  it('loads the good images and skips each bad one with its reason', async () => {
    const root = join(FIX, 'hostile');
    const t0 = Date.now();
    const ds = await loadFolder(root);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(ds.classes).toEqual(['café ☕ dogs', 'cats']);
    const good = ds.items.map((i) => i.rel).sort();
    expect(good).toEqual([
      'café ☕ dogs/cmyk.jpg',
      'café ☕ dogs/sixteen bit.png',
      'café ☕ dogs/ñandú 1.jpg',
      'cats/UPPER.JPEG',
      'cats/good one.jpg',
      'cats/nested deeper/inner.png',
    ]);
    const reason = (name: string) => ds.skipped.find((s) => s.path.endsWith(name))?.reason;
    expect(reason('empty.jpg')).toMatch(/empty file/);
    expect(reason('truncated.jpg')).toMatch(/cannot be decoded/);
    expect(reason('notes.jpg')).toMatch(/contains text/);
    expect(reason('bomb.png')).toMatch(/30000×30000.*not decoded/);
    expect(reason('readme.txt')).toMatch(/not an image extension/);
    expect(reason('stray.jpg')).toMatch(/not inside a class folder/);
    expect(ds.skipped.some((s) => s.path.includes('.DS_Store'))).toBe(false);
    expect(ds.skipped.length).toBe(6);
    expect(ds.counts.all).toEqual({ 'café ☕ dogs': 3, cats: 3 });
  });

  it('ignores nested folders when asked', async () => {
    const ds = await loadFolder(join(FIX, 'hostile'), { nested: false, check: 'header' });
    expect(ds.items.some((i) => i.rel.includes('nested'))).toBe(false);
    expect(ds.skipped.some((s) => s.reason.startsWith('nested folder ignored'))).toBe(true);
  });
});

describe('precomputed embeddings', () => {
  const E = join(FIX, 'embeddings');
  it('reads .npy embeddings with .npy integer labels and a classes file', async () => {
    const ds = await loadEmbeddings(join(E, 'ints'));
    expect(ds.format).toBe('embeddings');
    expect(ds.classes).toEqual(['banded', 'dotted', 'woven']);
    expect(ds.embeddings!.n).toBe(6);
    expect(ds.embeddings!.d).toBe(4);
    expect(Array.from(ds.embeddings!.labels)).toEqual([2, 0, 1, 2, 0, 1]);
    expect(ds.counts.all).toEqual({ banded: 2, dotted: 2, woven: 2 });
  });

  it('CSV, text and string .npy labels give the same classes; float64 matches float32', async () => {
    const a = await loadEmbeddings(join(E, 'ints'));
    const b = await loadEmbeddings(join(E, 'csv'));
    const c = await loadEmbeddings(join(E, 'text'));
    const d = await loadEmbeddings(join(E, 'ints', 'embeddings.npy'), { labels: join(E, 'csv', 'labels.csv') });
    for (const x of [b, c, d]) {
      expect(x.classes).toEqual(a.classes);
      expect(Array.from(x.embeddings!.labels)).toEqual(Array.from(a.embeddings!.labels));
      expect(Array.from(x.embeddings!.data)).toEqual(Array.from(a.embeddings!.data));
    }
  });

  it('mismatched label counts are a clear error', async () => {
    await expect(loadEmbeddings(join(E, 'ints', 'embeddings.npy'), { labels: join(FIX, 'dtd', 'labels', 'labels_joint_anno.txt') })).rejects.toThrow(
      /has 18 labels but embeddings.npy has 6 rows/,
    );
  });
});

describe('format detection', () => {
  it('recognises each layout', async () => {
    expect(await detectFormat(DTD)).toBe('dtd');
    expect(await detectFormat(FIX + '/hostile')).toBe('folder');
    expect(await detectFormat(join(FIX, 'embeddings', 'csv'))).toBe('embeddings');
    expect(await detectFormat(join(FIX, 'embeddings', 'ints', 'embeddings.npy'))).toBe('embeddings');
    await expect(detectFormat(join(FIX, 'nope'))).rejects.toThrow(/does not exist/);
    await expect(detectFormat(join(FIX, 'make_fixtures.py'))).rejects.toThrow(/is a file/);
    const ds = await loadDataset(DTD, { split: 'train' });
    expect(ds.format).toBe('dtd');
    expect(ds.items.length).toBe(6);
  });
});

describe('`clip-topo dataset`', () => {
  it('prints JSON with format, classes, counts per split and skipped files', async () => {
    const r = await runCli(['dataset', join(FIX, 'hostile'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.format).toBe('folder');
    expect(j.classes).toEqual(['café ☕ dogs', 'cats']);
    expect(j.counts).toEqual({ all: { 'café ☕ dogs': 3, cats: 3 } });
    expect(j.skipped.length).toBe(6);
    for (const s of j.skipped) expect(Object.keys(s).sort()).toEqual(['path', 'reason']);
  });

  it('DTD: split and partition flags; text output lists counts', async () => {
    const r = await runCli(['dataset', DTD, '--split', 'val', '--partition', '2', '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.format).toBe('dtd');
    expect(j.partition).toBe(2);
    expect(j.counts.val).toEqual({ banded: 2, dotted: 2, zigzagged: 2 });
    const t = await runCli(['dataset', DTD, '--format', 'dtd', '--source', 'imdb']);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/format: dtd/);
    expect(t.stdout).toMatch(/banded\s+2\s+2\s+2\s+4\s+6/);
    const bad = await runCli(['dataset', DTD, '--partition', '11']);
    expect(bad.code).toBe(2);
    const missing = await runCli(['dataset', join(FIX, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
  });

  it('embeddings', async () => {
    const r = await runCli(['dataset', join(FIX, 'embeddings', 'csv'), '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.format).toBe('embeddings');
    expect(j.images).toBe(6);
  });
});
