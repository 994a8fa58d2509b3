import { describe, expect, it } from 'vitest';

import { CLIP_MEAN, CLIP_STD } from '../src/clip/preprocess.js';
import { addGaussianNoise, addGaussianNoiseBatch, standardNormal } from '../src/noise/gaussian.js';

const shape = { channels: 3, height: 224, width: 224 };
const N = 3 * 224 * 224;

/** Bitwise equality; vitest's deep equality is slow on arrays of this size. */
function same(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function stats(a: Float32Array | number[]): { mean: number; std: number } {
  let m = 0;
  for (const v of a) m += v;
  m /= a.length;
  let s = 0;
  for (const v of a) s += (v - m) ** 2;
  return { mean: m, std: Math.sqrt(s / a.length) };
}

/** standardNormal({ seed: 1, imageId: 'grid/a.jpg', level: 1 })[0] as computed before ids kept raw bytes. */
const REF_GRID_A = -0.6940990686416626;

describe('Gaussian noise', () => {
  for (const sigma of [0.5, 1, 2]) {
    it(`mean and std of the noise match σ = ${sigma} within 1% over 224×224×3`, () => {
      for (const seed of [0, 1, 12345]) {
        const x = new Float32Array(N).map((_, i) => Math.sin(i));
        const y = addGaussianNoise(x, shape, `img-${seed}`, { sigma, seed });
        const noise = y.map((v, i) => v - x[i]);
        const st = stats(noise);
        expect(Math.abs(st.mean)).toBeLessThan(0.01 * sigma);
        expect(Math.abs(st.std - sigma) / sigma).toBeLessThan(0.01);
      }
    });
  }

  it('standard normals have Gaussian tails and no correlation between neighbours', () => {
    const z = standardNormal({ seed: 3, imageId: 'x', level: 1 }, 200_000);
    const frac = (t: number) => z.filter((v) => Math.abs(v) > t).length / z.length;
    expect(frac(1)).toBeCloseTo(0.3173, 2);
    expect(frac(2)).toBeCloseTo(0.0455, 2);
    let c = 0;
    for (let i = 1; i < z.length; i++) c += z[i] * z[i - 1];
    expect(Math.abs(c / z.length)).toBeLessThan(0.01);
  });

  it('same seed gives the same noise whatever the batch size; slices agree', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const imgs = new Float32Array(N * ids.length).map((_, i) => (i % 97) / 97);
    const opts = { sigma: 1, seed: 42 };
    const whole = addGaussianNoiseBatch(imgs, shape, ids, opts);
    for (const size of [1, 2, 3]) {
      for (let start = 0; start < ids.length; start += size) {
        const part = ids.slice(start, start + size);
        const got = addGaussianNoiseBatch(imgs.subarray(start * N, (start + part.length) * N), shape, part, opts);
        expect(same(got, whole.subarray(start * N, (start + part.length) * N))).toBe(true);
      }
    }
    const full = standardNormal({ seed: 1, imageId: 7, level: 0.5 }, 1001);
    expect(standardNormal({ seed: 1, imageId: 7, level: 0.5 }, 500, 301)).toEqual(full.subarray(301, 801));
  });

  it('seed, image id and level each change the noise', () => {
    const base = standardNormal({ seed: 1, imageId: 'a', level: 1 }, 64);
    expect(standardNormal({ seed: 2, imageId: 'a', level: 1 }, 64)).not.toEqual(base);
    expect(standardNormal({ seed: 1, imageId: 'b', level: 1 }, 64)).not.toEqual(base);
    expect(standardNormal({ seed: 1, imageId: 'a', level: 2 }, 64)).not.toEqual(base);
    expect(standardNormal({ seed: 1, imageId: 1, level: 1 }, 64)).not.toEqual(standardNormal({ seed: 1, imageId: '1', level: 1 }, 64));
  });

  it('ids of files named in bytes that are not UTF-8 get noise of their own', () => {
    // "gr\xE9d/a.jpg" and "gr\xE8d/a.jpg" as io/rawpath.ts keeps them: both would be "gr\uFFFDd/a.jpg" in UTF-8.
    const e9 = standardNormal({ seed: 1, imageId: 'gr\udce9d/a.jpg', level: 1 }, 64);
    expect(standardNormal({ seed: 1, imageId: 'gr\udce8d/a.jpg', level: 1 }, 64)).not.toEqual(e9);
    expect(standardNormal({ seed: 1, imageId: 'gr\ufffdd/a.jpg', level: 1 }, 64)).not.toEqual(e9);
    // Valid UTF-8 ids keep the noise they always had: this value is from before the change.
    expect(standardNormal({ seed: 1, imageId: 'grid/a.jpg', level: 1 }, 1)[0]).toBe(REF_GRID_A);
  });

  it('pixel space adds σ to [0,1] pixels and clips', () => {
    const px = 0.5;
    const x = new Float32Array(N);
    for (let c = 0; c < 3; c++) x.fill((px - CLIP_MEAN[c]) / CLIP_STD[c], c * 224 * 224, (c + 1) * 224 * 224);
    const sigma = 0.08;
    const y = addGaussianNoise(x, shape, 'p', { sigma, seed: 9, space: 'pixel', mean: CLIP_MEAN, std: CLIP_STD });
    const pix = Array.from(y, (v, i) => v * CLIP_STD[Math.floor(i / (224 * 224))] + CLIP_MEAN[Math.floor(i / (224 * 224))]);
    const st = stats(pix.map((p) => p - px));
    expect(Math.abs(st.std - sigma) / sigma).toBeLessThan(0.01);
    const big = addGaussianNoise(x, shape, 'p', { sigma: 2, seed: 9, space: 'pixel', mean: CLIP_MEAN, std: CLIP_STD });
    const pb = Array.from(big, (v, i) => v * CLIP_STD[Math.floor(i / (224 * 224))] + CLIP_MEAN[Math.floor(i / (224 * 224))]);
    expect(pb.reduce((a, b) => Math.min(a, b))).toBeGreaterThanOrEqual(-1e-5);
    expect(pb.reduce((a, b) => Math.max(a, b))).toBeLessThanOrEqual(1 + 1e-5);
    expect(pb.filter((p) => Math.abs(p) < 1e-5 || Math.abs(p - 1) < 1e-5).length / pb.length).toBeGreaterThan(0.7);
  });

  it('rejects bad input', () => {
    expect(() => addGaussianNoise(new Float32Array(5), shape, 'a', { sigma: 1, seed: 0 })).toThrow(/needs 150528/);
    expect(() => addGaussianNoise(new Float32Array(N), shape, 'a', { sigma: -1, seed: 0 })).toThrow(/sigma/);
    expect(() => addGaussianNoise(new Float32Array(N), shape, 'a', { sigma: NaN, seed: 0 })).toThrow(/sigma/);
    // Noise knows no model: pixel space needs the caller's normalisation.
    expect(() => addGaussianNoise(new Float32Array(N), shape, 'a', { sigma: 1, seed: 0, space: 'pixel' })).toThrow(/mean and std/);
  });
});
