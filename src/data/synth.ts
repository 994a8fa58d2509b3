/**
 * Writes the synthetic texture dataset: images drawn by the Rust core, encoded here, laid out like DTD
 * (`images/<class>/<class>_NNNN.jpg`, `labels/{train,val,test}1.txt`, `labels/labels_joint_anno.txt`)
 * plus `captions.jsonl` with one caption per image that states its colours, scale and orientation.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import sharp from 'sharp';

import { mapLimit } from '../concurrency.js';
import { makeOutputFolder } from '../io/folder.js';
import { writeChecked } from '../io/atomic.js';
import { sha256Bytes } from '../io/hash.js';
import { DatasetError } from './types.js';
import type { SynthRenderer, SynthRequest, SynthTexture } from '../kernels/synth.js';

export type { SynthRenderer, SynthRequest, SynthTexture };

export interface SynthOptions {
  out: string;
  render: SynthRenderer;
  /** Every drawable class when omitted. */
  classes?: string[];
  available: string[];
  perClass?: number;
  size?: number;
  seed?: number;
  imageFormat?: 'jpeg' | 'png';
  quality?: number;
  /** Images rendered per native call; bounds memory and lets encoding overlap rendering. */
  batch?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export interface SynthResult {
  root: string;
  classes: string[];
  images: number;
  counts: Record<'train' | 'val' | 'test', Record<string, number>>;
}

export const SPLIT_OF = (index: number): 'train' | 'val' | 'test' => (['train', 'val', 'test'] as const)[index % 3];

function hash32(s: string): number {
  return sha256Bytes(s).readUInt32LE(0);
}

function colourPhrase(colors: string[]): string {
  if (colors.length === 0) return '';
  if (colors.length === 1) return colors[0];
  if (colors.length > 3) return `${colors[0]} and multicoloured`;
  return `${colors.slice(0, -1).join(', ')} and ${colors[colors.length - 1]}`;
}

function withArticle(phrase: string): string {
  return /^[aeiou]/i.test(phrase) ? `an ${phrase}` : `a ${phrase}`;
}

/** A varied but truthful caption; the template is chosen by a hash so it is deterministic. */
export function caption(t: SynthTexture, index: number, seed: number): string {
  const col = colourPhrase(t.colors);
  const d = t.detail;
  const templates = [
    () => `${withArticle(`${col} ${t.class}`)} texture with ${d}`,
    () => `${d}, in ${col}`,
    () => `a close-up photo of ${withArticle(t.class)} pattern: ${d} in ${col}`,
    () => `${withArticle(`${t.lighting} ${t.class}`)} surface showing ${d} in ${col}`,
    () => `${col} ${t.class} texture, ${d}`,
    () => `a photo of ${withArticle(`${t.class}`)} texture made of ${d}, coloured ${col}`,
  ];
  return templates[hash32(`${seed}:${t.class}:${index}`) % templates.length]();
}

export function fileName(cls: string, index: number, format: 'jpeg' | 'png'): string {
  return `${cls}_${String(index + 1).padStart(4, '0')}.${format === 'jpeg' ? 'jpg' : 'png'}`;
}

async function encode(t: SynthTexture, format: 'jpeg' | 'png', quality: number): Promise<Buffer> {
  if (t.rgb.length !== t.size * t.size * 3) throw new DatasetError(`synth: renderer returned ${t.rgb.length} bytes for a ${t.size}² RGB image`);
  const img = sharp(Buffer.from(t.rgb.buffer, t.rgb.byteOffset, t.rgb.byteLength), { raw: { width: t.size, height: t.size, channels: 3 } });
  // Fixed encoder settings and no metadata keep the files byte-identical for a seed.
  return format === 'jpeg'
    ? img.jpeg({ quality, chromaSubsampling: '4:2:0', mozjpeg: false, optimiseCoding: true }).toBuffer()
    : img.png({ compressionLevel: 6, adaptiveFiltering: false }).toBuffer();
}

export async function writeSynthDataset(o: SynthOptions): Promise<SynthResult> {
  const perClass = o.perClass ?? 40;
  const size = o.size ?? 256;
  const seed = o.seed ?? 0;
  const format = o.imageFormat ?? 'jpeg';
  const quality = o.quality ?? 90;
  const batch = Math.max(1, o.batch ?? 64);
  const classes = o.classes ?? o.available;
  if (!Number.isInteger(perClass) || perClass < 1) throw new DatasetError(`synth: perClass must be a positive integer, got ${perClass}`);
  if (!Number.isInteger(size) || size < 16 || size > 4096) throw new DatasetError(`synth: size must be an integer 16–4096, got ${size}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new DatasetError(`synth: seed must be a non-negative integer, got ${seed}`);
  if (classes.length === 0) throw new DatasetError('synth: no classes given');
  const unknown = classes.filter((c) => !o.available.includes(c));
  if (unknown.length) throw new DatasetError(`synth: cannot draw ${unknown.join(', ')}; drawable classes: ${o.available.join(', ')}`);
  const dupes = classes.filter((c, i) => classes.indexOf(c) !== i);
  if (dupes.length) throw new DatasetError(`synth: class ${dupes[0]} is listed twice`);
  const sorted = [...classes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  await makeOutputFolder(o.out);
  await mkdir(join(o.out, 'labels'), { recursive: true });
  for (const c of sorted) await mkdir(join(o.out, 'images', c), { recursive: true });
  const requests: SynthRequest[] = sorted.flatMap((c) => Array.from({ length: perClass }, (_, index) => ({ class: c, index })));
  const captions: string[] = new Array(requests.length);
  const total = requests.length;
  let done = 0;
  let pendingWrites: Promise<void> = Promise.resolve();
  // Render batch k+1 while batch k is encoded and written.
  for (let start = 0; start < total; start += batch) {
    if (o.signal?.aborted) throw new DatasetError('synth: cancelled');
    const reqs = requests.slice(start, start + batch);
    const textures = await o.render(reqs, size, seed, o.signal);
    await pendingWrites;
    pendingWrites = mapLimit(textures, 4, async (t, k) => {
      const q = reqs[k];
      const rel = `${q.class}/${fileName(q.class, q.index, format)}`;
      await writeChecked(join(o.out, 'images', rel), await encode(t, format, quality));
      captions[start + k] = JSON.stringify({
        image: `images/${rel}`,
        class: q.class,
        split: SPLIT_OF(q.index),
        caption: caption(t, q.index, seed),
        colors: t.colors,
        scale: t.scale,
        orientation: t.orientation ?? null,
      });
      done++;
      o.onProgress?.(done, total);
    }).then(() => undefined);
    // A failed write (a full disk) must wait for the await above, not kill the process as an unhandled rejection.
    pendingWrites.catch(() => undefined);
  }
  await pendingWrites;

  const counts: SynthResult['counts'] = { train: {}, val: {}, test: {} };
  for (const s of ['train', 'val', 'test'] as const) {
    const lines = requests.filter((q) => SPLIT_OF(q.index) === s).map((q) => `${q.class}/${fileName(q.class, q.index, format)}`);
    await writeChecked(join(o.out, 'labels', `${s}1.txt`), lines.map((l) => `${l}\n`).join(''));
    for (const c of sorted) counts[s][c] = requests.filter((q) => q.class === c && SPLIT_OF(q.index) === s).length;
  }
  await writeChecked(
    join(o.out, 'labels', 'labels_joint_anno.txt'),
    requests.map((q) => `${q.class}/${fileName(q.class, q.index, format)} ${q.class} \n`).join(''),
  );
  await writeChecked(join(o.out, 'captions.jsonl'), captions.map((c) => `${c}\n`).join(''));
  return { root: o.out, classes: sorted, images: total, counts };
}

/** A PNG with one image per class in a grid, each labelled with its class name. */
export async function writeContactSheet(textures: SynthTexture[], path: string, columns = 7, maxTile = 192): Promise<void> {
  if (textures.length === 0) throw new DatasetError('contact sheet: no images');
  const tile = Math.min(textures[0].size, maxTile);
  const labelH = 22;
  const rows = Math.ceil(textures.length / columns);
  const W = columns * (tile + 4);
  const H = rows * (tile + labelH + 4);
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const labels = textures
    .map(
      (t, i) =>
        `<text x="${(i % columns) * (tile + 4) + 4}" y="${Math.floor(i / columns) * (tile + labelH + 4) + tile + 17}" font-family="sans-serif" font-size="15">${esc(t.class)}</text>`,
    )
    .join('');
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${labels}</svg>`);
  const tiles = await Promise.all(
    textures.map((t) =>
      sharp(Buffer.from(t.rgb.buffer, t.rgb.byteOffset, t.rgb.byteLength), { raw: { width: t.size, height: t.size, channels: 3 } })
        .resize(tile, tile, { kernel: 'lanczos3' })
        .png()
        .toBuffer(),
    ),
  );
  const composites: sharp.OverlayOptions[] = tiles.map((input, i) => ({
    input,
    left: (i % columns) * (tile + 4) + 2,
    top: Math.floor(i / columns) * (tile + labelH + 4) + 2,
  }));
  composites.push({ input: svg, left: 0, top: 0 });
  // A 256-colour palette keeps the committed sheet small; it is for looking at, not for measuring.
  const flat = await sharp({ create: { width: W, height: H, channels: 3, background: '#ffffff' } })
    .composite(composites)
    .png()
    .toBuffer();
  await sharp(flat).png({ palette: true, colours: 256, dither: 0.5 }).toFile(path);
}
