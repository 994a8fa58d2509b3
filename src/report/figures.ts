/** Builds every figure of the report (SVG + caption) from a ReportInput. */
import type { MapFigure, ReportInput } from '../analysis/types.js';
import { cleanOf, distanceDims, dropPoints, sortedSigmas } from './levels.js';
import * as read from './readings.js';
import { diagramMax, diagramPlot } from './svg/diagram.js';
import { sigmaText } from './svg/format.js';
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

export function accuracyFigure(input: ReportInput): Figure {
  const { zeroshot, probe } = input.metrics.accuracy;
  const series: LineSeries[] = [];
  const pts = (ls: typeof zeroshot, key: 'acc1' | 'acc5' | 'mean_per_class_recall') =>
    [...ls].sort((a, b) => a.sigma - b.sigma).map((l) => ({ x: l.sigma, y: l[key] }));
  series.push({ label: 'zero-shot top-1', style: style(0), points: pts(zeroshot, 'acc1') });
  series.push({ label: 'zero-shot top-5', style: style(0, 'square'), dash: '5 3', points: pts(zeroshot, 'acc5') });
  if (probe?.length) {
    series.push({ label: 'linear probe top-1', style: style(1, 'triangle'), points: pts(probe, 'acc1') });
    series.push({ label: 'linear probe top-5', style: style(1, 'diamond'), dash: '5 3', points: pts(probe, 'acc5') });
  }
  return {
    id: 'accuracy-vs-sigma',
    svg: lineChart({ title: 'Accuracy vs noise level', xLabel: 'noise σ', yLabel: 'accuracy', series, yDomain: [0, 1], xTicksAt: sortedSigmas(input) }),
    caption: read.accuracyReading(zeroshot, probe),
  };
}

export function confusionFigure(input: ReportInput): Figure | null {
  const level = cleanOf(input.metrics.accuracy.zeroshot);
  if (!level) return null;
  const classes = input.metrics.dataset.classes;
  // Row-normalised so classes with fewer images read on the same 0–1 scale.
  const values = level.confusion.map((row) => {
    const s = row.reduce((a, v) => a + v, 0);
    return row.map((v) => (s > 0 ? v / s : 0));
  });
  return {
    id: 'confusion-clean',
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

export function lossFigure(input: ReportInput): Figure {
  const loss = [...input.metrics.loss].sort((a, b) => a.sigma - b.sigma);
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
  min_deg.forEach((row, i) => row.forEach((v, j) => i !== j && off.push(v)));
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

export function diagramFigures(input: ReportInput): Figure[] {
  const shared = Math.max(0, ...input.diagrams.map((d) => diagramMax(d.pairs)));
  return input.diagrams.map((d, k) => ({
    id: `diagram-${k}`,
    svg: diagramPlot({ title: `Persistence diagram at σ = ${sigmaText(d.sigma)}`, pairs: d.pairs, maxValue: shared }),
    caption: read.diagramReading(d.sigma, d.pairs),
  }));
}

export function distanceFigure(input: ReportInput): Figure {
  const rows = input.metrics.distances.global;
  const series: LineSeries[] = [];
  for (const dim of [...new Set(rows.map((r) => r.dim))].sort((a, b) => a - b)) {
    const mine = rows.filter((r) => r.dim === dim).sort((a, b) => a.sigma - b.sigma);
    series.push({
      label: `H${dim} bottleneck`,
      style: style(dim === 0 ? 0 : dim === 1 ? 1 : dim + 1),
      points: mine.map((r) => ({ x: r.sigma, y: r.bottleneck })),
    });
    series.push({
      label: `H${dim} 1-Wasserstein`,
      style: style(dim === 0 ? 0 : dim === 1 ? 1 : dim + 1, 'square'),
      dash: '5 3',
      points: mine.map((r) => ({ x: r.sigma, y: r.wasserstein1 })),
    });
  }
  return {
    id: 'distance-vs-sigma',
    svg: lineChart({
      title: 'Diagram distance to the clean diagram vs noise level',
      xLabel: 'noise σ',
      yLabel: 'distance to clean diagram',
      series,
      xTicksAt: [...new Set(rows.map((r) => r.sigma))].sort((a, b) => a - b),
    }),
    caption: read.distanceReading(rows),
  };
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
