/**
 * The TypeScript port of PIL's bicubic resampling that preprocessing used before the Rust core took it
 * over (src/clip/resample.ts at main 7b4d244), kept as the reference the native resampler is tested
 * against (test/resample.test.ts and the fixture made by test/fixtures/resample/make_fixture.ts), and
 * since issue 17 item 4 corrected as the native one was: Pillow's pass order (vertical first when the
 * height shrinks by more than twice as many pixels as the width) and its weights' `· (1 / scale)`.
 * Also loads the Pillow fixtures of test/fixtures/resample/pil (make_pil.py).
 */
import { readFileSync } from 'node:fs';

const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

function cubic(x: number): number {
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

interface Taps {
  first: Int32Array;
  count: Int32Array;
  /** Fixed-point weights, `stride` per output pixel (sums of 8-bit × weight stay inside int32). */
  weights: Int32Array;
  stride: number;
}

/** Weights for output pixels start … start+len−1 of an inSize → outSize resize. */
function taps(inSize: number, outSize: number, start: number, len: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const invFilterScale = 1 / filterScale;
  const support = 2 * filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(len);
  const count = new Int32Array(len);
  const weights = new Int32Array(len * stride);
  const k = new Float64Array(stride);
  for (let j = 0; j < len; j++) {
    const center = (start + j + 0.5) * scale;
    // C's (int) cast truncates toward zero; the clamps make that the same as floor here.
    let lo = Math.trunc(center - support + 0.5);
    if (lo < 0) lo = 0;
    let hi = Math.trunc(center + support + 0.5);
    if (hi > inSize) hi = inSize;
    const n = hi - lo;
    let sum = 0;
    for (let t = 0; t < n; t++) {
      const w = cubic((t + lo - center + 0.5) * invFilterScale);
      k[t] = w;
      sum += w;
    }
    for (let t = 0; t < n; t++) {
      const w = sum !== 0 ? k[t] / sum : k[t];
      weights[j * stride + t] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    first[j] = lo;
    count[j] = n;
  }
  return { first, count, weights, stride };
}

function clip8(sum: number): number {
  const v = sum >> PRECISION_BITS;
  return v < 0 ? 0 : Math.min(v, 255);
}

/** A w×h×c image as a plain struct, for the passes below. */
interface Img {
  px: Uint8Array;
  w: number;
  h: number;
}

/** Horizontal pass: the output columns of `t` (indices into the input row), for every row. */
function horizontal(src: Img, c: number, t: Taps, len: number): Img {
  const out = new Uint8Array(src.h * len * c);
  for (let y = 0; y < src.h; y++) {
    for (let x = 0; x < len; x++) {
      for (let ch = 0; ch < c; ch++) {
        let s = HALF;
        // int32 throughout (|0): |Σ 255·w| < 2^31 for these kernels.
        for (let i = 0; i < t.count[x]; i++) s = (s + src.px[(y * src.w + t.first[x] + i) * c + ch] * t.weights[x * t.stride + i]) | 0;
        out[(y * len + x) * c + ch] = clip8(s);
      }
    }
  }
  return { px: out, w: len, h: src.h };
}

/** Vertical pass: the output rows of `t` (row indices into `src` minus `rowLo`), for every column. */
function vertical(src: Img, c: number, t: Taps, len: number, rowLo: number): Img {
  const out = new Uint8Array(len * src.w * c);
  const rowLen = src.w * c;
  for (let y = 0; y < len; y++) {
    for (let i = 0; i < rowLen; i++) {
      let s = HALF;
      for (let r = 0; r < t.count[y]; r++) s = (s + src.px[(t.first[y] - rowLo + r) * rowLen + i] * t.weights[y * t.stride + r]) | 0;
      out[y * rowLen + i] = clip8(s);
    }
  }
  return { px: out, w: src.w, h: len };
}

/** Rows lo … hi−1 and columns left … left+width−1 of an image. */
function part(src: Img, c: number, lo: number, hi: number, left: number, width: number): Img {
  const out = new Uint8Array((hi - lo) * width * c);
  for (let y = lo; y < hi; y++) out.set(src.px.subarray((y * src.w + left) * c, (y * src.w + left + width) * c), (y - lo) * width * c);
  return { px: out, w: width, h: hi - lo };
}

/** The span of input indices that taps read: [first of the first, max end). */
function span(t: Taps): [number, number] {
  let hi = 0;
  for (let j = 0; j < t.first.length; j++) hi = Math.max(hi, t.first[j] + t.count[j]);
  return [t.first[0], hi];
}

/** Pillow's ImagingResampleInner order: vertical first iff the height shrinks by more than twice the width's loss. */
export function verticalFirst(w: number, h: number, outW: number, outH: number): boolean {
  return h - outH > 0 && h - outH > 2 * (w - outW);
}

/**
 * Resizes a w×h×c 8-bit image to outW×outH with PIL's bicubic and returns the cropW×cropH window at
 * (left, top) of the result, w×h×c interleaved. Skips a pass whose size does not change, as PIL does;
 * runs the two passes in PIL's order, each rounded to 8 bits.
 */
export function resampleBicubicCrop(
  src: Uint8Array,
  w: number,
  h: number,
  c: number,
  outW: number,
  outH: number,
  left: number,
  top: number,
  cropW: number,
  cropH: number,
): Uint8Array {
  const th = outW !== w ? taps(w, outW, left, cropW) : null;
  const tv = outH !== h ? taps(h, outH, top, cropH) : null;
  const [rowLo, rowHi] = tv ? span(tv) : [top, top + cropH];
  const [colLo, colHi] = th ? span(th) : [left, left + cropW];
  const img: Img = { px: src, w, h };
  if (th && tv && verticalFirst(w, h, outW, outH)) {
    // Vertical over the columns the horizontal pass reads, then horizontal with its taps shifted to them.
    const mid = vertical(part(img, c, 0, h, colLo, colHi - colLo), c, tv, cropH, 0);
    const shifted = { ...th, first: th.first.map((f) => f - colLo) };
    return horizontal(mid, c, shifted, cropW).px;
  }
  let mid = th ? horizontal(part(img, c, rowLo, rowHi, 0, w), c, th, cropW) : part(img, c, rowLo, rowHi, left, cropW);
  if (tv) mid = vertical(mid, c, tv, cropH, rowLo);
  return mid.px;
}

/** One input image of test/fixtures/resample/pil. */
export interface PilImage {
  file: string;
  mode: 'L' | 'RGB';
  size: [number, number];
}

/** One Pillow reference: `image` resized to new_size, the `window` [left, top, width, height] of it. */
export interface PilCase {
  name: string;
  kind: 'resize' | 'clip';
  image: string;
  new_size: [number, number];
  window: [number, number, number, number];
  out: string;
  order: string;
  orders_differ: number;
  note: string;
}

// Resolved when called (and sharp imported when needed), so that make_fixture.ts, which bundles this file, needs neither.
export function pilFile(file: string): Buffer {
  return readFileSync(new URL(`../fixtures/resample/pil/${file}`, import.meta.url));
}

export function pilFixtures(): { pillow: string; images: Record<string, PilImage>; cases: PilCase[] } {
  return JSON.parse(pilFile('cases.json').toString('utf8'));
}

/** A fixture PNG's pixels, interleaved, 1 band for L and 3 for RGB (sharp widens gray to RGB: narrowed back). */
export async function pilPixels(im: PilImage): Promise<{ data: Uint8Array; channels: number }> {
  const { default: sharp } = await import('sharp');
  const { data, info } = await sharp(pilFile(im.file)).raw().toBuffer({ resolveWithObject: true });
  if (info.width !== im.size[0] || info.height !== im.size[1] || info.channels !== 3) {
    throw new Error(`${im.file}: decoded ${info.width}×${info.height}×${info.channels}, expected ${im.size.join('×')} ${im.mode}`);
  }
  const rgb = new Uint8Array(data.buffer, data.byteOffset, data.length);
  if (im.mode === 'RGB') return { data: rgb, channels: 3 };
  const gray = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < gray.length; i++) {
    if (rgb[3 * i] !== rgb[3 * i + 1] || rgb[3 * i] !== rgb[3 * i + 2]) throw new Error(`${im.file}: gray pixel ${i} decoded as colour`);
    gray[i] = rgb[3 * i];
  }
  return { data: gray, channels: 1 };
}

/** Largest |a − b| and the first index where they differ (−1 if none); lengths must agree. */
export function compareBytes(a: Uint8Array, b: Uint8Array): { maxDiff: number; first: number } {
  let maxDiff = 0;
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0 && first < 0) first = i;
    if (d > maxDiff) maxDiff = d;
  }
  return { maxDiff, first };
}
