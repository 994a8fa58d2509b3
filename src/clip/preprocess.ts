/**
 * CLIP image preprocessing with sharp, matching OpenAI's transform on PIL images:
 * Resize(S, BICUBIC) → CenterCrop(S) → convert("RGB") → ToTensor → Normalize(mean, std).
 *
 * Where ports go wrong, and what is done here:
 * - the long side is `int(S * long / short)` (truncation) and crop offsets use Python's round (half to
 *   even); an image whose short side already equals S is not resampled (torchvision returns it as is);
 * - bicubic is PIL's fixed-point convolution, run in the Rust core (src/kernels/image.ts); sharp only decodes
 *   (libvips' cubic differs from PIL's by up to several levels) and never shrinks on load;
 * - 8-bit gray and colour JPEGs (nearly every photo) are decoded by libjpeg-turbo in the addon
 *   (crates/jpeg), the decoder Pillow itself uses: the same pixels, for less CPU than sharp's pipeline;
 * - PIL resamples palette ("P") and 1-bit images with NEAREST whatever is asked, then converts to RGB:
 *   done here on the raw pixels with PIL's sample positions (a running sum, see nearestPositions);
 * - PIL resamples RGBA/LA with premultiplied alpha and `convert("RGB")` then drops alpha (no
 *   compositing on a background): sharp premultiplies too, and the alpha band is dropped;
 * - CMYK: PIL resamples the four bands, then converts with its naive formula
 *   R = (255 − C)(255 − K)/255, ignoring ICC profiles; done the same way here (not sharp's ICC path);
 * - 16-bit: scaled to 8 bits by ÷257 (rounded) before resampling. Pillow instead clips every value
 *   above 255 to white (its I;16 → RGB conversion), which is a defect, not a convention: results
 *   differ from Pillow's on 16-bit inputs by design;
 * - EXIF orientation is NOT applied: PIL's Image.open leaves pixels as stored and so does CLIP;
 * - known difference: libvips decodes a GIF's transparent pixels as black, PIL as the palette colour of
 *   the transparent index (a GIF-only case, left as is);
 * - embedded ICC profiles are ignored, as PIL ignores them (libvips would convert to sRGB with them);
 */
import sharp from 'sharp';

import { DEFAULT_PIXEL_LIMIT } from '../data/validate.js';
import { InputError, UsageError } from '../errors.js';
import { decodeJpeg, resampleBicubicCrop } from '../kernels/image.js';
import { muldiv255, premultiply, unpremultiply } from './alpha.js';

export const CLIP_MEAN: readonly [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD: readonly [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

export interface PreprocessSpec {
  /** Output side S: the short side is resized to S, then an S×S centre crop. */
  size: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/**
 * How the pixels are made where that has changed (decoder, damaged files, ICC profiles, NEAREST
 * positions), part of every embedding cache key: a cache written by an earlier version whose pixels
 * differed from PIL's is not reused.
 */
export const DECODER = 'jpeg: libjpeg-turbo as PIL (damaged but complete data kept); others: libvips; ICC profiles ignored; P/1 images: PIL NEAREST positions';

export const DEFAULT_SPEC: PreprocessSpec = { size: 224, mean: CLIP_MEAN, std: CLIP_STD };

/** The largest image decoded (pixels), PIL's limit; bigger ones are refused from the header as likely decompression bombs. */
export const MAX_PIXELS = DEFAULT_PIXEL_LIMIT;

/** Python's round() for x = n / 2: half to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** torchvision's Resize(int) output size for a w×h image: short side → S, long side truncated. */
export function resizedSize(width: number, height: number, size: number): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.trunc((size * height) / width) };
  return { width: Math.trunc((size * width) / height), height: size };
}

export function cropOffsets(width: number, height: number, size: number): { left: number; top: number } {
  return { left: roundHalfEven((width - size) / 2), top: roundHalfEven((height - size) / 2) };
}

export interface CropInfo {
  width: number;
  height: number;
  /** What PIL would call the mode, as far as it decides the path taken. */
  mode: 'P' | '1' | 'CMYK' | 'I;16' | 'RGB' | 'RGBA' | 'L' | 'LA';
}

function describeFailure(err: unknown, where: string): InputError {
  const msg = (err as Error).message ?? String(err);
  if (/pixel limit/i.test(msg)) {
    return new InputError(`${where}: image is larger than ${MAX_PIXELS} pixels (a decompression bomb?); refused`, 'ERR_IMAGE');
  }
  if (/unsupported image format/i.test(msg)) return new InputError(`${where}: not an image sharp can decode (${msg})`, 'ERR_IMAGE');
  // libvips keeps its error text per thread: the same truncated file reads as "premature end of JPEG
  // image" on one thread and "Warning treated as error due to failOn setting" on another, so that
  // family gets one fixed wording (manifests must not depend on which thread decoded the file).
  if (/premature end|failOn|truncated|corrupt|unexpected end/i.test(msg)) {
    return new InputError(`${where}: cannot decode image (truncated or corrupt data)`, 'ERR_IMAGE');
  }
  return new InputError(`${where}: cannot decode image (${msg.split('\n')[0]})`, 'ERR_IMAGE');
}

function modeOf(meta: sharp.Metadata): CropInfo['mode'] {
  if (meta.isPalette) return 'P';
  if (meta.space === 'cmyk') return 'CMYK';
  if (meta.depth === 'ushort') return 'I;16';
  if (meta.channels === 1 && meta.bitsPerSample === 1) return '1';
  if (meta.channels === 1) return 'L';
  if (meta.channels === 2) return 'LA';
  if (meta.channels === 4) return 'RGBA';
  return 'RGB';
}

/**
 * PIL's NEAREST sample positions for resizing `inSize` to `outSize` (ImagingScaleAffine): a running sum
 * in double precision, start a/2, step a = in/out, truncated. The closed form floor((k + 0.5)·a) can
 * differ from the running sum by one source pixel where it lands next to an integer.
 */
function nearestPositions(inSize: number, outSize: number): Int32Array {
  const a = inSize / outSize;
  const pos = new Int32Array(outSize);
  let o = a * 0.5;
  for (let k = 0; k < outSize; k++) {
    pos[k] = Math.min(inSize - 1, Math.trunc(o));
    o += a;
  }
  return pos;
}

/** Nearest-neighbour resize with PIL's sample positions, then crop, then the first (up to 3) bands as RGB. */
function nearestCropRgb(src: Uint8Array, w: number, h: number, c: number, size: number): Uint8Array {
  const rs = resizedSize(w, h, size);
  const { left, top } = cropOffsets(rs.width, rs.height, size);
  const xs = nearestPositions(w, rs.width);
  const ys = nearestPositions(h, rs.height);
  const out = new Uint8Array(size * size * 3);
  const colour = c >= 3;
  for (let y = 0; y < size; y++) {
    const sy = ys[y + top];
    for (let x = 0; x < size; x++) {
      const p = (sy * w + xs[x + left]) * c;
      const o = (y * size + x) * 3;
      out[o] = src[p];
      out[o + 1] = colour ? src[p + 1] : src[p];
      out[o + 2] = colour ? src[p + 2] : src[p];
    }
  }
  return out;
}

type Layout = { data: Uint8Array; width: number; height: number; channels: number };

/** Decoded pixels in the band layout PIL would hold for this mode (L, LA, RGB, RGBA, CMYK; 16-bit scaled to 8). */
async function decode(input: Buffer, mode: CropInfo['mode'], gray: boolean): Promise<Layout> {
  // ignoreIcc: PIL never applies an embedded profile; libvips would convert the pixels to sRGB with it.
  let img = sharp(input, { limitInputPixels: MAX_PIXELS, ignoreIcc: true });
  if (mode === 'CMYK') {
    // The bands as stored (sharp undoes Adobe's inversion), without the ICC transform to sRGB.
    img = img.pipelineColourspace('cmyk').toColourspace('cmyk');
  } else if (mode === 'I;16') {
    img = img.toColourspace(gray ? 'grey16' : 'rgb16');
  } else if (gray && mode !== 'P' && mode !== '1') {
    img = img.toColourspace('b-w');
  }
  if (mode === 'I;16') {
    const { data, info } = await img.raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    const wide = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
    const narrow = new Uint8Array(wide.length);
    for (let i = 0; i < wide.length; i++) narrow[i] = Math.round(wide[i] / 257);
    return { data: narrow, width: info.width, height: info.height, channels: info.channels };
  }
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: info.channels };
}

/** PIL's convert("RGB") of the cropped bands. */
function toRgb(px: Uint8Array, c: number, cmyk: boolean): Uint8Array {
  const n = px.length / c;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const p = i * c;
    if (cmyk) {
      const nk = 255 - px[p + 3];
      for (let k = 0; k < 3; k++) out[i * 3 + k] = Math.max(0, nk - muldiv255(px[p + k], nk));
    } else if (c <= 2) {
      out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = px[p];
    } else {
      out[i * 3] = px[p];
      out[i * 3 + 1] = px[p + 1];
      out[i * 3 + 2] = px[p + 2];
    }
  }
  return out;
}

/**
 * Width, height and component count from a JPEG's frame header (SOF0–2: baseline, extended, progressive),
 * when the file is an 8-bit JPEG; undefined otherwise. These few bytes decide whether the file takes the
 * libjpeg-turbo path (1 or 3 components) before anything is decoded.
 */
export function jpegFrame(input: Uint8Array): { width: number; height: number; components: number } | undefined {
  if (input.length < 4 || input[0] !== 0xff || input[1] !== 0xd8) return undefined;
  let i = 2;
  while (i + 4 <= input.length) {
    if (input[i] !== 0xff) return undefined;
    const m = input[i + 1];
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) {
      i += 2; // markers without a length
      continue;
    }
    if (m === 0xda || m === 0xd9) return undefined; // scan or end before any frame header
    const len = (input[i + 2] << 8) | input[i + 3];
    if (len < 2) return undefined;
    if (m === 0xc0 || m === 0xc1 || m === 0xc2) {
      if (i + 10 > input.length || input[i + 4] !== 8) return undefined;
      return { height: (input[i + 5] << 8) | input[i + 6], width: (input[i + 7] << 8) | input[i + 8], components: input[i + 9] };
    }
    if (m >= 0xc3 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return undefined; // lossless, hierarchical, arithmetic
    i += 2 + len;
  }
  return undefined;
}

/** Width, height and PIL mode, from libvips' header parse. */
async function probe(input: Buffer): Promise<{ w: number; h: number; mode: CropInfo['mode']; gray: boolean }> {
  const meta = await sharp(input, { limitInputPixels: MAX_PIXELS }).metadata();
  // Gray with alpha is decoded as RGBA (sharp's b-w output drops alpha); per-band maths makes that equal.
  return { w: meta.width ?? 0, h: meta.height ?? 0, mode: modeOf(meta), gray: meta.channels === 1 };
}

/**
 * The common case, an 8-bit gray or colour JPEG, decoded by libjpeg-turbo in the Rust addon: Pillow's
 * decoder, so PIL's pixels bit for bit, at about half the CPU of sharp's pipeline for the same decode
 * (which matters: preparation shares the cores with inference). Undefined for every other input,
 * including oversized frames, which take sharp's path so their errors read as before.
 */
function decodePlainJpeg(input: Buffer): (Layout & { mode: 'L' | 'RGB' }) | undefined {
  const frame = jpegFrame(input);
  if (!frame || (frame.components !== 1 && frame.components !== 3) || !frame.width || !frame.height || frame.width * frame.height > MAX_PIXELS)
    return undefined;
  const d = decodeJpeg(input, MAX_PIXELS);
  if (!d) return undefined;
  return { data: d.pixels, width: d.width, height: d.height, channels: d.channels, mode: d.channels === 1 ? 'L' : 'RGB' };
}

/**
 * Decodes an image and returns the S×S centre crop as 8-bit RGB, interleaved (HWC), exactly as CLIP's
 * transform produces it before ToTensor. `where` names the file in errors.
 */
export async function cropRgb(input: Buffer, size: number, where = 'image'): Promise<{ rgb: Uint8Array; info: CropInfo }> {
  if (input.length === 0) throw new InputError(`${where}: empty file (0 bytes)`, 'ERR_IMAGE');
  try {
    const jpeg = decodePlainJpeg(input);
    const { w, h, mode, gray } = jpeg ? { w: jpeg.width, h: jpeg.height, mode: jpeg.mode, gray: jpeg.channels === 1 } : await probe(input);
    if (!w || !h) throw new InputError(`${where}: image has no pixels`, 'ERR_IMAGE');
    if (w * h > MAX_PIXELS) {
      throw new InputError(`${where}: image is ${w}×${h} = ${w * h} pixels, more than ${MAX_PIXELS} (a decompression bomb?); refused`, 'ERR_IMAGE');
    }
    const info: CropInfo = { width: w, height: h, mode };
    const px = jpeg ?? (await decode(input, mode, gray));
    if (px.width !== w || px.height !== h) throw new InputError(`${where}: decoded ${px.width}×${px.height}, header says ${w}×${h}`, 'ERR_IMAGE');
    if (mode === 'P' || mode === '1') return { rgb: nearestCropRgb(px.data, w, h, px.channels, size), info };
    const rs = resizedSize(w, h, size);
    // torchvision returns the image untouched when the short side already has the size.
    const same = Math.min(w, h) === size;
    const outW = same ? w : rs.width;
    const outH = same ? h : rs.height;
    const { left, top } = cropOffsets(outW, outH, size);
    const c = px.channels;
    const alpha = mode !== 'CMYK' && (c === 2 || c === 4);
    const data = alpha ? Uint8Array.from(px.data) : px.data;
    if (alpha && !same) premultiply(data, c);
    const crop = resampleBicubicCrop(data, w, h, c, outW, outH, left, top, size, size);
    if (alpha && !same) unpremultiply(crop, c);
    // Three bands are already RGB: the crop is returned as is (a fresh buffer from the resampler).
    if (c === 3 && mode !== 'CMYK') return { rgb: crop, info };
    return { rgb: toRgb(crop, c, mode === 'CMYK'), info };
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw describeFailure(err, where);
  }
}

/** (v/255 − mean)/std for every byte value v and channel, as float32: the same values the formula gives, without its divisions. */
const lutCache = new Map<string, Float32Array>();
function normalizeTable(spec: PreprocessSpec): Float32Array {
  const key = `${spec.mean.join(',')}/${spec.std.join(',')}`;
  let lut = lutCache.get(key);
  if (!lut) {
    lut = new Float32Array(3 * 256);
    for (let c = 0; c < 3; c++) for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - spec.mean[c]) / spec.std[c];
    lutCache.set(key, lut);
  }
  return lut;
}

/** ToTensor + Normalize: HWC bytes → CHW float32, written into `out` at `offset` (a batch slot). */
export function normalizeInto(rgb: Uint8Array, spec: PreprocessSpec, out: Float32Array, offset = 0): void {
  const n = spec.size * spec.size;
  const lut = normalizeTable(spec);
  for (let c = 0; c < 3; c++) {
    const base = offset + c * n;
    const t = c * 256;
    for (let i = 0; i < n; i++) out[base + i] = lut[t + rgb[i * 3 + c]];
  }
}

/** The 3×S×S float32 tensor CLIP's image tower takes, for one encoded image. */
/** Largest output side: 3 × 4096² float32 is 200 MB; more is a typo (100000 would ask for 120 GB and abort). */
export const MAX_SIZE = 4096;

export async function preprocessImage(input: Buffer, spec: PreprocessSpec = DEFAULT_SPEC, where = 'image'): Promise<Float32Array> {
  if (!Number.isInteger(spec.size) || spec.size < 1 || spec.size > MAX_SIZE)
    throw new UsageError(`preprocess: size ${spec.size} is not an integer 1–${MAX_SIZE}`);
  const { rgb } = await cropRgb(input, spec.size, where);
  const out = new Float32Array(3 * spec.size * spec.size);
  normalizeInto(rgb, spec, out);
  return out;
}
