/** Step 5 of `analyze`: principal angles between class subspaces of the clean embeddings. */
import { classSubspaceAngles } from '../kernels/angles.js';
import type { ProgressFn } from '../native.js';
import type { StepCache } from './cache.js';
import type { AnglesSection } from './types.js';

const DEG = 180 / Math.PI;
/** Each class keeps the fewest directions holding this fraction of its energy. */
const ENERGY = 0.9;

export async function classAngles(
  o: { x: Float32Array; labels: Int32Array; dim: number; classes: string[]; key: string; threads?: number; signal?: AbortSignal; onProgress?: ProgressFn },
  steps: StepCache,
): Promise<AnglesSection> {
  const C = o.classes.length;
  const run = await steps.run('angles', { cleanKey: o.key, energy: ENERGY }, async () => {
    const r = await classSubspaceAngles({ data: o.x, rows: o.labels.length, cols: o.dim }, Uint32Array.from(o.labels), o.classes, {
      energy: ENERGY,
      threads: o.threads,
      signal: o.signal,
      onProgress: o.onProgress,
    });
    return {
      ranks: r.ranks,
      min: r.min,
      spectra: r.spectra.map((p) => ({ a: p.a, b: p.b, mean: p.angles.reduce((x, y) => x + y, 0) / Math.max(1, p.angles.length) })),
      warnings: r.warnings,
    };
  });
  const A = run.value;
  const minDeg = Array.from({ length: C }, (_, i) => Array.from(A.min.subarray(i * C, (i + 1) * C), (v) => v * DEG));
  const closest = A.spectra
    .map((p) => ({ a: o.classes[p.a], b: o.classes[p.b], min_deg: minDeg[p.a][p.b], mean_deg: p.mean * DEG }))
    .sort((x, y) => x.min_deg - y.min_deg || x.mean_deg - y.mean_deg)
    .slice(0, 10);
  return { sigma: 0, center: true, energy: ENERGY, rank: 'full', ranks: A.ranks, min_deg: minDeg, closest, warnings: A.warnings };
}
