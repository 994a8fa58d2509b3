/** Pixel arithmetic of CLIP preprocessing in the Rust core (typed wrapper; synchronous, see below). */
import { callNativeSync } from '../native.js';

/**
 * Resizes a w×h×c interleaved 8-bit image to outW×outH with PIL's bicubic (fixed point, two passes in
 * Pillow's order — vertical first when the height loses more than twice the pixels the width does —
 * bit-identical to Pillow) and returns the cropW×cropH window at (left, top) of the
 * result. Synchronous: meant for the preprocessing worker thread, where blocking is the point.
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
  return callNativeSync((native) => native.resizeBicubicPilCrop(src, w, h, c, outW, outH, left, top, cropW, cropH));
}

/**
 * Decodes a JPEG that PIL opens as "L" or "RGB" with libjpeg-turbo, Pillow's own decoder, so the
 * pixels are PIL's exactly (embedded ICC profiles ignored, as PIL does); undefined for other JPEG
 * kinds (CMYK, YCCK). Refuses more than `maxPixels` pixels from the header. Damage is handled as PIL
 * handles it: data ending before the end-of-image marker is an error (truncated), corrupt but complete
 * data decodes to libjpeg's recovered pixels. Synchronous, for the preprocessing worker like the resize.
 */
export function decodeJpeg(jpeg: Uint8Array, maxPixels: number): { width: number; height: number; channels: number; pixels: Uint8Array } | undefined {
  return callNativeSync((native) => native.decodeJpeg(jpeg, maxPixels)) ?? undefined;
}
