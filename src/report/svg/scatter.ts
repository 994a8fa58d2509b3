import { axes } from './axes.js';
import { px } from './format.js';
import { LEGEND_ROW, legend, legendColumns, type LegendItem } from './legend.js';
import { markerPaint, markerPath, type MarkStyle } from './palette.js';
import { extent, linearScale, niceDomain, type Scale } from './scale.js';
import { emptyNote, svgDoc, type Rect } from './svg.js';

export interface ScatterSeries {
  label: string;
  style: MarkStyle;
  /** Flat [x0, y0, x1, y1, …]; non-finite pairs are not drawn. */
  xy: ArrayLike<number>;
  /** Class index of the series (data-class on its path), so the page can highlight one class. */
  dataClass?: number;
  /** Fill opacity of this series instead of the chart's. */
  opacity?: number;
}

export interface ScatterOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ScatterSeries[];
  /** Same units per pixel on both axes (embedding maps: distances are the only meaning). */
  equalAspect?: boolean;
  plotSize?: { w: number; h: number };
  legendColWidth?: number;
  radius?: number;
  opacity?: number;
  /** Legend entries instead of one per series (the joint map: classes plus a key to the levels). */
  legendItems?: LegendItem[];
}

/** Where a scatter chart puts things: canvas size, plot area, scales and marker radius. */
export interface ScatterFrame {
  width: number;
  height: number;
  area: Rect;
  maxRows: number;
  colWidth: number;
  /** null when no series has a finite point. */
  x: Scale | null;
  y: Scale | null;
  r: number;
}

const MARGIN = { left: 62, top: 14, bottom: 48, gap: 18, right: 10 };

/**
 * The layout of a scatter chart, shared by the drawing and by the page's explorer, which needs each
 * point's position in the SVG's own units to find the point under the pointer.
 */
export function scatterFrame(o: ScatterOptions): ScatterFrame {
  const plot = o.plotSize ?? { w: 420, h: 420 };
  const colWidth = o.legendColWidth ?? 120;
  const maxRows = Math.floor(plot.h / LEGEND_ROW);
  const cols = legendColumns(o.legendItems?.length ?? o.series.length, maxRows);
  const width = MARGIN.left + plot.w + MARGIN.gap + cols * colWidth + MARGIN.right;
  const height = MARGIN.top + plot.h + MARGIN.bottom;
  const area: Rect = { x: MARGIN.left, y: MARGIN.top, w: plot.w, h: plot.h };

  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of o.series) {
    for (let i = 0; i + 1 < s.xy.length; i += 2) {
      if (Number.isFinite(s.xy[i]) && Number.isFinite(s.xy[i + 1])) {
        xs.push(s.xy[i]);
        ys.push(s.xy[i + 1]);
      }
    }
  }
  const ex = extent(xs);
  const ey = extent(ys);
  const base = { width, height, area, maxRows, colWidth };
  if (!ex || !ey) return { ...base, x: null, y: null, r: 0 };
  let [x0, x1] = ex;
  let [y0, y1] = ey;
  if (o.equalAspect) {
    // Grow the shorter side around its centre so one unit spans the same pixels on both axes.
    const span = Math.max(x1 - x0, ((y1 - y0) * plot.w) / plot.h, 1e-12);
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    const spanY = (span * plot.h) / plot.w;
    [x0, x1] = [cx - span * 0.52, cx + span * 0.52];
    [y0, y1] = [cy - spanY * 0.52, cy + spanY * 0.52];
  } else {
    [x0, x1] = niceDomain(x0, x1);
    [y0, y1] = niceDomain(y0, y1);
    // A point on a nice bound would be cut in half by the frame; 3 % of air keeps it whole.
    const px3 = (x1 - x0) * 0.03;
    const py3 = (y1 - y0) * 0.03;
    [x0, x1, y0, y1] = [x0 - px3, x1 + px3, y0 - py3, y1 + py3];
  }
  const x = linearScale([x0, x1], [area.x, area.x + area.w]);
  const y = linearScale([y0, y1], [area.y + area.h, area.y]);
  const r = o.radius ?? (xs.length > 1500 ? 2.2 : xs.length > 300 ? 3 : 4);
  return { ...base, x, y, r };
}

export function scatterChart(o: ScatterOptions): string {
  const { width, height, area, maxRows, colWidth, x, y, r } = scatterFrame(o);
  if (!x || !y) {
    const x = linearScale([0, 1], [area.x, area.x + area.w]);
    const y = linearScale([0, 1], [area.y + area.h, area.y]);
    return svgDoc(width, height, o.title, axes(area, x, y, o) + emptyNote(area, 'no points'));
  }
  const parts = [axes(area, x, y, o)];
  parts.push(`<g class="marks">`);
  for (const s of o.series) {
    const d: string[] = [];
    for (let i = 0; i + 1 < s.xy.length; i += 2) {
      if (!Number.isFinite(s.xy[i]) || !Number.isFinite(s.xy[i + 1])) continue;
      d.push(markerPath(s.style.shape, x(s.xy[i]), y(s.xy[i + 1]), r, px));
    }
    // One path per series keeps a 5,640-point map small and fast to render.
    const cls = s.dataClass === undefined ? '' : ` data-class="${s.dataClass}"`;
    if (d.length > 0) parts.push(`<path class="mark"${cls} d="${d.join('')}" ${markerPaint(s.style, s.opacity ?? o.opacity ?? 0.8)}/>`);
  }
  parts.push('</g>');
  parts.push(
    legend(
      o.legendItems ?? o.series.map((s) => ({ label: clip(s.label, 18), marker: s.style, dataClass: s.dataClass })),
      area.x + area.w + MARGIN.gap,
      area.y,
      maxRows,
      colWidth,
    ),
  );
  return svgDoc(width, height, o.title, parts.join(''));
}

/** Shortens a label to `n` characters so fixed-width legend columns never overlap. */
export function clip(label: string, n: number): string {
  const chars = Array.from(label);
  return chars.length <= n ? label : chars.slice(0, n - 1).join('') + '…';
}
