/**
 * The size of a cloud, so that a change of size can be told from a change of shape: noise pulls CLIP
 * embeddings together (the enclosing radius falls several-fold from σ = 0 to σ = 2) and every Rips
 * filtration value shrinks with it, whatever happens to the shape.
 */

export function median(v: number[]): number {
  if (v.length === 0) return 0;
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Above this many rows the median pairwise distance is taken over an evenly strided subset of rows. */
export const MEDIAN_ROWS = 3000;

export interface CloudScale {
  /** min over points of the largest distance to another point: Ripser's default threshold. */
  enclosing_radius: number;
  /** Median Euclidean distance over pairs of points (of `median_rows` rows). */
  median_distance: number;
  /** Rows the median was taken over (all of them up to MEDIAN_ROWS). */
  median_rows: number;
}

/** Enclosing radius and median pairwise distance of the rows of an n×d matrix. */
export function cloudScale(x: Float32Array, d: number): CloudScale {
  const n = x.length / d;
  const ecc = new Float64Array(n);
  const step = n > MEDIAN_ROWS ? n / MEDIAN_ROWS : 1;
  const chosen = new Uint8Array(n);
  for (let k = 0; k < Math.min(n, MEDIAN_ROWS); k++) chosen[Math.floor(k * step)] = 1;
  const sample: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const u = x[i * d + t] - x[j * d + t];
        s += u * u;
      }
      const r = Math.sqrt(s);
      if (r > ecc[i]) ecc[i] = r;
      if (r > ecc[j]) ecc[j] = r;
      if (chosen[i] && chosen[j]) sample.push(r);
    }
  }
  let enclosing = n > 0 ? Infinity : 0;
  for (let i = 0; i < n; i++) enclosing = Math.min(enclosing, ecc[i]);
  return { enclosing_radius: n > 1 ? enclosing : 0, median_distance: median(sample), median_rows: Math.min(n, MEDIAN_ROWS) };
}

/** A diagram with every filtration value divided by `s` (∞ stays ∞). */
export function scaled(pairs: [number, number][], s: number): [number, number][] {
  if (!(s > 0)) return pairs;
  return pairs.map(([b, e]) => [b / s, e / s]);
}
