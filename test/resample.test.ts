import { describe, expect, it } from 'vitest';

import { InputError } from '../src/errors.js';
import { resampleBicubicCrop } from '../src/kernels/image.js';
import { resampleBicubicCrop as reference } from './helpers/resample-reference.js';
import { rng } from './helpers/rng.js';

describe('native PIL bicubic resampling', () => {
  it('equals the TypeScript port it replaced, byte for byte, on random images, sizes and windows', () => {
    const next = rng(7);
    const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
    for (let trial = 0; trial < 200; trial++) {
      const w = int(1, 90);
      const h = int(1, 90);
      const c = int(1, 4);
      const src = new Uint8Array(w * h * c);
      // Half the images are noise (overshoot, clamping), half smooth gradients.
      const noisy = trial % 2 === 0;
      for (let i = 0; i < src.length; i++) src[i] = noisy ? int(0, 255) : (i * 7 + Math.floor(i / (w * c)) * 3) % 256;
      const outW = next() < 0.2 ? w : int(1, 120);
      const outH = next() < 0.2 ? h : int(1, 120);
      const cropW = int(1, outW);
      const cropH = int(1, outH);
      const left = int(0, outW - cropW);
      const top = int(0, outH - cropH);
      const want = reference(src, w, h, c, outW, outH, left, top, cropW, cropH);
      const got = resampleBicubicCrop(src, w, h, c, outW, outH, left, top, cropW, cropH);
      const label = `${w}×${h}×${c} → ${outW}×${outH}, window ${cropW}×${cropH} at (${left}, ${top})`;
      expect(got.length, label).toBe(want.length);
      const bad = got.findIndex((v, i) => v !== want[i]);
      expect(bad, label).toBe(-1);
    }
  });

  it('refuses a buffer of the wrong length with an InputError', () => {
    expect(() => resampleBicubicCrop(new Uint8Array(11), 2, 2, 3, 1, 1, 0, 0, 1, 1)).toThrow(InputError);
    expect(() => resampleBicubicCrop(new Uint8Array(12), 2, 2, 3, 1, 1, 0, 0, 2, 1)).toThrow(/window/);
  });
});
