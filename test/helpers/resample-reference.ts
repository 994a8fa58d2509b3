/**
 * The TypeScript port of PIL's bicubic resampling that preprocessing used before the Rust core took it
 * over (src/clip/resample.ts at main 7b4d244), kept only as the reference the native resampler is
 * tested against (test/resample.test.ts and the fixture made by test/fixtures/resample/make_fixture.ts).
 */
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
      const w = cubic((t + lo - center + 0.5) / filterScale);
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

/**
 * Resizes a w×h×c 8-bit image to outW×outH with PIL's bicubic and returns the cropW×cropH window at
 * (left, top) of the result, w×h×c interleaved. Skips a pass whose size does not change, as PIL does.
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
  // Horizontal pass over the input rows the vertical pass will read.
  const tv = outH !== h ? taps(h, outH, top, cropH) : null;
  const rowLo = tv ? tv.first[0] : top;
  let rowHi = top + cropH;
  if (tv) {
    rowHi = 0;
    for (let j = 0; j < cropH; j++) rowHi = Math.max(rowHi, tv.first[j] + tv.count[j]);
  }
  const rows = rowHi - rowLo;
  const mid = new Uint8Array(rows * cropW * c);
  if (outW !== w) {
    const th = taps(w, outW, left, cropW);
    const W = th.weights;
    for (let y = 0; y < rows; y++) {
      const inRow = (y + rowLo) * w * c;
      const outRow = y * cropW * c;
      for (let x = 0; x < cropW; x++) {
        const n = th.count[x];
        const wo = x * th.stride;
        let p = inRow + th.first[x] * c;
        const o = outRow + x * c;
        // All bands in one sweep over the taps (the hot loop of preprocessing).
        if (c === 3) {
          let s0 = HALF,
            s1 = HALF,
            s2 = HALF;
          for (let t = 0; t < n; t++, p += 3) {
            const k = W[wo + t];
            // int32 throughout (|0): |Σ 255·w| < 2^31 for these kernels, and V8 keeps it in integer registers.
            s0 = (s0 + src[p] * k) | 0;
            s1 = (s1 + src[p + 1] * k) | 0;
            s2 = (s2 + src[p + 2] * k) | 0;
          }
          mid[o] = clip8(s0);
          mid[o + 1] = clip8(s1);
          mid[o + 2] = clip8(s2);
        } else {
          for (let ch = 0; ch < c; ch++) {
            let s = HALF;
            for (let t = 0; t < n; t++) s = (s + src[p + t * c + ch] * W[wo + t]) | 0;
            mid[o + ch] = clip8(s);
          }
        }
      }
    }
  } else {
    for (let y = 0; y < rows; y++) mid.set(src.subarray(((y + rowLo) * w + left) * c, ((y + rowLo) * w + left + cropW) * c), y * cropW * c);
  }
  if (!tv) return mid;
  const out = new Uint8Array(cropW * cropH * c);
  const rowLen = cropW * c;
  const acc = new Int32Array(rowLen);
  for (let j = 0; j < cropH; j++) {
    const f = tv.first[j] - rowLo;
    const n = tv.count[j];
    const wo = j * tv.stride;
    // Row-wise accumulation: each tap adds a whole input row, which walks memory in order.
    acc.fill(HALF);
    for (let t = 0; t < n; t++) {
      const k = tv.weights[wo + t];
      const base = (f + t) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] = (acc[i] + mid[base + i] * k) | 0;
    }
    const o = j * rowLen;
    for (let i = 0; i < rowLen; i++) out[o + i] = clip8(acc[i]);
  }
  return out;
}
