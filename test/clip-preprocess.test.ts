import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { CLIP_MEAN, CLIP_STD, cropOffsets, cropRgb, DEFAULT_SPEC, jpegFrame, normalizeInto, preprocessImage, resizedSize } from '../src/clip/preprocess.js';
import { readNpy } from '../src/io/npy.js';
import { fixture, runCli, tempDir } from './helpers/cli.js';
import { compareBytes, pilFile, pilFixtures } from './helpers/resample-reference.js';

interface Case {
  name: string;
  file: string;
  mode: string;
  size: [number, number];
  note: string;
}
const spec = JSON.parse(readFileSync(fixture('clip', 'images', 'cases.json'), 'utf8')) as { size: number; cases: Case[] };

async function reference(name: string): Promise<Uint8Array> {
  // PIL keeps a palette's transparency as a tRNS chunk on the RGB reference: drop that alpha.
  const { data, info } = await sharp(fixture('clip', 'images', `${name}.ref.png`), { ignoreIcc: true })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect([info.width, info.height, info.channels]).toEqual([spec.size, spec.size, 3]);
  return data;
}

describe('image preprocessing vs PIL (make_images.py): mean |Δ| ≤ 0.5/255, and in fact bit-identical', () => {
  for (const c of spec.cases) {
    it(`${c.name} (${c.mode} ${c.size.join('×')})`, async () => {
      const { rgb, info } = await cropRgb(readFileSync(fixture('clip', 'images', c.file)), spec.size, c.file);
      expect([info.width, info.height]).toEqual(c.size);
      const ref = await reference(c.name);
      let sum = 0;
      for (let i = 0; i < ref.length; i++) sum += Math.abs(rgb[i] - ref[i]);
      const mean = sum / ref.length;
      expect(mean).toBeLessThanOrEqual(0.5);
      // Beyond the tolerance the issue asks for: decoding as PIL decodes (libjpeg-turbo for JPEGs), PIL's
      // fixed-point bicubic and PIL's NEAREST positions leave nothing to differ on these fixtures.
      expect(Buffer.from(rgb).equals(Buffer.from(ref)), `${c.file} bit-identical to PIL`).toBe(true);
    });
  }
});

describe('tall and wide images vs Pillow, whose pass order depends on the shape (resample/make_pil.py)', () => {
  const pil = pilFixtures();
  const clipCases = pil.cases.filter((k) => k.kind === 'clip');
  it('has CLIP cases in both orders', () => {
    expect(clipCases.filter((k) => k.order === 'vertical first').length).toBeGreaterThanOrEqual(3);
    expect(clipCases.some((k) => k.order === 'horizontal first')).toBe(true);
  });
  for (const k of clipCases) {
    it(`${k.name}: ${k.order}`, async () => {
      const im = pil.images[k.image];
      const size = k.window[2];
      const { rgb, info } = await cropRgb(pilFile(im.file), size, im.file);
      expect([info.width, info.height, info.mode]).toEqual([...im.size, im.mode]);
      const bands = im.mode === 'L' ? 1 : 3;
      const out = new Uint8Array(pilFile(k.out));
      expect(out.length).toBe(size * size * bands);
      // The reference is Pillow's L or RGB crop; preprocessing gives RGB (gray copied to all three bands).
      const want = Uint8Array.from({ length: size * size * 3 }, (_, i) => (bands === 1 ? out[Math.floor(i / 3)] : out[i]));
      expect(compareBytes(rgb, want)).toEqual({ maxDiff: 0, first: -1 });
    });
  }
});

describe('geometry and normalisation', () => {
  it('truncates the long side and rounds crop offsets half to even, as Python does', () => {
    expect(resizedSize(640, 451, 224)).toEqual({ width: 317, height: 224 }); // 317.87… truncated
    expect(cropOffsets(317, 224, 224)).toEqual({ left: 46, top: 0 }); // round(46.5) = 46
    expect(cropOffsets(319, 224, 224)).toEqual({ left: 48, top: 0 }); // round(47.5) = 48
    expect(resizedSize(200, 333, 224)).toEqual({ width: 224, height: 372 });
  });

  it('normalises with CLIP mean/std into CHW', () => {
    const rgb = Uint8Array.from({ length: 2 * 2 * 3 }, (_, i) => (i * 37) % 256);
    const out = new Float32Array(12);
    normalizeInto(rgb, { size: 2, mean: CLIP_MEAN, std: CLIP_STD }, out);
    for (let p = 0; p < 4; p++)
      for (let c = 0; c < 3; c++) {
        expect(out[c * 4 + p]).toBeCloseTo((rgb[p * 3 + c] / 255 - CLIP_MEAN[c]) / CLIP_STD[c], 6);
      }
  });

  it('rejects empty files and non-images with the file name', async () => {
    await expect(cropRgb(Buffer.alloc(0), 224, 'x.jpg')).rejects.toThrow(/x\.jpg: empty file/);
    await expect(cropRgb(Buffer.from('hello, I am text'), 224, 'y.jpg')).rejects.toThrow(/y\.jpg: /);
  });

  it('refuses from the header an image PIL refuses (more than 2 × 89,478,485 pixels) that sharp would accept', async () => {
    const jpg = Buffer.from(readFileSync(fixture('clip', 'images', 'rgb_640x451.jpg')));
    const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
    jpg.writeUInt16BE(13000, sof + 5); // height
    jpg.writeUInt16BE(14000, sof + 7); // width: 182,000,000 pixels, under sharp's 268,402,689
    const before = process.memoryUsage().rss;
    await expect(cropRgb(jpg, 224, 'huge.jpg')).rejects.toThrow(/^huge\.jpg: image .*178956970.*decompression bomb/);
    expect(process.memoryUsage().rss - before).toBeLessThan(100e6); // nothing was decoded
  });

  it('turns libjpeg-turbo failures into one-line errors naming the file', async () => {
    const jpg = readFileSync(fixture('clip', 'images', 'rgb_640x451.jpg'));
    // Truncated: the header is intact (so the libjpeg-turbo path is taken), the scan is cut short.
    await expect(cropRgb(jpg.subarray(0, jpg.length >> 1), 224, 'cut.jpg')).rejects.toThrow(/^cut\.jpg: cannot decode image \(truncated or corrupt data\)$/);
    // A Huffman table segment overwritten with garbage: fatal in libjpeg, reported with its message.
    const bad = Buffer.from(jpg);
    const dht = bad.indexOf(Buffer.from([0xff, 0xc4]));
    expect(dht).toBeGreaterThan(0);
    bad.fill(0xff, dht + 5, dht + 40);
    const err = await cropRgb(bad, 224, 'bad.jpg').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/^bad\.jpg: cannot decode image \(.+\)$/);
    expect(err?.message.split('\n')).toHaveLength(1);
  });
});

describe('fast paths give the same bytes as the general ones', () => {
  it('normalisation equals (v/255 − mean)/std rounded to float32, for every byte value and channel', () => {
    const size = 16; // 256 pixels: pixel p holds the value p in every channel
    const rgb = Uint8Array.from({ length: size * size * 3 }, (_, i) => Math.floor(i / 3));
    for (const spec of [DEFAULT_SPEC, { size, mean: [0.5, 0.25, 0.125], std: [0.3, 0.7, 1.1] } as const]) {
      const out = new Float32Array(3 * size * size);
      normalizeInto(rgb, { ...spec, size }, out);
      for (let c = 0; c < 3; c++) {
        for (let v = 0; v < 256; v++) expect(out[c * 256 + v]).toBe(Math.fround((v / 255 - spec.mean[c]) / spec.std[c]));
      }
    }
  });

  async function jpegs(): Promise<{ name: string; data: Buffer }[]> {
    const w = 301,
      h = 257;
    const raw = Buffer.from(
      Uint8Array.from({ length: w * h * 3 }, (_, i) => ((i % (w * 3)) * 7 + Math.floor(i / (w * 3)) * 3 + ((i * 2654435761) >>> 28)) & 255),
    );
    const img = () => sharp(raw, { raw: { width: w, height: h, channels: 3 } });
    return [
      { name: 'baseline 4:2:0', data: await img().jpeg({ quality: 85 }).toBuffer() },
      { name: 'baseline 4:4:4', data: await img().jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer() },
      { name: 'progressive', data: await img().jpeg({ progressive: true }).toBuffer() },
      { name: 'EXIF + ICC before the frame', data: await img().withMetadata({ orientation: 6 }).jpeg().toBuffer() },
      { name: 'gray', data: await img().greyscale().jpeg().toBuffer() },
      { name: 'CMYK fixture', data: readFileSync(fixture('clip', 'images', 'cmyk_320x256.jpg')) },
      { name: 'RGB fixture', data: readFileSync(fixture('clip', 'images', 'rgb_640x451.jpg')) },
    ];
  }

  it('reads width, height and components from JPEG frame headers as libvips does, and nothing from other files', async () => {
    for (const j of await jpegs()) {
      const meta = await sharp(j.data).metadata();
      expect(jpegFrame(j.data), j.name).toEqual({ width: meta.width, height: meta.height, components: meta.channels });
    }
    expect(jpegFrame(readFileSync(fixture('clip', 'images', 'rgb_300x300.png')))).toBeUndefined();
    expect(jpegFrame(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0, 2]))).toBeUndefined(); // scan before any frame
    expect(jpegFrame(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x40, 0]))).toBeUndefined(); // segment runs past the end
    const twelveBit = Buffer.from([0xff, 0xd8, 0xff, 0xc1, 0, 17, 12, 0, 10, 0, 10, 3]);
    expect(jpegFrame(twelveBit)).toBeUndefined();
  });

  it('a JPEG gives the same crop as its decoded pixels stored as PNG (which goes through libvips metadata)', async () => {
    for (const j of await jpegs()) {
      const { data, info } = await sharp(j.data).raw().toBuffer({ resolveWithObject: true });
      if (info.channels !== 3 || (await sharp(j.data).metadata()).space === 'cmyk') continue;
      const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
        .png()
        .toBuffer();
      const a = await cropRgb(j.data, 224, j.name);
      const b = await cropRgb(png, 224, j.name);
      expect(a.info.mode, j.name).toBe('RGB');
      expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb)), j.name).toBe(true);
    }
  });
});

describe('clip-topo preprocess', () => {
  it('writes the 3×S×S float32 tensor as .npy', async () => {
    const dir = tempDir();
    const out = join(dir, 'x.npy');
    const file = fixture('clip', 'images', 'rgb_640x451.jpg');
    const r = await runCli(['preprocess', file, '--out', out]);
    expect(r.code).toBe(0);
    const arr = await readNpy(out);
    expect(arr.shape).toEqual([3, 224, 224]);
    const direct = await preprocessImage(readFileSync(file), DEFAULT_SPEC);
    expect(Array.from(arr.data as Float32Array)).toEqual(Array.from(direct));
    const small = await runCli(['preprocess', file, '--size', '32', '--out', join(dir, 's.npy')]);
    expect(small.code).toBe(0);
    expect((await readNpy(join(dir, 's.npy'))).shape).toEqual([3, 32, 32]);
  });

  it('refuses devices, pipes, folders and a side that cannot be allocated, at once and in one line', async () => {
    const dir = tempDir();
    const out = join(dir, 'y.npy');
    // /dev/zero and a FIFO used to be read forever; --size 100000 (120 GB of float32) aborted the process.
    const fifo = join(dir, 'pipe');
    const hasFifo = spawnSync('mkfifo', [fifo]).status === 0;
    for (const input of ['/dev/zero', dir, ...(hasFifo ? [fifo] : [])]) {
      const r = await runCli(['preprocess', input, '--out', out], { timeout: 10_000 });
      expect(r.code, `${input}: ${r.stderr}`).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([`clip-topo: ${input}: not a regular file (a folder, device or pipe); give an image file`]);
    }
    const big = await runCli(['preprocess', fixture('clip', 'tokens.json'), '--size', '100000', '--out', out], { timeout: 10_000 });
    expect(big.code).toBe(2);
    expect(big.stderr.trim().split('\n')).toEqual(['clip-topo: preprocess: --size 100000 is more than 4096 pixels']);
    await expect(preprocessImage(Buffer.alloc(8), { ...DEFAULT_SPEC, size: 100_000 })).rejects.toThrow(/size 100000 is not an integer 1–4096/);
    expect(existsSync(out)).toBe(false);
  });

  it('fails with one line on a file that is not an image', async () => {
    const r = await runCli(['preprocess', fixture('clip', 'tokens.json'), '--out', join(tempDir(), 'y.npy')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
