/**
 * Checks that a file is an image sharp can use, without ever crashing or hanging on hostile input:
 * empty files, text with an image extension, truncated data, and decompression bombs (refused from
 * the header, before any pixel is decoded).
 */
import { open, readFile, stat } from 'node:fs/promises';
import sharp from 'sharp';

import { diskPath, hasRawBytes } from '../io/rawpath.js';

/**
 * The largest image accepted (pixels): Pillow's own refusal threshold (DecompressionBombError above
 * 2 × Image.MAX_IMAGE_PIXELS = 2 × 89,478,485), so that clip-topo and the Python pipeline keep the same
 * images. sharp's default (0x3FFF² = 268,402,689) would accept images PIL refuses.
 */
export const DEFAULT_PIXEL_LIMIT = 178_956_970;

export type ImageCheckResult =
  | { ok: true; width: number; height: number; channels: number; format: string; depth?: string; space?: string }
  | { ok: false; reason: string };

export interface CheckOptions {
  /** 'exists' stats the file, 'header' reads metadata, 'decode' decodes every pixel. */
  mode?: 'exists' | 'header' | 'decode';
  pixelLimit?: number;
  /** Per-file decode time limit in seconds. */
  timeoutSeconds?: number;
}

const MAGIC: Array<[string, (b: Buffer) => boolean]> = [
  ['jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['png', (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))],
  ['gif', (b) => b.subarray(0, 4).toString('latin1') === 'GIF8'],
  ['webp', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP'],
  ['tiff', (b) => ['II*\0', 'MM\0*'].includes(b.subarray(0, 4).toString('latin1'))],
  ['avif/heif', (b) => b.subarray(4, 8).toString('latin1') === 'ftyp'],
  ['bmp', (b) => b.subarray(0, 2).toString('latin1') === 'BM'],
];

function sniff(head: Buffer): string | undefined {
  return MAGIC.find(([, test]) => test(head))?.[0];
}

function looksLikeText(head: Buffer): boolean {
  if (head.length === 0) return false;
  let printable = 0;
  for (const c of head) if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 128) printable++;
  return printable / head.length > 0.95;
}

function oneLine(msg: string): string {
  return msg.replace(/\s+/g, ' ').trim();
}

export async function checkImage(path: string, options: CheckOptions = {}): Promise<ImageCheckResult> {
  const mode = options.mode ?? 'decode';
  const limit = options.pixelLimit ?? DEFAULT_PIXEL_LIMIT;
  let size: number;
  try {
    const st = await stat(diskPath(path));
    if (!st.isFile()) return { ok: false, reason: 'not a regular file' };
    size = st.size;
  } catch (e) {
    return { ok: false, reason: `cannot read: ${oneLine((e as Error).message)}` };
  }
  if (size === 0) return { ok: false, reason: 'empty file (0 bytes)' };
  if (mode === 'exists') return { ok: true, width: 0, height: 0, channels: 0, format: 'unknown' };

  const head = Buffer.alloc(Math.min(64, size));
  try {
    const fh = await open(diskPath(path), 'r');
    try {
      await fh.read(head, 0, head.length, 0);
    } finally {
      await fh.close();
    }
  } catch (e) {
    return { ok: false, reason: `cannot read: ${oneLine((e as Error).message)}` };
  }
  const kind = sniff(head);
  if (!kind) {
    return {
      ok: false,
      reason: looksLikeText(head) ? 'not an image: the file contains text' : 'not an image: unknown file signature',
    };
  }
  if (kind === 'bmp') return { ok: false, reason: 'BMP images are not supported by the image decoder; convert to PNG' };

  let meta: sharp.Metadata;
  // sharp opens string paths as UTF-8: a name that is not UTF-8 is handed over as the file's bytes.
  let source: string | Buffer = path;
  try {
    if (hasRawBytes(path)) source = await readFile(diskPath(path));
    meta = await sharp(source, { limitInputPixels: false }).metadata();
  } catch (e) {
    return { ok: false, reason: `unreadable ${kind} header: ${oneLine((e as Error).message)}` };
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (!w || !h) return { ok: false, reason: `${kind} header gives no image size` };
  if (w * h > limit) {
    return {
      ok: false,
      reason: `image is ${w}×${h} (${Math.round((w * h) / 1e6)} Mpx), above the ${Math.round(limit / 1e6)} Mpx limit; not decoded (possible decompression bomb)`,
    };
  }
  const info = { width: w, height: h, channels: meta.channels ?? 0, format: meta.format ?? kind, depth: meta.depth, space: meta.space };
  if (mode === 'header') return { ok: true, ...info };
  try {
    // 'truncated' rejects images whose data ends early, which libjpeg/libpng only warn about.
    await sharp(source, { limitInputPixels: limit, failOn: 'truncated', sequentialRead: true })
      .timeout({ seconds: options.timeoutSeconds ?? 30 })
      .raw()
      .toBuffer();
  } catch (e) {
    // libvips's error text depends on the thread that reads it (see src/clip/preprocess.ts): fix the wording.
    const msg = oneLine((e as Error).message);
    const detail = /premature end|failOn|truncated|corrupt|unexpected end/i.test(msg) ? 'truncated or corrupt data' : msg;
    return { ok: false, reason: `${kind} data cannot be decoded: ${detail}` };
  }
  return { ok: true, ...info };
}
