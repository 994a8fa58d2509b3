/**
 * PIL's 8-bit alpha arithmetic around resampling (premultiply before, divide back after) and its
 * rounded a·b/255. The resampling itself is in the Rust core (src/kernels/image.ts).
 */

/** PIL's (a·b + 128 + ((a·b + 128) >> 8)) >> 8: a·b/255 rounded, in integers. */
export function muldiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/** RGBA → RGBa / LA → La as PIL converts before resampling (colour premultiplied by alpha, 8-bit). */
export function premultiply(px: Uint8Array, c: number): void {
  for (let i = 0; i < px.length; i += c) {
    const a = px[i + c - 1];
    for (let k = 0; k < c - 1; k++) px[i + k] = muldiv255(px[i + k], a);
  }
}

/** RGBa → RGBA / La → LA: divide by alpha with integer division; alpha 0 or 255 leaves colour as is. */
export function unpremultiply(px: Uint8Array, c: number): void {
  for (let i = 0; i < px.length; i += c) {
    const a = px[i + c - 1];
    if (a === 0 || a === 255) continue;
    for (let k = 0; k < c - 1; k++) px[i + k] = Math.min(255, Math.trunc((255 * px[i + k]) / a));
  }
}
