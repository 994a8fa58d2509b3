/**
 * Seeded additive Gaussian noise for image tensors. The noise of an image depends only on
 * (seed, image id, level) and the element index: a counter-based generator (a keyed hash of the
 * index) replaces a sequential PRNG, so results are the same whatever the batching or thread layout.
 */
import { InputError } from '../errors.js';
import { diskPath } from '../io/rawpath.js';

/** 'normalized': σ is in CLIP's normalised input space (the study's 0.5, 1, 2); 'pixel': σ is in
 * [0, 1] pixel units and the noisy pixels are clipped to [0, 1] (ImageNet-C's convention). */
export type NoiseSpace = 'normalized' | 'pixel';

export interface NoiseKey {
  seed: number;
  imageId: string | number;
  /** Identifies the noise level (usually σ itself), so each level draws fresh noise. */
  level: number;
}

export interface GaussianNoiseOptions {
  sigma: number;
  seed: number;
  space?: NoiseSpace;
  /** Defaults to σ. */
  level?: number;
  /** Pixel space only: the per-channel normalisation the tensor went through (for CLIP, CLIP_MEAN and CLIP_STD). */
  mean?: readonly number[];
  std?: readonly number[];
}

export class NoiseError extends InputError {
  constructor(message: string) {
    super(message, 'ERR_INVALID_INPUT');
    this.name = 'NoiseError';
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function fnv1a(s: string, basis: number): number {
  let h = basis >>> 0;
  // Ids of files named in bytes that are not UTF-8 hold those bytes as escapes (io/rawpath.ts): hashed as the
  // bytes, since UTF-8 would turn every such byte into U+FFFD and give two different files the same noise.
  const bytes = Buffer.from(diskPath(s));
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return fmix32(h);
}

/** Two 32-bit key words from the (seed, image id, level) triple. */
export function noiseKeyWords(key: NoiseKey): [number, number] {
  if (!Number.isFinite(key.seed) || !Number.isFinite(key.level)) throw new NoiseError('noise: seed and level must be finite numbers');
  // The level is keyed by its exact binary value, not a rounded decimal string.
  const lv = Buffer.alloc(8);
  lv.writeDoubleLE(key.level);
  const s = `${key.seed}\u0000${typeof key.imageId}:${key.imageId}\u0000${lv.toString('hex')}`;
  return [fnv1a(s, 0x811c9dc5), fnv1a(s, 0x2545f491)];
}

/** Keyed hash of a counter; uniform over 32 bits. */
function counterHash(k0: number, k1: number, c: number): number {
  let x = (Math.imul(c, 0x9e3779b1) ^ k0) >>> 0;
  x = fmix32(x);
  x = fmix32((x ^ k1 ^ Math.imul(c >>> 16, 0x7feb352d)) >>> 0);
  return x;
}

const TWO_POW_32 = 4294967296;

/**
 * Standard normal values z[i], i in [offset, offset + count): a Box–Muller pair per even index, from
 * the keyed hashes of counters 2j and 2j + 1. Any slice can be computed independently.
 */
export function standardNormal(key: NoiseKey, count: number, offset = 0, out = new Float32Array(count)): Float32Array {
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(offset) || offset < 0)
    throw new NoiseError('noise: count and offset must be non-negative integers');
  if (offset + count > 2 ** 32) throw new NoiseError('noise: at most 2^32 values per image');
  const [k0, k1] = noiseKeyWords(key);
  for (let i = 0; i < count; ) {
    const idx = offset + i;
    const pair = idx >>> 1;
    const u1 = (counterHash(k0, k1, 2 * pair) + 0.5) / TWO_POW_32;
    const u2 = (counterHash(k0, k1, 2 * pair + 1) + 0.5) / TWO_POW_32;
    const r = Math.sqrt(-2 * Math.log(u1));
    const a = 2 * Math.PI * u2;
    if ((idx & 1) === 0) {
      out[i++] = r * Math.cos(a);
      if (i < count) out[i++] = r * Math.sin(a);
    } else {
      out[i++] = r * Math.sin(a);
    }
  }
  return out;
}

export interface TensorShape {
  channels: number;
  height: number;
  width: number;
}

function checkOptions(o: GaussianNoiseOptions, channels: number): void {
  if (!(o.sigma >= 0) || !Number.isFinite(o.sigma)) throw new NoiseError(`noise: sigma must be a finite number ≥ 0, got ${o.sigma}`);
  if ((o.space ?? 'normalized') === 'pixel') {
    // Noise knows no model: the caller says how its tensors were normalised.
    if (o.mean?.length !== channels || o.std?.length !== channels)
      throw new NoiseError(`noise: pixel space needs the normalisation's mean and std for each of the ${channels} channels`);
  }
}

/**
 * Returns a noisy copy of one normalised CHW image tensor. In 'pixel' space the tensor is mapped back
 * to [0, 1] with `mean`/`std`, noise is added there and clipped, and the result normalised again.
 */
export function addGaussianNoise(tensor: Float32Array, shape: TensorShape, imageId: string | number, options: GaussianNoiseOptions): Float32Array {
  const { channels, height, width } = shape;
  const n = channels * height * width;
  if (tensor.length !== n) throw new NoiseError(`noise: tensor has ${tensor.length} values, shape ${channels}×${height}×${width} needs ${n}`);
  checkOptions(options, channels);
  const out = new Float32Array(n);
  if (options.sigma === 0) {
    out.set(tensor);
    return out;
  }
  const z = standardNormal({ seed: options.seed, imageId, level: options.level ?? options.sigma }, n);
  const sigma = options.sigma;
  if ((options.space ?? 'normalized') === 'normalized') {
    for (let i = 0; i < n; i++) out[i] = tensor[i] + sigma * z[i];
    return out;
  }
  const mean = options.mean!;
  const std = options.std!;
  const plane = height * width;
  for (let c = 0; c < channels; c++) {
    const m = mean[c];
    const s = std[c];
    for (let i = c * plane; i < (c + 1) * plane; i++) {
      const p = Math.min(1, Math.max(0, tensor[i] * s + m + sigma * z[i]));
      out[i] = (p - m) / s;
    }
  }
  return out;
}

/** Noisy copy of a batch of CHW tensors laid end to end; image k uses `imageIds[k]`. */
export function addGaussianNoiseBatch(
  batch: Float32Array,
  shape: TensorShape,
  imageIds: ReadonlyArray<string | number>,
  options: GaussianNoiseOptions,
): Float32Array {
  const per = shape.channels * shape.height * shape.width;
  if (batch.length !== per * imageIds.length)
    throw new NoiseError(`noise: batch has ${batch.length} values, ${imageIds.length} images of ${per} need ${per * imageIds.length}`);
  const out = new Float32Array(batch.length);
  imageIds.forEach((id, k) => out.set(addGaussianNoise(batch.subarray(k * per, (k + 1) * per), shape, id, options), k * per));
  return out;
}
