/**
 * A realistic synthetic ReportInput: 12 DTD classes, clean + 3 noise levels, seeded so every test run
 * sees the same numbers. Accuracy falls and diagram distances grow with σ, as in a real run; one
 * skipped file has a comma and quotes in its name to exercise CSV quoting and HTML escaping.
 * With the explorer's data (issue 16): paths, predictions consistent with the confusion matrices, a
 * tiny distinct PNG thumbnail per row, every class's diagrams and a joint clean + noisy map. Rows are
 * class-major (row = class × perClass + i) in every map, cycle and array.
 */
import { deflateSync } from 'node:zlib';

import sharp from 'sharp';

import {
  METRICS_SCHEMA,
  type AnalysisMetrics,
  type BarStats,
  type ClassDistance,
  type Correlation,
  type CycleInfo,
  type DiagramFigure,
  type ExplorerData,
  type GlobalDistance,
  type GlobalLevelDiagrams,
  type LevelAccuracy,
  type MapFigure,
  type MapInfo,
  type ReportInput,
} from '../../src/analysis/types.js';
import { h1Summary } from '../../src/analysis/diagrams.js';
import { findings } from '../../src/analysis/findings.js';
import { imagenetCSeverity } from '../../src/analysis/metrics.js';
import { saturation } from '../../src/analysis/topology.js';
import { pngChunk } from './hostile.js';
import { rng } from './rng.js';

export const SAMPLE_CLASSES = [
  'banded',
  'blotchy',
  'braided',
  'bubbly',
  'bumpy',
  'chequered',
  'cobwebbed',
  'cracked',
  'crosshatched',
  'crystalline',
  'dotted',
  'polka-dotted',
];

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const round = (v: number, d = 6) => Number(v.toFixed(d));

function accuracy(r: () => number, classes: string[], sigma: number, base: number, perClass: number): LevelAccuracy {
  const c = classes.length;
  const confusion = classes.map(() => new Array<number>(c).fill(0));
  const recall: number[] = [];
  for (let i = 0; i < c; i++) {
    const p = Math.max(0.02, Math.min(1, base - 0.22 * sigma * (0.5 + r()) + 0.08 * gauss(r)));
    const correct = Math.round(p * perClass);
    confusion[i][i] = correct;
    for (let k = correct; k < perClass; k++) {
      const j = (i + 1 + Math.floor(r() * (c - 1))) % c;
      confusion[i][j]++;
    }
    recall.push(correct / perClass);
  }
  const total = c * perClass;
  const acc1 = confusion.reduce((s, row, i) => s + row[i], 0) / total;
  return {
    sigma,
    images: total,
    acc1: round(acc1),
    acc5: round(Math.min(1, acc1 + 0.25 * (1 - acc1))),
    mean_per_class_recall: round(recall.reduce((s, v) => s + v, 0) / c),
    per_class_recall: recall.map((v) => round(v)),
    confusion,
  };
}

function stats(pairs: [number, number][]): BarStats {
  const finite = pairs.filter(([, d]) => Number.isFinite(d));
  const lens = finite.map(([b, d]) => d - b);
  const total = lens.reduce((s, v) => s + v, 0);
  const entropy = total > 0 ? -lens.reduce((s, l) => s + (l > 0 ? (l / total) * Math.log(l / total) : 0), 0) : null;
  return {
    finite: finite.length,
    essential: pairs.length - finite.length,
    total_persistence: round(total),
    max_persistence: round(lens.length ? Math.max(...lens) : 0),
    entropy: entropy === null ? null : round(entropy),
  };
}

function diagram(r: () => number, sigma: number, points: number): [number, number][][] {
  const h0: [number, number][] = [[0, Infinity]];
  for (let i = 1; i < points; i++) h0.push([0, round(0.35 + 0.25 * r() + 0.08 * sigma * r())]);
  const h1: [number, number][] = [];
  const n1 = 10 + Math.floor(8 * r() + 4 * sigma);
  for (let i = 0; i < n1; i++) {
    const b = 0.55 + 0.3 * r() + 0.05 * sigma;
    h1.push([round(b), round(b + 0.01 + 0.12 * r() * r())]);
  }
  return [h0, h1];
}

export interface SampleOptions {
  classes?: string[];
  levels?: number[];
  seed?: number;
  probe?: boolean;
  /** Images per class (default 40; the benchmark's 5,640-image case is 47 × 120). */
  perClass?: number;
  /** false: an input made before the explorer existed (no `explorer`). */
  explorer?: boolean;
  /** 'tiny' (default): a distinct 4×4 PNG per row; null: thumbnails off; or the data: URIs to use, one per row. */
  thumbnails?: 'tiny' | null | string[];
  /** The path of each row (default images/<class>/<class>_NNNN.jpg). */
  path?: (row: number, className: string) => string;
  /** false: no zero-shot (accuracy.zeroshot null, no predictions). */
  zeroshot?: boolean;
}

/** A PNG of w×h RGB pixels as a data: URI, made without any library (so the sample stays synchronous). */
export function pngDataUri(w: number, h: number, rgb: Uint8Array): string {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc(h * (1 + 3 * w));
  for (let y = 0; y < h; y++) raw.set(rgb.subarray(3 * w * y, 3 * w * (y + 1)), y * (1 + 3 * w) + 1);
  const png = Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
  return `data:image/png;base64,${png.toString('base64')}`;
}

function tinyThumb(row: number, k: number): string {
  const hue = [(k * 67) % 256, (k * 131 + 40) % 256, (k * 29 + 90) % 256];
  const px = new Uint8Array(4 * 4 * 3);
  for (let p = 0; p < 16; p++) px.set(p === 0 ? [row & 255, (row >> 8) & 255, 7] : hue.map((v) => (v + 9 * (p % 4)) % 256), 3 * p);
  return pngDataUri(4, 4, px);
}

/**
 * Texture-like WebP thumbnails for the size benchmark, as analyze makes them (64 px, quality 60): a
 * seeded pattern per class plus per-image noise, so each compresses like a real texture, not a flat square.
 */
export async function webpThumbnails(n: number, perClass: number, size = 64, quality = 60): Promise<string[]> {
  const out: string[] = [];
  for (let row = 0; row < n; row++) {
    const k = Math.floor(row / perClass);
    const r = rng(1000 + row);
    const raw = Buffer.alloc(size * size * 3);
    const fx = 0.1 + (k % 7) * 0.07;
    const fy = 0.05 + (k % 5) * 0.09;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const v = 128 + 80 * Math.sin(fx * x + fy * y + row) * Math.cos(0.13 * (k + 1) * y) + 40 * (r() - 0.5);
        const o = 3 * (y * size + x);
        raw[o] = Math.max(0, Math.min(255, v + ((k * 37) % 60)));
        raw[o + 1] = Math.max(0, Math.min(255, v * 0.8 + ((k * 53) % 70)));
        raw[o + 2] = Math.max(0, Math.min(255, v * 0.6 + ((k * 17) % 90)));
      }
    const buf = await sharp(raw, { raw: { width: size, height: size, channels: 3 } })
      .webp({ quality })
      .toBuffer();
    out.push(`data:image/webp;base64,${buf.toString('base64')}`);
  }
  return out;
}

export function sampleReportInput(opts: SampleOptions = {}): ReportInput {
  const classes = opts.classes ?? SAMPLE_CLASSES;
  const levels = opts.levels ?? [0, 0.5, 1, 2];
  const r = rng(opts.seed ?? 20261101);
  const c = classes.length;
  const perClass = opts.perClass ?? 40;
  const n = c * perClass;
  const pathOf = opts.path ?? ((row: number, name: string) => `images/${name}/${name}_${String((row % perClass) + 1).padStart(4, '0')}.jpg`);
  const noisy = levels.filter((s) => s > 0);

  const zeroshot = levels.map((s) => accuracy(r, classes, s, 0.62, perClass));
  const probe = opts.probe === false ? null : levels.map((s) => accuracy(r, classes, s, 0.8, perClass));

  const figures: DiagramFigure[] = levels.map((s) => ({ sigma: s, pairs: diagram(r, s, 60) }));
  const global: GlobalLevelDiagrams[] = figures.map((f, k) => {
    const radius = round(1.6 / (1 + f.sigma));
    return {
      sigma: f.sigma,
      points: 60,
      sample_radius: round(k === 0 ? 0 : 0.05 * r()),
      exact: true,
      bottleneck_bound: null,
      scale: { enclosing_radius: radius, median_distance: round(radius * 0.8), median_rows: 60 },
      stats: f.pairs.map(stats),
      normalized_stats: f.pairs.map((p) => stats(p.map(([b, d]) => [b / radius, d / radius]))),
      ...h1Summary(f.pairs[1], radius),
      cycles: sampleCycles(f.pairs[1], k, n, perClass, classes, pathOf),
      file: `diagrams/global-s${f.sigma}.json`,
    };
  });
  // [class][level][dim]: the pairs behind the per-class stats, for the explorer's drill-down.
  const classPairs: [number, number][][][][] = classes.map(() => []);
  const perClassDiagrams = classes.map((name, ci) => ({
    class: name,
    levels: levels.map((s) => {
      const p = diagram(r, s, perClass);
      classPairs[ci].push(p);
      return { sigma: s, points: perClass, sample_radius: 0, stats: p.map(stats), file: `diagrams/${name}-s${s}.json` };
    }),
  }));

  const globalDist: GlobalDistance[] = [];
  const classDist: ClassDistance[] = [];
  for (const s of noisy) {
    for (const dim of [0, 1]) {
      const b = round(0.02 + 0.05 * s * (1 + dim) * (0.8 + 0.4 * r()));
      const w = round(b * (3 + 4 * r()));
      const a = figures[0].pairs[dim];
      const z = figures[levels.indexOf(s)].pairs[dim];
      globalDist.push({
        sigma: s,
        dim,
        bottleneck: b,
        wasserstein1: w,
        finite_only: false,
        saturation: saturation(a, z, false, b, w),
        normalized: { bottleneck: round(b / 2), wasserstein1: round(w / 2), saturation: saturation(a, z, false, b / 2, w / 2) },
        largest: { clean: [0, round(0.4 + 0.1 * r())], noisy: dim === 1 && s === 2 ? null : [0, round(0.4 + b)], cost: b },
      });
      for (const name of classes) {
        const cb = round(0.01 + 0.04 * s * (0.5 + r()));
        classDist.push({ class: name, sigma: s, dim, bottleneck: cb, wasserstein1: round(cb * (2 + 2 * r())), finite_only: dim === 1 && r() < 0.1 });
      }
    }
  }
  const correlation: Correlation[] = [];
  for (const s of [...noisy, 'pooled' as const]) {
    for (const dim of [0, 1]) {
      for (const distance of ['bottleneck', 'wasserstein1'] as const) {
        correlation.push({
          sigma: s,
          dim,
          distance,
          against: 'zeroshot_recall_drop',
          spearman: s === 0.5 && dim === 1 && distance === 'wasserstein1' ? null : round(0.9 * r() - 0.2, 4),
          n: s === 'pooled' ? c * noisy.length : c,
        });
      }
    }
  }

  const minDeg = classes.map(() => new Array<number>(c).fill(0));
  for (let i = 0; i < c; i++) for (let j = i + 1; j < c; j++) minDeg[i][j] = minDeg[j][i] = round(8 + 50 * r(), 3);
  const pairs: { a: string; b: string; min_deg: number; mean_deg: number }[] = [];
  for (let i = 0; i < c; i++)
    for (let j = i + 1; j < c; j++) pairs.push({ a: classes[i], b: classes[j], min_deg: minDeg[i][j], mean_deg: round(minDeg[i][j] + 25, 3) });
  pairs.sort((p, q) => p.min_deg - q.min_deg);

  const sample = Array.from({ length: Math.min(6, c) }, (_, k) => k * 2).filter((k) => k < c);
  const maps: MapFigure[] = [];
  const mapInfos: MapInfo[] = [];
  for (const method of ['tsne', 'umap'] as const) {
    for (const subset of ['all', 'sample'] as const) {
      const drawn = subset === 'all' ? classes.map((_, k) => k) : sample;
      const centres = classes.map(() => [gauss(r) * 20, gauss(r) * 20]);
      const labels: number[] = [];
      const xy: number[] = [];
      const rows: number[] = [];
      for (const k of drawn) {
        for (let i = 0; i < perClass; i++) {
          labels.push(k);
          rows.push(k * perClass + i);
          xy.push(centres[k][0] + gauss(r) * 3, centres[k][1] + gauss(r) * 3);
        }
      }
      const info: MapInfo = {
        method,
        subset,
        classes: drawn,
        points: labels.length,
        seed: 7,
        params: method === 'tsne' ? { perplexity: 30, iterations: 750 } : { n_neighbors: 15, min_dist: 0.1 },
        trustworthiness: round(0.9 + 0.05 * r(), 4),
        file: `maps/${method}-${subset}.csv`,
        warnings: [],
      };
      mapInfos.push(info);
      maps.push({ info, xy: Float32Array.from(xy), labels: Int32Array.from(labels), rows: Uint32Array.from(rows) });
    }
  }

  const metrics: AnalysisMetrics = {
    schema: METRICS_SCHEMA,
    tool: { name: 'clip-topo', version: '0.1.0' },
    created: '2026-11-01T12:00:00.000Z',
    inputs: { dataset: '/data/dtd', model: 'openai-vit-b32', noise: levels.join(','), threads: 2 },
    model: {
      name: 'openai-vit-b32',
      dir: '/models/openai-vit-b32',
      layout: 'split-towers',
      image_sha256: '3f'.repeat(32),
      embed_dim: 512,
      logit_scale: 100,
      default: true,
    },
    dataset: {
      format: 'dtd',
      root: '/data/dtd',
      split: 'test',
      partition: 1,
      synthetic: null,
      classes,
      counts: classes.map(() => perClass),
      train_images: c * perClass,
      skipped: [
        { path: 'images/bubbly/bubbly_0038.jpg', reason: 'truncated JPEG (premature end of data)', where: 'test σ=0' },
        { path: 'images/cracked/bad, "name" <1>.jpg', reason: 'not an image', where: 'train σ=0' },
      ],
      warnings: ['2 images skipped'],
    },
    seeds: { seed: 1, noise: 2, tsne: 3, umap: 4, class_sample: 5, loss_batches: 6 },
    conventions: {
      embeddings: 'L2-normalised float32',
      rips_metric: 'euclidean between normalised embeddings (sqrt(2 - 2 cos))',
      filtration: 'edge length (ripser convention)',
      coefficients: 'Z/2',
      essential_bars: 'matched among themselves by |birth - birth|; finite part only when counts differ',
      noise: 'Gaussian, σ in CLIP-normalised input space',
    },
    noise: {
      space: 'normalized',
      kind: 'gaussian',
      levels,
      pixel_sigma: levels.map((l) => [0.26862954, 0.26130258, 0.27577711].map((v) => l * v)),
      imagenet_c: levels.map((l) => imagenetCSeverity(l * 0.2686)),
    },
    accuracy: {
      zeroshot,
      probe,
      probe_settings: probe ? { C: 1, max_iter: 1000, standardize: false } : null,
      templates: ['a photo of a {} texture.', 'a photo of the {} pattern.'],
    },
    loss: levels.map((s) => {
      const l = round(1.2 + 0.6 * s + 0.1 * r());
      return { sigma: s, loss: l, image_to_text: round(l * 0.9), text_to_image: round(l * 1.1), batches: 6, batch_size: 64 };
    }),
    maps: mapInfos,
    angles: {
      sigma: 0,
      center: true,
      energy: 0.9,
      rank: 'full',
      ranks: classes.map((_, k) => 10 + (k % 5)),
      min_deg: minDeg,
      closest: pairs.slice(0, 8),
      warnings: ['rank chosen by 90% energy'],
      degenerate: {
        setting: 'uncentred, every direction each class spans (energy 1)',
        pairs: (c * (c - 1)) / 2,
        zero_pairs: 2,
        zero_by_dimension_count: 0,
        median_min_deg: 1,
        ranks: classes.map(() => perClass),
        transposed_pairs: (c * (c - 1)) / 2,
        transposed_zero_pairs: (c * (c - 1)) / 2,
        run_zero_pairs: 0,
        run_median_min_deg: 20,
      },
    },
    diagrams: { maxdim: 1, metric: 'euclidean', global_choice: 'all 60 images (exact)', global, per_class: perClassDiagrams },
    distances: { global: globalDist, per_class: classDist },
    paired: {
      knn_k: 10,
      knn_chance: 0.004,
      rtd_batches: 5,
      rtd_batch_size: 200,
      levels: noisy.map((s) => ({
        sigma: s,
        knn_jaccard_mean: round(0.3 / (1 + s)),
        knn_jaccard_median: round(0.25 / (1 + s)),
        knn_jaccard_per_class: classes.map(() => round(0.3 / (1 + s))),
        rtd: round(10 + 3 * s),
        rtd_sd: 0.5,
      })),
    },
    findings: [],
    files: 'files.csv',
    correlation,
    summaries: figures.flatMap((f) =>
      f.pairs.map((p, dim) => {
        const st = stats(p);
        return {
          sigma: f.sigma,
          dim,
          entropy_log2: st.entropy === null ? null : round(st.entropy / Math.LN2),
          bars: p.length,
          mean_persistence: st.finite ? round(st.total_persistence / st.finite) : null,
        };
      }),
    ),
    cache: { dir: '/home/user/.cache/clip-topo', reused: ['embeddings test σ=0'] },
    timings: { embed: 41.25, zeroshot: 0.31, probe: 3.5, maps: 12.75, angles: 0.8, rips: 20.1, distances: 1.2, total: 80.01 },
    warnings: ['σ = 2 images are mostly noise; accuracy near chance is expected'],
  };
  if (opts.zeroshot === false) {
    metrics.accuracy.zeroshot = null;
    metrics.loss = [];
  }
  metrics.findings = findings(metrics);
  const input: ReportInput = { metrics, maps, diagrams: figures };
  if (opts.explorer !== false) input.explorer = sampleExplorer(opts, metrics, maps, classPairs, perClass, pathOf);
  return input;
}

/** Cycles of the two most persistent H1 bars of a level (their exact birth and death), six images each. */
function sampleCycles(
  h1: [number, number][],
  level: number,
  n: number,
  perClass: number,
  classes: string[],
  pathOf: (row: number, name: string) => string,
): CycleInfo[] {
  const top = [...h1].filter(([, d]) => Number.isFinite(d)).sort((a, b) => b[1] - b[0] - (a[1] - a[0]) || a[0] - b[0]);
  return top.slice(0, 2).map(([birth, death], j) => {
    const rows = Array.from({ length: 6 }, (_, t) => (j * 37 + level * 11 + t * 53) % n);
    const images = rows.map((row) => ({ row, path: pathOf(row, classes[Math.floor(row / perClass)]), class: classes[Math.floor(row / perClass)] }));
    const counts = new Map<string, number>();
    for (const im of images) counts.set(im.class, (counts.get(im.class) ?? 0) + 1);
    return {
      birth,
      death,
      persistence: round(death - birth),
      computed: true,
      edges: rows.map((row, t) => [row, rows[(t + 1) % rows.length]] as [number, number]),
      loops: [rows],
      images,
      classes: [...counts].map(([cls, images]) => ({ class: cls, images })).sort((a, b) => b.images - a.images),
    };
  });
}

function sampleExplorer(
  opts: SampleOptions,
  metrics: AnalysisMetrics,
  maps: MapFigure[],
  classPairs: [number, number][][][][],
  perClass: number,
  pathOf: (row: number, name: string) => string,
): ExplorerData {
  const classes = metrics.dataset.classes;
  const levels = metrics.noise.levels;
  const n = classes.length * perClass;
  const labels = Int32Array.from({ length: n }, (_, row) => Math.floor(row / perClass));
  // Predictions that add up to the confusion matrices: class k's first confusion[k][k] rows right, then the rest in column order.
  const zs = metrics.accuracy.zeroshot;
  const predicted = zs
    ? levels.map((s) => {
        const conf = zs.find((z) => z.sigma === s)!.confusion;
        const out = new Int32Array(n);
        conf.forEach((row, k) => {
          let i = 0;
          for (const j of [k, ...row.keys()].filter((j, t) => t === 0 || j !== k)) for (let m = 0; m < row[j] && i < perClass; m++) out[k * perClass + i++] = j;
        });
        return out;
      })
    : null;
  const thumbs =
    opts.thumbnails === undefined || opts.thumbnails === 'tiny' ? Array.from({ length: n }, (_, row) => tinyThumb(row, labels[row])) : opts.thumbnails;
  // The joint map: the clean UMAP, each noisy level pulled towards the middle (the collapse) with more scatter.
  const r = rng((opts.seed ?? 20261101) + 1);
  const base = maps.find((m) => m.info.method === 'umap' && m.info.subset === 'all') ?? maps[0];
  let joint: ExplorerData['joint'] = null;
  if (base && levels.length > 1) {
    const L = levels.length;
    const clean = new Float32Array(2 * n);
    for (let i = 0; i < base.rows.length; i++) clean.set([base.xy[2 * i], base.xy[2 * i + 1]], 2 * base.rows[i]);
    const xy = new Float32Array(2 * L * n);
    const jl = new Int32Array(L * n);
    const rows = new Uint32Array(L * n);
    const lv = new Uint8Array(L * n);
    const order = levels.map((_, k) => k).sort((a, b) => levels[a] - levels[b]);
    for (let k = 0; k < L; k++) {
      const rank = order.indexOf(k);
      for (let i = 0; i < n; i++) {
        const p = k * n + i;
        const shrink = 1 - 0.28 * rank;
        xy[2 * p] = clean[2 * i] * shrink + (rank ? gauss(r) * (1 + rank) : 0);
        xy[2 * p + 1] = clean[2 * i + 1] * shrink + (rank ? gauss(r) * (1 + rank) : 0);
        jl[p] = labels[i];
        rows[p] = i;
        lv[p] = k;
      }
    }
    const info: MapInfo = {
      method: 'umap',
      subset: 'joint',
      classes: classes.map((_, k) => k),
      points: L * n,
      seed: 8,
      params: { n_neighbors: 15, min_dist: 0.1 },
      trustworthiness: 0.9,
      file: 'maps/umap_joint.csv',
      warnings: [],
    };
    joint = { info, xy, labels: jl, rows, levels: lv };
  }
  return {
    paths: Array.from({ length: n }, (_, row) => pathOf(row, classes[labels[row]])),
    labels,
    predicted,
    thumbnails: thumbs ?? null,
    classDiagrams: classPairs,
    joint,
  };
}
