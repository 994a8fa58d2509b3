/**
 * Dataset layouts a new user brings that used to go wrong quietly or crash (issue #20): class folders
 * whose names are not UTF-8, DTD without its split lists, empty label files, split folders, and the
 * embed summary line against the rows it wrote.
 */
import { cpSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { parseNpy } from '../src/io/npy.js';
import { diskPath, nameFromBytes, shownPath } from '../src/io/rawpath.js';
import { ROOT, runCli, tempDir, writeNpy } from './helpers/cli.js';
import { synthSet } from './helpers/synth-set.js';

const TINY = join(ROOT, 'models', 'tiny-random');
const oneLine = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('clip-topo'));

let dtd: string;
beforeAll(async () => {
  dtd = await synthSet({ prefix: 'clip-topo-layouts-', classes: ['dotted', 'lined', 'striped'], perClass: 6, size: 48, seed: 1 });
}, 60_000);

describe('names that are not UTF-8 (surrogateescape)', () => {
  it('any bytes decode to a name that gives the same bytes back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const name = nameFromBytes(bytes);
        const back = diskPath(name);
        expect(Buffer.from(typeof back === 'string' ? Buffer.from(back, 'utf8') : back)).toEqual(Buffer.from(bytes));
      }),
      { seed: 20, numRuns: 2000 },
    );
  });

  it('valid UTF-8 (emoji pairs included) is left alone; raw bytes are shown as \\xHH', () => {
    expect(nameFromBytes(Buffer.from('grid 💀 é', 'utf8'))).toBe('grid 💀 é');
    expect(diskPath('grid 💀 é')).toBe('grid 💀 é');
    const raw = Buffer.from([0x67, 0x72, 0xe9, 0x64, 0xff]);
    expect(shownPath(nameFromBytes(raw))).toBe('gr\\xE9d\\xFF');
  });

  it('dataset, embed and analyze load a class folder whose name is Latin-1 bytes', async () => {
    const root = join(tempDir('clip-topo-latin1-'), 'set');
    cpSync(dtd, root, { recursive: true });
    const bad = Buffer.concat([Buffer.from(join(root, 'images', 'gr')), Buffer.from([0xe9]), Buffer.from('d')]);
    renameSync(join(root, 'images', 'lined'), bad);
    for (const s of ['train', 'val', 'test']) {
      const f = join(root, 'labels', `${s}1.txt`);
      const text = readFileSync(f);
      // The label lines name the folder in the same bytes, as a Latin-1 unzip leaves them.
      writeFileSync(f, Buffer.from(text.toString('latin1').replaceAll('lined/', 'gr\xe9d/'), 'latin1'));
    }
    const ds = await runCli(['dataset', root, '--json']);
    expect(ds.code, ds.stderr).toBe(0);
    const listing = JSON.parse(ds.stdout) as { classes: string[]; images: number };
    expect(listing.classes).toEqual(['dotted', 'gr\\xE9d', 'striped']);
    expect(listing.images).toBe(6);
    const out = join(root, '..', 'emb');
    const e = await runCli(['embed', '--dataset', root, '--model', TINY, '--out', out, '--threads', '1']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stderr).toContain('6 of 6 images embedded, 0 skipped');
    const a = await runCli([
      'analyze',
      '--dataset',
      root,
      '--model',
      TINY,
      '--out',
      join(root, '..', 'an'),
      '--rips-points',
      '6',
      '--noise',
      '0.5',
      '--threads',
      '1',
    ]);
    expect(a.code, a.stderr).toBe(0);
    const files = readFileSync(join(root, '..', 'an', 'files.csv'), 'utf8');
    expect(files).toMatch(/test,\d+,images\/gr\\xE9d\/lined_\d+\.jpg,gr\\xE9d,1,[0-9a-f]{64}/);
    expect(files).not.toContain('\ufffd');
  }, 120_000);

  it('an embeddings folder whose .npy is named in Latin-1 bytes loads; messages show the name as \\xHH', async () => {
    const dir = tempDir('clip-topo-latin1-emb-');
    const name = Buffer.concat([Buffer.from(join(dir, 'caf')), Buffer.from([0xe9]), Buffer.from('.npy')]);
    writeFileSync(
      name,
      readFileSync(
        writeNpy(
          dir,
          'tmp.npy',
          Float32Array.from({ length: 12 }, (_, i) => i / 12),
          [4, 3],
        ),
      ),
    );
    rmSync(join(dir, 'tmp.npy'));
    writeFileSync(join(dir, 'labels.txt'), 'a\nb\na\nb\n');
    const ok = await runCli(['dataset', dir, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ format: 'embeddings', classes: ['a', 'b'] });
    // A second .npy makes the choice ambiguous: the line names both, the raw one as \xHH.
    writeNpy(dir, 'other.npy', new Float32Array(6), [2, 3]);
    const two = await runCli(['dataset', dir]);
    expect(two.code).toBe(1);
    expect(oneLine(two.stderr)).toEqual([expect.stringMatching(/holds several \.npy files \(caf\\xE9\.npy, other\.npy\)/)]);
    // A broken one is named the same way, never with U+FFFD.
    rmSync(join(dir, 'other.npy'));
    writeFileSync(name, Buffer.from('not an npy file'));
    const bad = await runCli(['dataset', dir]);
    expect(bad.code).toBe(1);
    expect(oneLine(bad.stderr)).toEqual([expect.stringMatching(/caf\\xE9\.npy: /)]);
    expect(bad.stderr).not.toContain('\ufffd');
  });
});

describe('DTD folders missing their split lists', () => {
  it('images/ without labels/ or imdb/ is one line, not one class called "images"', async () => {
    const root = join(tempDir('clip-topo-nolabels-'), 'set');
    cpSync(dtd, root, { recursive: true });
    rmSync(join(root, 'labels'), { recursive: true });
    for (const cmd of [
      ['dataset', root],
      ['embed', '--dataset', root, '--model', TINY, '--out', join(root, '..', 'e')],
    ]) {
      const r = await runCli(cmd);
      expect(r.code).toBe(1);
      expect(oneLine(r.stderr)).toEqual([expect.stringMatching(/looks like DTD .* no labels\/ or imdb\/imdb\.mat.*images as an image folder$/)]);
    }
  });

  it('empty label files: dataset warns per file, embed and analyze refuse with one line instead of "0 of 0 embedded"', async () => {
    const root = join(tempDir('clip-topo-emptylabels-'), 'set');
    cpSync(dtd, root, { recursive: true });
    for (const s of ['train', 'val', 'test']) writeFileSync(join(root, 'labels', `${s}1.txt`), '');
    const ds = await runCli(['dataset', root]);
    expect(ds.code).toBe(0);
    expect(ds.stdout).toContain('warning: labels/test1.txt is empty: its split has no images');
    for (const cmd of [
      ['embed', '--dataset', root, '--model', TINY, '--out', join(root, '..', 'e')],
      ['analyze', '--dataset', root, '--model', TINY, '--out', join(root, '..', 'a')],
    ]) {
      const r = await runCli(cmd, { timeout: 30_000 });
      expect(r.code).toBe(1);
      expect(oneLine(r.stderr)).toEqual([expect.stringContaining('no images to use in split test of partition 1 (is labels/test1.txt empty?)')]);
    }
  });
});

describe('image folders with split folders', () => {
  it('dataset reads train/ and test/ as splits, as analyze does, and names a missing split', async () => {
    const root = tempDir('clip-topo-splits-');
    for (const [split, classes] of [
      ['train', ['dotted', 'lined']],
      ['test', ['lined', 'striped']],
    ] as const) {
      for (const c of classes) cpSync(join(dtd, 'images', c), join(root, split, c), { recursive: true });
    }
    const r = await runCli(['dataset', root, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { classes: string[]; images: number; counts: Record<string, Record<string, number>> };
    expect(j.classes).toEqual(['lined', 'striped']);
    expect(j.images).toBe(12);
    expect(j.counts.train).toEqual({ dotted: 6, lined: 6 });
    const all = JSON.parse((await runCli(['dataset', root, '--split', 'all', '--json'])).stdout) as typeof j;
    expect(all.classes).toEqual(['dotted', 'lined', 'striped']);
    expect(all.counts.all).toEqual({ dotted: 6, lined: 12, striped: 6 });
    const text = await runCli(['dataset', root]);
    // Every column adds up: classes only in the other split get their own row.
    expect(text.stdout).toMatch(/dotted\s+6\s+0\n/);
    const val = await runCli(['dataset', root, '--split', 'val']);
    expect(val.code).toBe(1);
    expect(oneLine(val.stderr)).toEqual([expect.stringContaining('holds split folders (train, test) but no val/; choose --split train|test')]);
  });
});

describe('embed: the summary line agrees with the rows written', () => {
  it('counts decode failures as skipped and other files as ignored', async () => {
    const root = tempDir('clip-topo-summary-');
    for (const c of ['dotted', 'lined']) cpSync(join(dtd, 'images', c), join(root, c), { recursive: true });
    writeFileSync(join(root, 'lined', 'notes.txt'), 'not an image');
    writeFileSync(join(root, 'lined', 'broken.jpg'), 'not a jpeg');
    writeFileSync(join(root, 'stray.txt'), 'outside the class folders');
    const out = join(root, '..', `${root.split('/').pop()}-emb`);
    const r = await runCli(['embed', '--dataset', root, '--model', TINY, '--out', out, '--threads', '1']);
    expect(r.code, r.stderr).toBe(0);
    const rows = parseNpy(readFileSync(join(out, 'embeddings.npy')), out).shape[0];
    expect(rows).toBe(12);
    expect(r.stderr).toContain(`${rows} of 13 images embedded, 1 skipped; 2 other file(s) ignored`);
  }, 60_000);
});

describe('text inputs that start with a UTF-8 byte-order mark (Excel and Notepad write one)', () => {
  it('rips CSV, diagram text and label files read exactly as without it', async () => {
    const dir = tempDir('clip-topo-byte-order-');
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const pair = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      writeFileSync(join(dir, `bom-${name}`), Buffer.concat([bom, Buffer.from(text)]));
      return [join(dir, name), join(dir, `bom-${name}`)];
    };
    const [pts, bomPts] = pair('points.csv', '0,0\n1,0\n0,1\n1,1.5\n');
    const [dgm, bomDgm] = pair('diagram.txt', '0.5 1\n0.7 inf\n');
    const [lab, bomLab] = pair('labels.txt', 'lined\ndotted\nlined\ndotted\n');
    const emb = writeNpy(dir, 'e.npy', new Float32Array([1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1]), [4, 3]);
    for (const [args, bomArgs] of [
      [
        ['rips', pts],
        ['rips', bomPts],
      ],
      [
        ['summarize', dgm, '--json'],
        ['summarize', bomDgm, '--json'],
      ],
      [
        ['angles', emb, '--labels', lab],
        ['angles', emb, '--labels', bomLab],
      ],
    ]) {
      const [a, b] = await Promise.all([runCli(args), runCli(bomArgs)]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      expect(b.stdout.replaceAll('bom-', '')).toBe(a.stdout);
    }
  });
});
