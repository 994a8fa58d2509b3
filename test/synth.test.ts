import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';

import { caption, writeContactSheet, writeSynthDataset, type SynthRenderer } from '../src/data/synth.js';
import { loadDtd } from '../src/data/dtd.js';
import { renderTextures, synthClasses } from '../src/kernels/synth.js';
import { runCli, tempDir } from './helpers/cli.js';

const fake: SynthRenderer = async (reqs, size, seed) =>
  reqs.map((q) => {
    const rgb = new Uint8Array(size * size * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i * (q.index + 3) + seed + q.class.length * 7) & 255;
    return {
      class: q.class,
      size,
      rgb,
      colors: ['red', 'cream'],
      scale: 'thin',
      orientation: 'diagonal',
      detail: 'thin diagonal stripes',
      lighting: 'evenly lit',
    };
  });

async function hashTree(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (d: string) => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else h.update(p.slice(dir.length)).update(await readFile(p));
    }
  };
  await walk(dir);
  return h.digest('hex');
}

describe('synthetic dataset writer', () => {
  it('writes DTD layout the DTD loader reads back, with captions, byte-identical per seed', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'synth-'));
    try {
      const opts = { render: fake, available: ['striped', 'banded', 'dotted'], perClass: 7, size: 32, seed: 5, batch: 4 };
      const r = await writeSynthDataset({ ...opts, out: join(tmp, 'a') });
      await writeSynthDataset({ ...opts, out: join(tmp, 'b'), batch: 100 });
      expect(await hashTree(join(tmp, 'a'))).toBe(await hashTree(join(tmp, 'b')));
      expect(r.classes).toEqual(['banded', 'dotted', 'striped']);
      expect(r.counts.train).toEqual({ banded: 3, dotted: 3, striped: 3 });
      expect(r.counts.test).toEqual({ banded: 2, dotted: 2, striped: 2 });
      const ds = await loadDtd(join(tmp, 'a'), { split: 'all', check: 'decode' });
      expect(ds.classes).toEqual(r.classes);
      expect(ds.counts.all).toEqual({ banded: 7, dotted: 7, striped: 7 });
      expect(ds.counts.val).toEqual(r.counts.val);
      expect(ds.skipped).toEqual([]);
      const caps = (await readFile(join(tmp, 'a', 'captions.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(caps.length).toBe(21);
      expect(caps[0].image).toBe('images/banded/banded_0001.jpg');
      for (const c of caps) expect(c.caption).toMatch(/red|cream/);
      expect(new Set(caps.map((c) => c.caption.split(' ').slice(0, 3).join(' '))).size).toBeGreaterThan(2);
      const meta = await sharp(join(tmp, 'a', 'images', 'dotted', 'dotted_0003.jpg')).metadata();
      expect([meta.width, meta.height, meta.format]).toEqual([32, 32, 'jpeg']);
      const anno = await readFile(join(tmp, 'a', 'labels', 'labels_joint_anno.txt'), 'utf8');
      expect(anno.split('\n')[0]).toBe('banded/banded_0001.jpg banded ');
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('rejects unknown classes and bad sizes', async () => {
    const base = { render: fake, available: ['striped'], out: join(tmpdir(), 'never') };
    await expect(writeSynthDataset({ ...base, classes: ['paisley'] })).rejects.toThrow(/cannot draw paisley/);
    await expect(writeSynthDataset({ ...base, size: 8 })).rejects.toThrow(/size must be/);
    await expect(writeSynthDataset({ ...base, perClass: 0 })).rejects.toThrow(/perClass must be/);
  });

  it('captions name colours and articles correctly', () => {
    const t = {
      class: 'striped',
      size: 1,
      rgb: new Uint8Array(3),
      colors: ['orange', 'cream'],
      scale: 'thin',
      orientation: 'diagonal',
      detail: 'thin diagonal stripes',
      lighting: 'evenly lit',
    };
    const all = new Set(Array.from({ length: 60 }, (_, i) => caption(t, i, 1)));
    expect(all.size).toBeGreaterThan(3);
    expect(all).toContain('an orange and cream striped texture with thin diagonal stripes');
    for (const c of all) expect(c).not.toMatch(/\ba [aeiou]/);
  });

  it('writes a contact sheet', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'sheet-'));
    try {
      const tex = await fake(
        [
          { class: 'banded', index: 0 },
          { class: 'dotted', index: 0 },
          { class: 'striped', index: 0 },
        ],
        64,
        0,
      );
      await writeContactSheet(tex, join(tmp, 's.png'), 2);
      const m = await sharp(join(tmp, 's.png')).metadata();
      expect([m.width, m.height]).toEqual([2 * 68, 2 * (64 + 22 + 4)]);
      await writeContactSheet(tex, join(tmp, 't.png'), 3, 32);
      const m2 = await sharp(join(tmp, 't.png')).metadata();
      expect([m2.width, m2.height]).toEqual([3 * 36, 32 + 22 + 4]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});

describe('native texture renderer and `clip-topo synth`', () => {
  it('draws at least 24 classes, in canonical order, deterministically', async () => {
    const classes = synthClasses();
    expect(classes.length).toBeGreaterThanOrEqual(24);
    expect([...classes].sort()).toEqual(classes);
    const reqs = classes.slice(0, 5).map((c, i) => ({ class: c, index: i }));
    const a = await renderTextures(reqs, 64, 3);
    const b = await renderTextures(reqs.slice().reverse(), 64, 3, { threads: 1 });
    b.reverse();
    a.forEach((t, i) => {
      expect(t.rgb.length).toBe(64 * 64 * 3);
      expect(Buffer.from(t.rgb).equals(Buffer.from(b[i].rgb))).toBe(true);
      expect(t.colors.length).toBeGreaterThan(0);
    });
    await expect(renderTextures([{ class: 'paisley', index: 0 }], 64, 0)).rejects.toMatchObject({ code: 'ERR_INVALID_INPUT' });
    await expect(renderTextures([{ class: 'striped', index: 0 }], 64, 1.5)).rejects.toThrow(/seed must be an integer/);
  });

  it('same seed gives byte-identical files (different thread counts); another seed differs', async () => {
    const dir = tempDir();
    const args = (out: string, seed: string, extra: string[] = []) => [
      'synth',
      '--out',
      join(dir, out),
      '--classes',
      'striped,dotted,woven',
      '--per-class',
      '4',
      '--size',
      '64',
      '--seed',
      seed,
      ...extra,
    ];
    const r1 = await runCli(args('a', '7'));
    expect(r1.stderr).toMatch(/wrote 12 images/);
    expect(r1.code).toBe(0);
    expect((await runCli(args('b', '7', ['--threads', '1']))).code).toBe(0);
    expect((await runCli(args('c', '8'))).code).toBe(0);
    expect(await hashTree(join(dir, 'a'))).toBe(await hashTree(join(dir, 'b')));
    expect(await hashTree(join(dir, 'a'))).not.toBe(await hashTree(join(dir, 'c')));
    const ds = await runCli(['dataset', join(dir, 'a'), '--split', 'all', '--json', '--check', 'decode']);
    const j = JSON.parse(ds.stdout);
    expect(j.format).toBe('dtd');
    expect(j.counts.all).toEqual({ dotted: 4, striped: 4, woven: 4 });
    expect(j.skipped).toEqual([]);
  });

  it('reports usage errors with exit code 2 and bad classes with exit 1', async () => {
    const dir = tempDir();
    const noOut = await runCli(['synth']);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--out/);
    const bad = await runCli(['synth', '--out', join(dir, 'x'), '--classes', 'paisley']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n').length).toBe(1);
    expect(bad.stderr).toMatch(/cannot draw paisley/);
    // An --out that is a file: one line naming it (it was an internal ENOTDIR), nothing drawn.
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const onFile = await runCli(['synth', '--out', file, '--classes', 'dotted', '--per-class', '3', '--size', '32']);
    expect(onFile.code).toBe(1);
    expect(onFile.stderr.trim().split('\n')).toEqual([`clip-topo: --out ${file} is a file, not a folder; give a folder to write into`]);
    const list = await runCli(['synth', '--list-classes']);
    expect(list.stdout.trim().split('\n')).toEqual(synthClasses());
  });
});
