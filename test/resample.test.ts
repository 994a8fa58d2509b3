import { describe, expect, it } from 'vitest';

import { InputError } from '../src/errors.js';
import { resampleBicubicCrop } from '../src/kernels/image.js';
import { compareBytes, pilFile, pilFixtures, pilPixels, resampleBicubicCrop as reference, verticalFirst } from './helpers/resample-reference.js';
import { rng } from './helpers/rng.js';

const pil = pilFixtures();

describe('native PIL bicubic resampling', () => {
  it('equals the TypeScript reference, byte for byte, on random images, sizes and windows', () => {
    const next = rng(7);
    const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
    let vFirst = 0;
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
      if (outW !== w && verticalFirst(w, h, outW, outH)) vFirst++;
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
    expect(vFirst, 'trials that take the vertical-first order').toBeGreaterThan(20);
  });

  it('refuses a buffer of the wrong length with an InputError', () => {
    expect(() => resampleBicubicCrop(new Uint8Array(11), 2, 2, 3, 1, 1, 0, 0, 1, 1)).toThrow(InputError);
    expect(() => resampleBicubicCrop(new Uint8Array(12), 2, 2, 3, 1, 1, 0, 0, 2, 1)).toThrow(/window/);
  });
});

describe(`bit-identical to Pillow ${pil.pillow}, in either pass order (fixtures/resample/make_pil.py)`, () => {
  it('has tall and wide cases whose two pass orders give different bytes', () => {
    expect(pil.pillow).toBe('13.0.0');
    const vertical = pil.cases.filter((k) => k.order === 'vertical first');
    expect(vertical.length).toBeGreaterThanOrEqual(8);
    expect(pil.cases.filter((k) => k.order === 'horizontal first').length).toBeGreaterThanOrEqual(4);
    // Otherwise a case could not tell a wrong order from the right one.
    for (const k of pil.cases) expect(k.orders_differ, k.name).toBeGreaterThan(0);
  });

  for (const k of pil.cases) {
    it(`${k.name}: ${k.order} (${k.note || k.kind})`, async () => {
      const im = pil.images[k.image];
      const { data, channels } = await pilPixels(im);
      const [w, h] = im.size;
      const [outW, outH] = k.new_size;
      const [left, top, cw, ch] = k.window;
      expect(verticalFirst(w, h, outW, outH) ? 'vertical first' : 'horizontal first', 'the rule gives the order Pillow took').toBe(k.order);
      const want = new Uint8Array(pilFile(k.out));
      expect(want.length).toBe(cw * ch * channels);
      for (const [who, got] of [
        ['native', resampleBicubicCrop(data, w, h, channels, outW, outH, left, top, cw, ch)],
        ['reference', reference(data, w, h, channels, outW, outH, left, top, cw, ch)],
      ] as const) {
        expect(got.length, who).toBe(want.length);
        const { maxDiff, first } = compareBytes(got, want);
        expect({ who, maxDiff, first }).toEqual({ who, maxDiff: 0, first: -1 });
      }
    });
  }
});
