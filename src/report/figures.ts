/** Builds every figure of the report (SVG + caption) from a ReportInput. */
import type { GlobalDistance, LevelAccuracy, MapFigure, ReportInput } from '../analysis/types.js';
import { distanceDims, dropPoints, sortedSigmas } from './levels.js';
import * as read from './readings.js';
import { diagramMax, diagramPlot } from './svg/diagram.js';
import { num, sigmaText } from './svg/format.js';
import { heatmap } from './svg/heatmap.js';
import { lineChart, type LineSeries } from './svg/line.js';
import { classStyle, HUES, type MarkStyle } from './svg/palette.js';
import { extent } from './svg/scale.js';
import { scatterChart, type ScatterSeries } from './svg/scatter.js';

export interface Figure {
  /** Stable id (data-figure attribute). */
  id: string;
  svg: string;
  caption: string;
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
  const series: ScatterSeries[] = drawn.map((k) => ({ label: classes[k] ?? `class ${k}`, style: classStyle(k), xy: byClass.get(k) ?? [] }));
  return {
    id: `map-${map.info.method}-${map.info.subset}`,
    svg: scatterChart({
      title: `${method} map, ${map.info.subset === 'all' ? 'all classes' : 'sampled classes'}`,
      xLabel: `${method} 1`,
      yLabel: `${method} 2`,
      series,
      equalAspect: true,
    }),
    caption: read.mapReading(map),
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
    }),
    caption: read.anglesReading(min_deg, classes),
  };
}

const dimsText = (pairs: unknown[]) => pairs.map((_, k) => `H${k}`).join(', ');

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
    out.push({
      id: `topology-accuracy-h${dim}`,
      svg: scatterChart({
        title: `Per-class H${dim} bottleneck distance vs zero-shot recall drop`,
        xLabel: `H${dim} bottleneck distance (class, clean vs noisy)`,
        yLabel: 'recall drop (clean − noisy)',
        series,
        plotSize: { w: 380, h: 280 },
        radius: 4,
        opacity: 0.85,
      }),
      caption: read.correlationReading(dim, 'bottleneck', pooled, points.length),
    });
  }
  return out;
}

/** The maps in page order: t-SNE before UMAP, all classes before the sample, whatever order the pipeline made them in. */
export function mapsInOrder(maps: MapFigure[]): MapFigure[] {
  const rank = (m: MapFigure) => (m.info.method === 'tsne' ? 0 : 2) + (m.info.subset === 'all' ? 0 : 1);
  return [...maps].sort((a, b) => rank(a) - rank(b));
}

/** Every figure of the report, in page order (sections.ts draws the same ones). */
export function allFigures(input: ReportInput): Figure[] {
  return [
    ...[accuracyFigure(input)].filter((f): f is Figure => f !== null),
    ...confusionFigures(input),
    ...[lossFigure(input)].filter((f): f is Figure => f !== null),
    ...mapsInOrder(input.maps).map((m) => mapFigure(input, m)),
    anglesFigure(input),
    ...diagramFigures(input),
    ...normalizedDiagramFigures(input),
    ...distanceFigures(input),
    ...topologyFigures(input),
  ];
}
