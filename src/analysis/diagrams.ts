/**
 * Step 6 of `analyze`: Rips diagrams per level, of the whole split (or, above the plan's budget, a
 * farthest-point sample of the clean split: the same images at every level) and of every class, with each
 * cloud's scale, the diagrams normalised by it, and representative cycles of the top H1 bars.
 */
import { relative, sep } from 'node:path';

import type { Pair } from '../diagram.js';
import { sha256Hex } from '../io/hash.js';
import { shownPath } from '../io/rawpath.js';
import type { RipsCycle } from '../kernels/rips.js';
import type { ProgressFn } from '../native.js';
import type { StepCache } from './cache.js';
import { type LevelEmbeddings, levelTag } from './embeddings.js';
import { type CloudScale, cloudScale, median, scaled } from './scale.js';
import { barStats, gather, hausdorffRadius, ripsOf } from './topology.js';
import type { ClassDiagrams, CycleImage, CycleInfo, GlobalLevelDiagrams } from './types.js';

/** Per level: per dim, its pairs. */
export type LevelPairs = Pair[][];

/** An H1 bar "stands out" when it lives this many times the median H1 bar and … */
export const STANDS_OUT_MEDIAN = 5;
/** … at least this share of the enclosing radius. */
export const STANDS_OUT_RADIUS = 0.1;

/** Mean death, median persistence and the bars standing out, of a level's finite H1 bars. */
export function h1Summary(pairs: Pair[] | undefined, radius: number) {
  const fin = (pairs ?? []).filter(([, e]) => Number.isFinite(e));
  if (fin.length === 0) return { h1_mean_death: null, h1_median_persistence: null, h1_standing_out: 0 };
  const life = fin.map(([b, e]) => e - b);
  const med = median(life);
  return {
    h1_mean_death: fin.reduce((s, [, e]) => s + e, 0) / fin.length,
    h1_median_persistence: med,
    h1_standing_out: life.filter((v) => v >= STANDS_OUT_MEDIAN * med && v >= STANDS_OUT_RADIUS * radius).length,
  };
}

/** Representative cycles asked for per level (the most persistent H1 bars). */
export const CYCLES_PER_LEVEL = 5;

/** A representative cycle as the Rips kernel returns it (rows of the complex's input; loops longest first). */
export type KernelCycle = Omit<RipsCycle, 'dim'>;

export interface GlobalLevel {
  pairs: LevelPairs;
  /** Hausdorff radius of the sample to the level's whole cloud (0 when nothing was sampled). */
  radius: number;
  threshold: number;
  scale: CloudScale;
  /** Cycles with rows of the split (not of the sample). */
  cycles: KernelCycle[];
}

export interface StudyDiagrams {
  /** The cache key's part for the diagrams (distances depend on it). */
  key: unknown;
  /** Rows of the split in the global sample (all rows when nothing was sampled). */
  indices: Uint32Array;
  /** Global diagrams per level, with the sample's Hausdorff radius, the threshold used, the scale and cycles. */
  global: GlobalLevel[];
  /** [class][level] → pairs per dim. */
  perClass: LevelPairs[][];
  /** The metrics.json sections. */
  globalInfo: GlobalLevelDiagrams[];
  classInfo: ClassDiagrams[];
}

/** The images of a cycle: rows with their paths (relative to the dataset root) and classes. */
export function cycleInfo(c: KernelCycle, l: LevelEmbeddings, classes: string[], root: string): CycleInfo {
  const items = l.run.manifest.items;
  const image = (row: number): CycleImage => ({ row, path: relativePath(root, items[row]?.path ?? ''), class: classes[l.run.labels[row]] ?? '' });
  const walk = c.loops[0] ?? [];
  const counts = new Map<string, number>();
  for (const v of new Set(c.loops.flat())) {
    const cls = classes[l.run.labels[v]] ?? '';
    counts.set(cls, (counts.get(cls) ?? 0) + 1);
  }
  return {
    birth: c.birth,
    death: c.death,
    persistence: c.death - c.birth,
    computed: c.computed,
    ...(c.reason ? { reason: c.reason } : {}),
    edges: c.edges,
    loops: c.loops,
    images: walk.map(image),
    classes: [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([cls, images]) => ({ class: cls, images })),
  };
}

/** Path relative to the dataset root, with forward slashes (as files.csv gives it). */
/** The path files.csv and the report show: relative to the dataset, '/'-separated, raw bytes as \xHH. */
export function relativePath(root: string, path: string): string {
  const r = relative(root, path);
  return shownPath((r.startsWith('..') || r === '' ? path : r).split(sep).join('/'));
}

const sigmaLabel = (s: number) => (s === 0 ? 'clean' : `σ=${s}`);

export async function studyDiagrams(
  o: {
    test: LevelEmbeddings[];
    dim: number;
    classes: string[];
    split: string;
    /** Dataset root: cycle image paths are given relative to it. */
    root: string;
    maxdim: number;
    /** Points of the split-wide complex (the split's size = exact). */
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
  const n = clean.labels.length;
  const sample = o.ripsPoints < n ? o.ripsPoints : undefined;
  const cycles = maxdim >= 1 ? CYCLES_PER_LEVEL : 0;
  const global = await steps.run('rips-global', { ...key, cycles }, async () => {
    const level = async (x: Float32Array, label: string, k?: number) => {
      return ripsOf(x, dim, { maxdim, threads, signal, onProgress: o.progress(`Rips ${o.split} ${label}`), cycles }, k);
    };
    const first = await level(clean.embeddings, 'clean', sample);
    const indices = first.sample ? first.sample.indices : Uint32Array.from(clean.labels.keys());
    const out: GlobalLevel[] = [];
    for (const [k, l] of test.entries()) {
      const x = first.sample ? gather(l.run.embeddings, dim, indices) : l.run.embeddings;
      const r = k === 0 ? first : await level(x, sigmaLabel(l.sigma));
      // Cycles of a level computed on the gathered sample come back in sample rows: map them to split rows.
      const rows = (c: KernelCycle): KernelCycle =>
        k === 0 || !first.sample ? c : { ...c, edges: c.edges.map(([a, b]) => [indices[a], indices[b]]), loops: c.loops.map((w) => w.map((v) => indices[v])) };
      out.push({
        pairs: r.diagrams.map((d) => d.pairs),
        radius: first.sample ? (k === 0 ? first.sample.hausdorffRadius : hausdorffRadius(l.run.embeddings, dim, indices)) : 0,
        threshold: r.threshold,
        scale: cloudScale(x, dim),
        cycles: (r.cycles ?? []).map(rows),
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
    globalInfo: test.map((l, k) => {
      const lv = g.levels[k];
      const exact = g.indices.length === l.run.labels.length;
      return {
        sigma: l.sigma,
        points: g.indices.length,
        sample_radius: lv.radius,
        exact,
        bottleneck_bound: exact ? null : 2 * lv.radius,
        scale: { ...lv.scale },
        stats: lv.pairs.map(barStats),
        normalized_stats: lv.pairs.map((p) => barStats(scaled(p, lv.scale.enclosing_radius))),
        ...h1Summary(lv.pairs[1], lv.scale.enclosing_radius),
        cycles: lv.cycles.map((c) => cycleInfo(c, l, o.classes, o.root)),
        file: `diagrams/${o.split}_${levelTag(l.sigma)}.json`,
      };
    }),
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
