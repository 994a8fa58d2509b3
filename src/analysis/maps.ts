/** Step 4 of `analyze`: t-SNE and UMAP maps of the clean embeddings, of all classes and of a seeded class sample. */
import { tsne, umap } from '../kernels/maps.js';
import type { ProgressFn } from '../native.js';
import type { StepCache } from './cache.js';
import { rng, shuffled, subSeed } from './random.js';
import { gather } from './topology.js';
import type { MapFigure, MapInfo } from './types.js';

export interface MapsInput {
  x: Float32Array;
  labels: Int32Array;
  dim: number;
  classes: number;
  /** Hash of x and labels: the cache key's part for the data. */
  key: string;
  sampleClasses: number;
  seed: number;
  threads?: number;
  signal?: AbortSignal;
  progress: (step: string) => ProgressFn;
}

/** The sampled classes, sorted: the first `k` of a seeded shuffle. */
export function sampleClasses(classes: number, k: number, seed: number): number[] {
  return shuffled([...Array(classes).keys()], rng(subSeed(seed, 'class-sample')))
    .slice(0, Math.min(k, classes))
    .sort((a, b) => a - b);
}

/** A UMAP run as the step cache keeps it (the parameters are the kernel's defaults, named for the report). */
function umapResult(m: Awaited<ReturnType<typeof umap>>) {
  return {
    xy: m.embedding,
    trustworthiness: m.trustworthiness,
    warnings: m.warnings,
    params: { a: m.a, b: m.b, init: m.init, n_neighbors: 15, min_dist: 0.1 } as Record<string, number | string>,
  };
}

export async function classMaps(o: MapsInput, steps: StepCache): Promise<{ maps: MapFigure[]; warnings: string[] }> {
  const sampled = sampleClasses(o.classes, o.sampleClasses, o.seed);
  const maps: MapFigure[] = [];
  const warnings: string[] = [];
  for (const subset of ['all', 'sample'] as const) {
    // With every class in the sample, the sampled map would repeat the full one.
    if (subset === 'sample' && sampled.length === o.classes) continue;
    const keep = subset === 'all' ? null : new Set(sampled);
    const rows = Array.from(o.labels.keys()).filter((i) => !keep || keep.has(o.labels[i]));
    const x = gather(o.x, o.dim, rows);
    const labels = Int32Array.from(rows, (i) => o.labels[i]);
    const n = rows.length;
    for (const method of ['tsne', 'umap'] as const) {
      const seed = subSeed(o.seed, `${method}-${subset}`);
      if (n < 4) {
        warnings.push(`${method} (${subset}) skipped: ${n} points`);
        continue;
      }
      const r = await steps.run(`map-${method}-${subset}`, { key: o.key, rows: n, seed, sampled }, async () => {
        const opts = { n, d: o.dim, seed, threads: o.threads, trustworthiness: true, signal: o.signal, onProgress: o.progress(`${method} (${subset})`) };
        if (method === 'tsne') {
          const m = await tsne(x, opts);
          return {
            xy: m.embedding,
            trustworthiness: m.trustworthiness,
            warnings: m.warnings,
            params: { perplexity: m.perplexity, kl: m.kl } as Record<string, number | string>,
          };
        }
        return umapResult(await umap(x, opts));
      });
      const info: MapInfo = {
        method,
        subset,
        classes: subset === 'all' ? [...Array(o.classes).keys()] : sampled,
        points: n,
        seed,
        params: r.value.params,
        trustworthiness: r.value.trustworthiness,
        file: `maps/${method}_${subset}.csv`,
        warnings: r.value.warnings,
      };
      maps.push({ info, xy: r.value.xy, labels, rows: Uint32Array.from(rows) });
    }
  }
  return { maps, warnings };
}

/**
 * One UMAP of the clean and every noisy embedding together (issue 16): point k·n + i is row i at level k,
 * so the report can draw each image's move under noise. UMAP, not t-SNE: its layout keeps more of the
 * global arrangement, and it is the cheaper of the two on L·n points. null with no noisy level.
 */
export async function jointMap(
  o: Omit<MapsInput, 'x' | 'sampleClasses'> & { levels: Float32Array[] },
  steps: StepCache,
): Promise<{ map: (MapFigure & { levels: Uint8Array }) | null; warnings: string[] }> {
  const L = o.levels.length;
  const n = o.labels.length;
  if (L < 2) return { map: null, warnings: [] };
  const N = L * n;
  if (N < 4) return { map: null, warnings: [`umap (joint) skipped: ${N} points`] };
  const seed = subSeed(o.seed, 'umap-joint');
  const x = new Float32Array(N * o.dim);
  for (const [k, l] of o.levels.entries()) x.set(l, k * n * o.dim);
  const r = await steps.run('map-umap-joint', { key: o.key, levels: L, rows: n, seed }, async () =>
    umapResult(await umap(x, { n: N, d: o.dim, seed, threads: o.threads, trustworthiness: true, signal: o.signal, onProgress: o.progress('umap (joint)') })),
  );
  const info: MapInfo = {
    method: 'umap',
    subset: 'joint',
    classes: [...Array(o.classes).keys()],
    points: N,
    seed,
    params: r.value.params,
    trustworthiness: r.value.trustworthiness,
    file: 'maps/umap_joint.csv',
    warnings: r.value.warnings,
  };
  const labels = new Int32Array(N);
  const rows = new Uint32Array(N);
  const levels = new Uint8Array(N);
  for (let k = 0; k < L; k++)
    for (let i = 0; i < n; i++) {
      labels[k * n + i] = o.labels[i];
      rows[k * n + i] = i;
      levels[k * n + i] = k;
    }
  // The map's own warnings travel in its info, as the other maps' do.
  return { map: { info, xy: r.value.xy, labels, rows, levels }, warnings: [] };
}
