/**
 * Step 6 of `analyze`: Rips diagrams per level, of a farthest-point sample of the clean split (the same
 * images at every level) and of every class.
 */
import type { Pair } from '../diagram.js';
import { sha256Hex } from '../io/hash.js';
import type { ProgressFn } from '../native.js';
import type { StepCache } from './cache.js';
import { type LevelEmbeddings, levelTag } from './embeddings.js';
import { barStats, gather, hausdorffRadius, ripsOf } from './topology.js';
import type { ClassDiagrams, LevelDiagrams } from './types.js';

/** Per level: per dim, its pairs. */
export type LevelPairs = Pair[][];

export interface StudyDiagrams {
  /** The cache key's part for the diagrams (distances depend on it). */
  key: unknown;
  /** Rows of the split in the global sample (all rows when nothing was sampled). */
  indices: Uint32Array;
  /** Global diagrams per level, with the sample's Hausdorff radius and the threshold used. */
  global: { pairs: LevelPairs; radius: number; threshold: number }[];
  /** [class][level] → pairs per dim. */
  perClass: LevelPairs[][];
  /** The metrics.json sections. */
  globalInfo: LevelDiagrams[];
  classInfo: ClassDiagrams[];
}

const sigmaLabel = (s: number) => (s === 0 ? 'clean' : `σ=${s}`);

export async function studyDiagrams(
  o: {
    test: LevelEmbeddings[];
    dim: number;
    classes: string[];
    split: string;
    maxdim: number;
    ripsPoints: number;
    threads?: number;
    signal?: AbortSignal;
    progress: (step: string) => ProgressFn;
    onClass?: (done: number, total: number) => void;
  },
  steps: StepCache,
): Promise<StudyDiagrams> {
  const { test, dim, maxdim, threads, signal } = o;
  const C = o.classes.length;
  const clean = test[0].run;
  const key = { maxdim, points: o.ripsPoints, levels: test.map((l) => sha256Hex(l.run.embeddings)) };
  const global = await steps.run('rips-global', key, async () => {
    const first = await ripsOf(
      clean.embeddings,
      dim,
      { maxdim, threads, signal, onProgress: o.progress(`Rips ${o.split} clean`) },
      Math.min(o.ripsPoints, clean.labels.length),
    );
    const indices = first.sample ? first.sample.indices : Uint32Array.from(clean.labels.keys());
    const out = [{ pairs: first.diagrams.map((d) => d.pairs), radius: first.sample?.hausdorffRadius ?? 0, threshold: first.threshold }];
    for (const l of test.slice(1)) {
      const x = gather(l.run.embeddings, dim, indices);
      const r = await ripsOf(x, dim, { maxdim, threads, signal, onProgress: o.progress(`Rips ${o.split} ${sigmaLabel(l.sigma)}`) });
      out.push({
        pairs: r.diagrams.map((d) => d.pairs),
        radius: indices.length < l.run.labels.length ? hausdorffRadius(l.run.embeddings, dim, indices) : 0,
        threshold: r.threshold,
      });
    }
    return { indices, levels: out };
  });
  const perClass = await steps.run('rips-classes', { ...key, labels: sha256Hex(clean.labels) }, async () => {
    const out: LevelPairs[][] = [];
    for (let c = 0; c < C; c++) {
      const levels: LevelPairs[] = [];
      for (const l of test) {
        const rows = Array.from(l.run.labels.keys()).filter((i) => l.run.labels[i] === c);
        if (rows.length < 2) {
          levels.push(Array.from({ length: maxdim + 1 }, () => []));
          continue;
        }
        const r = await ripsOf(gather(l.run.embeddings, dim, rows), dim, { maxdim, threads, signal });
        levels.push(r.diagrams.map((d) => d.pairs));
      }
      out.push(levels);
      o.onClass?.(c + 1, C);
    }
    return out;
  });
  const g = global.value;
  return {
    key,
    indices: g.indices,
    global: g.levels,
    perClass: perClass.value,
    globalInfo: test.map((l, k) => ({
      sigma: l.sigma,
      points: g.indices.length,
      sample_radius: g.levels[k].radius,
      stats: g.levels[k].pairs.map(barStats),
      file: `diagrams/${o.split}_${levelTag(l.sigma)}.json`,
    })),
    classInfo: o.classes.map((name, c) => ({
      class: name,
      levels: test.map((l, k) => ({
        sigma: l.sigma,
        points: l.run.labels.filter((y) => y === c).length,
        sample_radius: 0,
        stats: perClass.value[c][k].map(barStats),
        file: `diagrams/classes/${levelTag(l.sigma)}.json`,
      })),
    })),
  };
}
