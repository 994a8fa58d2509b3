/**
 * Steps 7–8 of `analyze`: bottleneck and W1 distances between the clean and each noisy diagram (global
 * and per class), their rank correlation with the per-class drop in zero-shot recall, and summaries of
 * the global diagrams.
 */
import { summarize } from '../kernels/summaries.js';
import type { StepCache } from './cache.js';
import { keyOf } from './cache.js';
import type { StudyDiagrams } from './diagrams.js';
import { scaled } from './scale.js';
import { compare, correlations, largestMatching, levelDistance, saturation } from './topology.js';
import type { AnalysisMetrics, ClassDistance, Correlation, GlobalDistance, LevelAccuracy } from './types.js';

export async function diagramDistances(
  o: {
    diagrams: StudyDiagrams;
    sigmas: number[];
    classes: string[];
    maxdim: number;
    /** Hash of the clean labels. */
    labelsKey: string;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
  },
  steps: StepCache,
): Promise<{ global: GlobalDistance[]; per_class: ClassDistance[] }> {
  const { diagrams: D, sigmas, maxdim, signal } = o;
  const C = o.classes.length;
  const run = await steps.run('distances', { rips: keyOf(D.key), classes: o.labelsKey }, async () => {
    const g: GlobalDistance[] = [];
    const pc: ClassDistance[] = [];
    for (let k = 1; k < sigmas.length; k++) {
      for (let dimH = 0; dimH <= maxdim; dimH++) {
        const a = D.global[0].pairs[dimH];
        const b = D.global[k].pairs[dimH];
        const r = await compare(a, b, { signal });
        // Noise shrinks the cloud: compare the shapes too, each diagram divided by its cloud's enclosing radius.
        const na = scaled(a, D.global[0].scale.enclosing_radius);
        const nb = scaled(b, D.global[k].scale.enclosing_radius);
        const rn = await compare(na, nb, { signal });
        g.push({
          ...levelDistance(sigmas[k], dimH, r),
          largest: largestMatching(a, b, r.bottleneck),
          saturation: saturation(a, b, r.finite_only, r.bottleneck.distance, r.wasserstein1.distance),
          normalized: {
            bottleneck: rn.bottleneck.distance,
            wasserstein1: rn.wasserstein1.distance,
            saturation: saturation(na, nb, rn.finite_only, rn.bottleneck.distance, rn.wasserstein1.distance),
          },
        });
        for (let c = 0; c < C; c++) {
          const rc = await compare(D.perClass[c][0][dimH], D.perClass[c][k][dimH], { signal });
          pc.push({ class: o.classes[c], ...levelDistance(sigmas[k], dimH, rc) });
        }
        o.onProgress?.((k - 1) * (maxdim + 1) + dimH + 1, (sigmas.length - 1) * (maxdim + 1));
      }
    }
    return { global: g, per_class: pc };
  });
  return run.value;
}

/** Spearman ρ of per-class distance against per-class recall drop, per level, dim and distance. */
export function topologyVsAccuracy(perClass: ClassDistance[], zeroshot: LevelAccuracy[], classes: string[], maxdim: number): Correlation[] {
  const recall = new Map(zeroshot.map((z) => [z.sigma, z.per_class_recall]));
  const drop = (cls: string, sigma: number) => {
    const c = classes.indexOf(cls);
    return recall.get(0)![c] - recall.get(sigma)![c];
  };
  return correlations(perClass, drop, zeroshot.map((z) => z.sigma).slice(1), maxdim);
}

/** Entropy, bar count and mean persistence of each global diagram (giotto-tda's log2 entropy). */
export async function globalSummaries(D: StudyDiagrams, sigmas: number[], maxdim: number, signal?: AbortSignal): Promise<AnalysisMetrics['summaries']> {
  const out: AnalysisMetrics['summaries'] = [];
  for (let k = 0; k < sigmas.length; k++) {
    for (let dimH = 0; dimH <= maxdim; dimH++) {
      const flat = Float64Array.from(D.global[k].pairs[dimH].flat());
      const st = (await summarize({ pairs: flat, dim: dimH }, { signal })).statistics;
      out.push({
        sigma: sigmas[k],
        dim: dimH,
        entropy_log2: Number.isFinite(st.entropy) ? st.entropy : null,
        bars: st.count,
        mean_persistence: Number.isFinite(st.meanLifetime) ? st.meanLifetime : null,
      });
    }
  }
  return out;
}
