/** Builds every figure of the report (SVG + caption) from a ReportInput. */
import type { CycleInfo, GlobalDistance, LevelAccuracy, MapFigure, ReportInput } from '../analysis/types.js';
import { distanceDims, dropPoints, sortedSigmas } from './levels.js';
import * as read from './readings.js';
import { barPosition, diagramFrame, diagramMax, diagramPlot } from './svg/diagram.js';
import { num, sigmaText } from './svg/format.js';
import { heatmap } from './svg/heatmap.js';
import { lineChart, type LineSeries } from './svg/line.js';
import { classStyle, HUES, type MarkStyle } from './svg/palette.js';
import { extent } from './svg/scale.js';
import { clip, type ScatterOptions, scatterChart, scatterFrame, type ScatterSeries } from './svg/scatter.js';

/**
 * What the page's explorer needs of a figure: where each point is, in the SVG's own units (its
 * viewBox), and what it stands for. Positions are rounded to 0.1 unit (a tenth of a pixel at 1:1).
 */
export type FigurePoints =
  | {
      kind: 'map';
      x: number[];
      y: number[];
      /** Clean row of each point (files.csv, ExplorerData.paths). */
      rows: number[];
      classes: number[];
      /** Level index (metrics.noise.levels order) of each point; null: every point is at `level`. */
      levels: number[] | null;
      level: number;
    }
  | {
      kind: 'diagram';
      /** Level index of the panel. */
      level: number;
      /** H1 bars only: the ones a representative cycle can belong to. */
      x: number[];
      y: number[];
      birth: number[];
      death: (number | null)[];
      /** Index into metrics.diagrams.global[level].cycles of the bar's cycle, −1 when none was computed for it. */
      cycle: number[];
    }
  | { kind: 'topology'; dim: number; x: number[]; y: number[]; classes: number[]; levels: number[]; distance: number[]; drop: number[] };

export interface Figure {
  /** Stable id (data-figure attribute). */
  id: string;
  svg: string;
  caption: string;
  points?: FigurePoints;
}

const at = (v: number) => Math.round(v * 10) / 10;

/** Index of the clean level in metrics.noise.levels (the level the plain maps show), else of the lowest σ. */
export function cleanLevelIndex(input: ReportInput): number {
  const levels = input.metrics.noise.levels;
  const k = levels.indexOf(0);
  if (k >= 0) return k;
  let best = 0;
  levels.forEach((l, i) => {
    if (l < levels[best]) best = i;
  });
  return best;
}

/**
 * Which cycle each H1 bar has: a cycle is the bar with its birth and death (to float32 precision, the
 * diagram files' and the cycles' values may have travelled differently); each cycle goes to one bar.
 */
export function matchCycles(bars: [number, number][], cycles: CycleInfo[]): number[] {
  const out = bars.map(() => -1);
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a), Math.abs(b));
  cycles.forEach((c, j) => {
    let best = -1;
    let err = Infinity;
    bars.forEach(([b, d], i) => {
      if (out[i] >= 0 || !Number.isFinite(d) || !close(b, c.birth) || !close(d, c.death)) return;
      const e = Math.abs(b - c.birth) + Math.abs(d - c.death);
      if (e < err) [best, err] = [i, e];
    });
    if (best >= 0) out[best] = j;
  });
  return out;
}

const style = (k: number, shape: MarkStyle['shape'] = 'circle'): MarkStyle => ({ color: HUES[k % HUES.length], shape, hollow: false });

/** Accuracy against σ; null when the run measured none (embeddings without prompts or train embeddings). */
export function accuracyFigure(input: ReportInput): Figure | null {
  const { zeroshot, probe } = input.metrics.accuracy;
  if (!zeroshot && !probe?.length) return null;
  const series: LineSeries[] = [];
  const pts = (ls: LevelAccuracy[], key: 'acc1' | 'acc5' | 'mean_per_class_recall') =>
    [...ls].sort((a, b) => a.sigma - b.sigma).map((l) => ({ x: l.sigma, y: l[key] }));
  // Top-5 of five classes or fewer is 1 by construction: only drawn when it can say something.
  const top5 = input.metrics.dataset.classes.length > 5;
  if (zeroshot) {
    series.push({ label: 'zero-shot top-1', style: style(0), points: pts(zeroshot, 'acc1') });
    if (top5) series.push({ label: 'zero-shot top-5', style: style(0, 'square'), dash: '5 3', points: pts(zeroshot, 'acc5') });
  }
  if (probe?.length) {
    series.push({ label: 'linear probe top-1', style: style(1, 'triangle'), points: pts(probe, 'acc1') });
    if (top5) series.push({ label: 'linear probe top-5', style: style(1, 'diamond'), dash: '5 3', points: pts(probe, 'acc5') });
  }
  const C = input.metrics.dataset.classes.length;
  if (C > 0)
    series.push({
      label: `chance top-1 (1/${C})`,
      style: { color: '#888888', shape: 'circle', hollow: true },
      dash: '2 4',
      points: sortedSigmas(input).map((x) => ({ x, y: 1 / C })),
    });
  return {
    id: 'accuracy-vs-sigma',
    svg: lineChart({ title: 'Accuracy vs noise level', xLabel: 'noise σ', yLabel: 'accuracy', series, yDomain: [0, 1], xTicksAt: sortedSigmas(input) }),
    caption: read.accuracyReading(zeroshot, probe),
  };
}

/** The zero-shot confusion matrix at every level, clean first. */
export function confusionFigures(input: ReportInput): Figure[] {
  return [...(input.metrics.accuracy.zeroshot ?? [])].sort((a, b) => a.sigma - b.sigma).map((l) => confusionFigure(input, l));
}

export function confusionFigure(input: ReportInput, level: LevelAccuracy): Figure {
  const classes = input.metrics.dataset.classes;
  // Row-normalised so classes with fewer images read on the same 0–1 scale.
  const values = level.confusion.map((row) => {
    const s = row.reduce((a, v) => a + v, 0);
    return row.map((v) => (s > 0 ? v / s : 0));
  });
  return {
    id: level.sigma === 0 ? 'confusion-clean' : `confusion-sigma-${sigmaText(level.sigma)}`,
    svg: heatmap({
      title: `Zero-shot confusion matrix at σ = ${sigmaText(level.sigma)}`,
      values,
      rowLabels: classes,
      colLabels: classes,
      xLabel: 'predicted class',
      yLabel: 'true class',
      valueLabel: 'share of the true class',
      domain: [0, 1],
      classAxes: true,
    }),
    caption: read.confusionReading(level, classes),
  };
}

/** CLIP's loss against σ; null when the run has none (no class prompts, or one class). */
export function lossFigure(input: ReportInput): Figure | null {
  const loss = [...input.metrics.loss].sort((a, b) => a.sigma - b.sigma);
  if (loss.length === 0) return null;
  const series: LineSeries[] = [
    { label: 'symmetric loss', style: style(3), points: loss.map((l) => ({ x: l.sigma, y: l.loss })) },
    { label: 'image → text', style: style(0, 'square'), dash: '5 3', points: loss.map((l) => ({ x: l.sigma, y: l.image_to_text })) },
    { label: 'text → image', style: style(2, 'triangle'), dash: '2 3', points: loss.map((l) => ({ x: l.sigma, y: l.text_to_image })) },
  ];
  return {
    id: 'loss-vs-sigma',
    svg: lineChart({ title: 'CLIP loss vs noise level', xLabel: 'noise σ', yLabel: 'cross-entropy (nats)', series, xTicksAt: sortedSigmas(input) }),
    caption: read.lossReading(loss),
  };
}

export function mapFigure(input: ReportInput, map: MapFigure): Figure {
  const classes = input.metrics.dataset.classes;
  const method = map.info.method === 'tsne' ? 't-SNE' : 'UMAP';
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < map.labels.length; i++) {
    const list = byClass.get(map.labels[i]) ?? [];
    list.push(map.xy[2 * i], map.xy[2 * i + 1]);
    byClass.set(map.labels[i], list);
  }
  const drawn = map.info.classes.length ? map.info.classes : [...byClass.keys()].sort((a, b) => a - b);
  // Styles follow the class index in the dataset, so a class looks the same in every map.
  const series: ScatterSeries[] = drawn.map((k) => ({ label: classes[k] ?? `class ${k}`, style: classStyle(k), xy: byClass.get(k) ?? [], dataClass: k }));
  const o: ScatterOptions = {
    title: `${method} map, ${map.info.subset === 'all' ? 'all classes' : 'sampled classes'}`,
    xLabel: `${method} 1`,
    yLabel: `${method} 2`,
    series,
    equalAspect: true,
  };
  return {
    id: `map-${map.info.method}-${map.info.subset}`,
    svg: scatterChart(o),
    caption: read.mapReading(map),
    points: mapPoints(o, map, null, cleanLevelIndex(input)),
  };
}

function mapPoints(o: ScatterOptions, map: MapFigure, levels: Uint8Array | null, level: number): FigurePoints {
  const f = scatterFrame(o);
  const n = map.labels.length;
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    // NaN goes into the page's JSON as null: a point that was not drawn cannot be hovered.
    x.push(f.x ? at(f.x(map.xy[2 * i])) : Number.NaN);
    y.push(f.y ? at(f.y(map.xy[2 * i + 1])) : Number.NaN);
  }
  return { kind: 'map', x, y, rows: Array.from(map.rows), classes: Array.from(map.labels), levels: levels ? Array.from(levels) : null, level };
}

/** The joint clean + noisy map: from the explorer's data, or a joint map the pipeline put among the maps. */
export function jointMapOf(input: ReportInput): (MapFigure & { levels: Uint8Array }) | null {
  if (input.explorer?.joint) return input.explorer.joint;
  const m = input.maps.find((x) => x.info.subset === 'joint' && 'levels' in x);
  return (m as (MapFigure & { levels: Uint8Array }) | undefined) ?? null;
}

/**
 * The joint map: clean points filled as in the other maps, each noisy level hollow and fainter with σ,
 * drawn under the clean ones, every mark in its class's colour and shape (classStyle).
 */
export function jointMapFigure(input: ReportInput, map: MapFigure & { levels: Uint8Array }): Figure {
  const classes = input.metrics.dataset.classes;
  const sigmas = input.metrics.noise.levels;
  const L = Math.max(0, ...map.levels) + 1;
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < map.labels.length; i++) {
    const key = `${map.levels[i]}|${map.labels[i]}`;
    const list = byKey.get(key) ?? [];
    list.push(map.xy[2 * i], map.xy[2 * i + 1]);
    byKey.set(key, list);
  }
  const drawn = map.info.classes.length ? map.info.classes : [...new Set(map.labels)].sort((a, b) => a - b);
  const order = Array.from({ length: L }, (_, k) => k).sort((a, b) => (sigmas[b] ?? b) - (sigmas[a] ?? a));
  const opacity = (k: number) => (k === 0 ? 0.85 : Math.max(0.2, 0.6 - 0.4 * (order.indexOf(k) / Math.max(1, L - 1))));
  const series: ScatterSeries[] = order.flatMap((k) =>
    drawn.map((c) => ({
      label: `${classes[c] ?? `class ${c}`} σ = ${sigmaText(sigmas[k] ?? k)}`,
      style: { ...classStyle(c), hollow: k !== 0 || classStyle(c).hollow },
      opacity: opacity(k),
      xy: byKey.get(`${k}|${c}`) ?? [],
      dataClass: c,
    })),
  );
  const key = (k: number): { label: string; marker: MarkStyle } => ({
    label: k === 0 ? `σ = ${sigmaText(sigmas[k] ?? 0)}: filled` : `σ = ${sigmaText(sigmas[k] ?? k)}: hollow`,
    marker: { color: '#555555', shape: 'circle', hollow: k !== 0 },
  });
  const levelsByRank = Array.from({ length: L }, (_, k) => k).sort((a, b) => (sigmas[a] ?? a) - (sigmas[b] ?? b));
  const o: ScatterOptions = {
    title: 'UMAP of the clean and noisy embeddings together',
    xLabel: 'UMAP 1',
    yLabel: 'UMAP 2',
    series,
    equalAspect: true,
    legendItems: [...levelsByRank.map(key), ...drawn.map((c) => ({ label: clip(classes[c] ?? `class ${c}`, 18), marker: classStyle(c), dataClass: c }))],
  };
  return {
    id: 'map-umap-joint',
    svg: scatterChart(o),
    caption: read.jointMapReading(map, sigmas),
    points: mapPoints(o, map, map.levels, cleanLevelIndex(input)),
  };
}

export function anglesFigure(input: ReportInput): Figure {
  const { min_deg } = input.metrics.angles;
  const classes = input.metrics.dataset.classes;
  const off: number[] = [];
  min_deg.forEach((row, i) => row.forEach((v, j) => i !== j && v !== null && off.push(v)));
  const e = extent(off) ?? [0, 90];
  const lo = Math.floor(e[0] / 5) * 5;
  const hi = Math.max(lo + 5, Math.ceil(e[1] / 5) * 5);
  return {
    id: 'angles-heatmap',
    svg: heatmap({
      title: 'Smallest principal angle between class subspaces',
      values: min_deg,
      rowLabels: classes,
      colLabels: classes,
      xLabel: 'class',
      yLabel: 'class',
      valueLabel: 'smallest angle (degrees)',
      domain: [lo, hi],
      reverse: true,
      maskDiagonal: true,
      digits: 0,
      classAxes: true,
    }),
    caption: read.anglesReading(min_deg, classes),
  };
}

const dimsText = (pairs: unknown[]) => pairs.map((_, k) => `H${k}`).join(', ');

/** The H1 bars of a panel, where they are drawn and which cycle each has; `raw` are the undivided bars the cycles are of. */
function barPoints(input: ReportInput, k: number, pairs: [number, number][][], raw: [number, number][][], maxValue: number): FigurePoints {
  const f = diagramFrame({ pairs, maxValue });
  const sigma = input.diagrams[k].sigma;
  const cycles = input.metrics.diagrams.global.find((g) => g.sigma === sigma)?.cycles ?? [];
  const h1 = pairs[1] ?? [];
  const cycle = matchCycles(raw[1] ?? [], cycles);
  const pos = h1.map(([b, d]) => (Number.isFinite(b) ? barPosition(f, b, d) : [Number.NaN, Number.NaN]));
  const round4 = (v: number) => Number(v.toPrecision(6));
  return {
    kind: 'diagram',
    level: Math.max(0, input.metrics.noise.levels.indexOf(sigma)),
    x: pos.map((p) => at(p[0])),
    y: pos.map((p) => at(p[1])),
    birth: (raw[1] ?? []).map(([b]) => round4(b)),
    death: (raw[1] ?? []).map(([, d]) => (Number.isFinite(d) ? round4(d) : null)),
    cycle,
  };
}

export function diagramFigures(input: ReportInput): Figure[] {
  const shared = Math.max(0, ...input.diagrams.map((d) => diagramMax(d.pairs)));
  return input.diagrams.map((d, k) => ({
    id: `diagram-${k}`,
    svg: diagramPlot({
      title: `Rips diagram (${dimsText(d.pairs)}) at σ = ${sigmaText(d.sigma)}`,
      heading: `σ = ${sigmaText(d.sigma)}`,
      pairs: d.pairs,
      maxValue: shared,
    }),
    caption: read.diagramReading(d.sigma, d.pairs),
    points: barPoints(input, k, d.pairs, d.pairs, shared),
  }));
}

/** The same diagrams with every value divided by the level's enclosing radius: shape without size. */
export function normalizedDiagramFigures(input: ReportInput): Figure[] {
  const radius = (sigma: number) => input.metrics.diagrams.global.find((g) => g.sigma === sigma)?.scale.enclosing_radius ?? 1;
  const norm = input.diagrams.map((d) => ({
    sigma: d.sigma,
    pairs: d.pairs.map((p) => p.map(([b, e]) => [b / radius(d.sigma), e / radius(d.sigma)] as [number, number])),
  }));
  const shared = Math.max(0, ...norm.map((d) => diagramMax(d.pairs)));
  return norm.map((d, k) => ({
    points: barPoints(input, k, d.pairs, input.diagrams[k].pairs, shared),
    id: `diagram-normalized-${k}`,
    svg: diagramPlot({
      title: `${dimsText(d.pairs)} at σ = ${sigmaText(d.sigma)}, ÷ enclosing radius`,
      heading: `σ = ${sigmaText(d.sigma)}, ÷ r`,
      pairs: d.pairs,
      maxValue: shared,
    }),
    caption: `${read.diagramReading(d.sigma, d.pairs)} Values are fractions of the enclosing radius ${num(radius(d.sigma), 3)}.`,
  }));
}

/**
 * One panel per distance (bottleneck, W1) and scale (raw, normalised): W1 is ~1,000× the bottleneck, so one
 * axis would flatten the bottleneck lines. Each dimension's all-to-diagonal cost is drawn dashed: a distance
 * on that line is saturated and measures the bars' size, not their change.
 */
export function distanceFigures(input: ReportInput): Figure[] {
  const rows = input.metrics.distances.global;
  const dims = [...new Set(rows.map((r) => r.dim))].sort((a, b) => a - b);
  const xs = [...new Set(rows.map((r) => r.sigma))].sort((a, b) => a - b);
  const out: Figure[] = [];
  for (const kind of ['bottleneck', 'wasserstein1'] as const) {
    for (const normalized of [false, true]) {
      const series: LineSeries[] = [];
      for (const dim of dims) {
        const mine = rows.filter((r) => r.dim === dim).sort((a, b) => a.sigma - b.sigma);
        const st = style(dim === 0 ? 0 : dim === 1 ? 1 : dim + 1);
        const pick = (r: GlobalDistance) => (normalized ? r.normalized : r);
        const bound = (r: GlobalDistance) =>
          kind === 'bottleneck' ? pick(r).saturation.bottleneck_all_to_diagonal : pick(r).saturation.wasserstein1_all_to_diagonal;
        series.push({ label: `H${dim}`, style: st, points: mine.map((r) => ({ x: r.sigma, y: pick(r)[kind] })) });
        series.push({ label: `H${dim} all to diagonal`, style: { ...st, hollow: true }, dash: '4 3', points: mine.map((r) => ({ x: r.sigma, y: bound(r) })) });
      }
      const name = kind === 'bottleneck' ? 'Bottleneck' : '1-Wasserstein';
      out.push({
        id: `distance-${kind}${normalized ? '-normalized' : ''}`,
        svg: lineChart({
          title: `${name} distance to the clean diagram${normalized ? ', ÷ enclosing radius' : ''}`,
          xLabel: 'noise σ',
          yLabel: normalized ? `${name} (fraction of radius)` : name,
          series,
          xTicksAt: xs,
        }),
        caption: normalized ? read.normalizedDistanceReading(rows, kind) : read.distanceReading(rows, kind),
      });
    }
  }
  return out;
}

/** One scatter per homology dimension: per-class bottleneck distance vs recall drop, coloured by σ. */
export function topologyFigures(input: ReportInput): Figure[] {
  const out: Figure[] = [];
  for (const dim of distanceDims(input)) {
    const points = dropPoints(input, dim, 'bottleneck');
    if (points.length === 0) continue;
    const sigmas = [...new Set(points.map((p) => p.sigma))].sort((a, b) => a - b);
    const series: ScatterSeries[] = sigmas.map((s, k) => ({
      label: `σ = ${sigmaText(s)}`,
      style: { color: HUES[k % HUES.length], shape: (['circle', 'triangle', 'square', 'diamond'] as const)[k % 4], hollow: false },
      xy: points.filter((p) => p.sigma === s).flatMap((p) => [p.distance, p.drop]),
    }));
    const pooled = input.metrics.correlation.find((c) => c.sigma === 'pooled' && c.dim === dim && c.distance === 'bottleneck');
    const o: ScatterOptions = {
      title: `Per-class H${dim} bottleneck distance vs zero-shot recall drop`,
      xLabel: `H${dim} bottleneck distance (class, clean vs noisy)`,
      yLabel: 'recall drop (clean − noisy)',
      series,
      plotSize: { w: 380, h: 280 },
      radius: 4,
      opacity: 0.85,
    };
    const f = scatterFrame(o);
    const classes = input.metrics.dataset.classes;
    out.push({
      id: `topology-accuracy-h${dim}`,
      svg: scatterChart(o),
      caption: read.correlationReading(dim, 'bottleneck', pooled, points.length),
      points: {
        kind: 'topology',
        dim,
        x: points.map((p) => (f.x ? at(f.x(p.distance)) : Number.NaN)),
        y: points.map((p) => (f.y ? at(f.y(p.drop)) : Number.NaN)),
        classes: points.map((p) => classes.indexOf(p.class)),
        levels: points.map((p) => input.metrics.noise.levels.indexOf(p.sigma)),
        distance: points.map((p) => p.distance),
        drop: points.map((p) => Number(p.drop.toPrecision(6))),
      },
    });
  }
  return out;
}

/** The maps in page order: t-SNE before UMAP, all classes before the sample, whatever order the pipeline made them in. */
export function mapsInOrder(maps: MapFigure[]): MapFigure[] {
  const rank = (m: MapFigure) => (m.info.method === 'tsne' ? 0 : 2) + (m.info.subset === 'all' ? 0 : 1);
  // The joint map is drawn apart (jointMapFigure), after these.
  return [...maps].filter((m) => m.info.subset !== 'joint').sort((a, b) => rank(a) - rank(b));
}

/** The maps section's figures: the plain maps, then the joint clean + noisy map when there is one. */
export function mapFigures(input: ReportInput): Figure[] {
  const joint = jointMapOf(input);
  return [...mapsInOrder(input.maps).map((m) => mapFigure(input, m)), ...(joint ? [jointMapFigure(input, joint)] : [])];
}

/** Every figure of the report, in page order (sections.ts draws the same ones). */
export function allFigures(input: ReportInput): Figure[] {
  return [
    ...[accuracyFigure(input)].filter((f): f is Figure => f !== null),
    ...confusionFigures(input),
    ...[lossFigure(input)].filter((f): f is Figure => f !== null),
    ...mapFigures(input),
    anglesFigure(input),
    ...diagramFigures(input),
    ...normalizedDiagramFigures(input),
    ...distanceFigures(input),
    ...topologyFigures(input),
  ];
}
