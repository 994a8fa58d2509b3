/**
 * The data analyze hands the report's explorer (issue 16): per clean row its path (as files.csv), class,
 * zero-shot prediction at every level (the ones the accuracy counts), a thumbnail of that very image, every
 * class's diagrams, and the joint clean+noisy map; --no-thumbnails leaves the images out; a rerun reuses
 * the thumbnails.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

import { type AnalyzeResult, analyze } from '../src/analyze.js';
import { thumbnail } from '../src/data/thumbnails.js';
import { ROOT, tempDir } from './helpers/cli.js';
import { synthSet } from './helpers/synth-set.js';

const TINY = join(ROOT, 'models', 'tiny-random');
const CLASSES = ['banded', 'dotted', 'grid', 'striped'];

let data: string;
let out: string;
let r: AnalyzeResult;
const base = () => ({ dataset: data, model: TINY, ripsPoints: 10, sampleClasses: 2, noise: [0.5, 2], threads: 1 });

beforeAll(async () => {
  data = await synthSet({ prefix: 'clip-topo-explorer-data-', classes: CLASSES, perClass: 9, size: 80, seed: 11 });
  out = join(tempDir(), 'report');
  r = await analyze({ ...base(), out });
}, 240_000);

/** Mean R, G, B of an image file or buffer. */
async function meanColour(input: string | Buffer): Promise<number[]> {
  const { data: px, info } = await sharp(input).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const sums = [0, 0, 0];
  for (let i = 0; i < px.length; i++) sums[i % info.channels] += px[i];
  return sums.map((s) => s / (px.length / info.channels));
}

describe('analyze → explorer data', () => {
  it('rows: the paths of files.csv, the clean labels, one prediction per level that the accuracy counts', () => {
    const e = r.report.explorer;
    expect(e).toBeDefined();
    if (!e) return;
    const files = readFileSync(join(out, 'files.csv'), 'utf8').trim().split('\n').slice(1);
    const test = files.filter((l) => l.startsWith('test,'));
    expect(e.paths).toEqual(test.map((l) => l.split(',')[2]));
    expect(Array.from(e.labels)).toEqual(test.map((l) => Number(l.split(',')[4])));
    const zs = r.metrics.accuracy.zeroshot ?? [];
    expect(e.predicted).toHaveLength(zs.length);
    for (const [k, z] of zs.entries()) {
      const p = e.predicted?.[k] ?? new Int32Array();
      expect(p).toHaveLength(e.paths.length);
      // The predictions are the ones the confusion matrix counts, cell by cell.
      const C = CLASSES.length;
      const counts = Array.from({ length: C }, () => new Array<number>(C).fill(0));
      for (let i = 0; i < p.length; i++) counts[e.labels[i]][p[i]]++;
      expect(counts).toEqual(z.confusion);
    }
    // Every class's diagrams at every level, H0 and H1.
    expect(e.classDiagrams).toHaveLength(CLASSES.length);
    for (const c of e.classDiagrams) {
      expect(c).toHaveLength(3);
      for (const level of c) expect(level).toHaveLength(2);
    }
  });

  it('thumbnails: a ≤ 64 px WebP of that row’s own image (its mean colour within 12 levels of the original’s)', async () => {
    const e = r.report.explorer;
    const thumbs = e?.thumbnails ?? [];
    expect(thumbs).toHaveLength(e?.paths.length ?? -1);
    for (const row of [0, thumbs.length >> 1, thumbs.length - 1]) {
      const t = thumbs[row];
      expect(t).toMatch(/^data:image\/webp;base64,/);
      const buf = Buffer.from(t.slice(t.indexOf(',') + 1), 'base64');
      const meta = await sharp(buf).metadata();
      expect(meta.format).toBe('webp');
      expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeLessThanOrEqual(64);
      const want = await meanColour(join(data, e?.paths[row] ?? ''));
      const got = await meanColour(buf);
      for (let ch = 0; ch < 3; ch++) expect(Math.abs(got[ch] - want[ch]), `row ${row} channel ${ch}`).toBeLessThan(12);
    }
    // Another row's image is another texture: the thumbnails are not all alike.
    expect(new Set(thumbs).size).toBe(thumbs.length);
  });

  it('the joint map: every row at every level, its CSV with the σ of each point, listed in metrics.maps', () => {
    const j = r.report.explorer?.joint;
    const n = r.report.explorer?.paths.length ?? 0;
    expect(j?.info.subset).toBe('joint');
    expect(j?.labels).toHaveLength(3 * n);
    expect(Array.from(j?.levels ?? []).filter((k) => k === 2)).toHaveLength(n);
    expect(Array.from(j?.rows.subarray(n, 2 * n) ?? [])).toEqual([...Array(n).keys()]);
    const csv = readFileSync(join(out, 'maps', 'umap_joint.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toBe('x,y,class,label,row,sigma');
    expect(csv).toHaveLength(3 * n + 1);
    expect(csv[2 * n + 1].split(',').slice(-2)).toEqual(['0', '2']);
    expect(r.metrics.maps.map((m) => `${m.method}-${m.subset}`)).toContain('umap-joint');
  });

  it('a rerun reuses the thumbnails; thumbnails off leaves them out and keeps the rest', async () => {
    const again = await analyze({ ...base(), out });
    expect(again.metrics.cache.reused).toEqual(expect.arrayContaining(['thumbnails', 'map-umap-joint']));
    expect(again.report.explorer?.thumbnails).toEqual(r.report.explorer?.thumbnails);
    const off = await analyze({ ...base(), out: join(tempDir(), 'report'), thumbnails: false });
    expect(off.report.explorer?.thumbnails).toBeNull();
    expect(off.report.explorer?.paths).toEqual(r.report.explorer?.paths);
  }, 240_000);

  it('an unreadable image gets an empty thumbnail, not a failed run', async () => {
    const dir = tempDir();
    expect(await thumbnail(join(dir, 'missing.jpg'))).toBe('');
    const bad = join(dir, 'bad.jpg');
    writeFileSync(bad, Buffer.from('not an image'));
    expect(await thumbnail(bad)).toBe('');
  });
});
