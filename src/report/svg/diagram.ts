import { axes } from './axes.js';
import { px, tickText } from './format.js';
import { legend, type LegendItem } from './legend.js';
import { markerPaint, markerPath, type MarkStyle } from './palette.js';
import { linearScale, niceDomain, type Scale } from './scale.js';
import { line, svgDoc, text, type Rect } from './svg.js';

export interface DiagramPlotOptions {
  title: string;
  /** Per homology dimension (index = dim): [birth, death], death = Infinity for essential bars. */
  pairs: [number, number][][];
  /**
   * Largest finite value to show; pass the same value to every small multiple so their axes agree.
   * Defaults to this diagram's own maximum.
   */
  maxValue?: number;
  /** Short heading drawn inside the panel above the legend (e.g. "σ = 0.5"), so a panel read or exported alone says which level it is. */
  heading?: string;
}

/** H0 blue discs, H1 orange triangles, H2 green squares: shape and colour both tell the dimension apart. */
export const DIM_STYLES: MarkStyle[] = [
  { color: '#1f5fbf', shape: 'circle', hollow: false },
  { color: '#e8730c', shape: 'triangle', hollow: false },
  { color: '#2a9d3a', shape: 'square', hollow: false },
  { color: '#8a4fc7', shape: 'diamond', hollow: false },
];

const PLOT = 250;
const MARGIN = { left: 62, top: 14, bottom: 48, gap: 14, right: 8 };
const LEGEND_COL = 104;

/** Largest finite birth or death over diagrams (0 when all are empty). */
export function diagramMax(pairs: [number, number][][]): number {
  let m = 0;
  for (const dim of pairs)
    for (const [b, d] of dim) {
      if (Number.isFinite(b) && b > m) m = b;
      if (Number.isFinite(d) && d > m) m = d;
    }
  return m;
}

export interface DiagramFrame {
  width: number;
  height: number;
  area: Rect;
  top: number;
  full: number;
  /** Where essential bars are drawn (the ∞ line). */
  infAt: number;
  x: Scale;
  y: Scale;
}

/** The layout of a diagram panel, shared by the drawing and the page's explorer (where each bar is, to click it). */
export function diagramFrame(o: Pick<DiagramPlotOptions, 'pairs' | 'maxValue'>): DiagramFrame {
  const width = MARGIN.left + PLOT + MARGIN.gap + LEGEND_COL + MARGIN.right;
  const height = MARGIN.top + PLOT + MARGIN.bottom;
  const area: Rect = { x: MARGIN.left, y: MARGIN.top, w: PLOT, h: PLOT };
  const [, top] = niceDomain(0, (o.maxValue ?? diagramMax(o.pairs)) || 1);
  // The band above `top` holds the ∞ line, so essential bars sit inside the frame but off the finite scale.
  const full = top * 1.12;
  const infAt = top * 1.06;
  const x = linearScale([0, full], [area.x, area.x + area.w]);
  const y = linearScale([0, full], [area.y + area.h, area.y]);
  return { width, height, area, top, full, infAt, x, y };
}

/** A bar's marker position in the panel's units. */
export function barPosition(f: DiagramFrame, birth: number, death: number): [number, number] {
  const yy = Number.isFinite(death) ? death : f.infAt;
  return [f.x(Math.min(birth, f.full)), f.y(Math.min(yy, f.full))];
}

export function diagramPlot(o: DiagramPlotOptions): string {
  const frame = diagramFrame(o);
  const { width, height, area, top, full, infAt, x, y } = frame;
  const ticks = linearScale([0, top], [0, 1]);
  const tickList = ticks.ticks.map((v) => ({ value: v, label: tickText(v, ticks.step) }));
  const parts = [axes(area, x, y, { xLabel: 'birth', yLabel: 'death', xTicks: tickList, yTicks: tickList })];
  parts.push(line(x(0), y(0), x(full), y(full), 'class="diagonal" stroke="#888" stroke-width="1"'));
  parts.push(line(area.x, y(infAt), area.x + area.w, y(infAt), 'class="infinity" stroke="#555" stroke-width="1" stroke-dasharray="5 4"'));
  parts.push(text(area.x - 7, y(infAt) + 4, '∞', 'text-anchor="end" font-size="13" fill="#222"'));
  parts.push('<g class="marks">');
  o.pairs.forEach((dim, k) => {
    const style = DIM_STYLES[k % DIM_STYLES.length];
    const d: string[] = [];
    for (const [b, death] of dim) {
      if (!Number.isFinite(b)) continue;
      const [bx, by] = barPosition(frame, b, death);
      d.push(markerPath(style.shape, bx, by, 3.2, px));
    }
    if (d.length) parts.push(`<path class="mark" data-dim="${k}" d="${d.join('')}" ${markerPaint(style, 0.7)}/>`);
  });
  parts.push('</g>');
  const items: LegendItem[] = o.pairs.map((dim, k) => ({ label: `H${k} (${dim.length})`, marker: DIM_STYLES[k % DIM_STYLES.length] }));
  items.push({ label: '∞ = essential', lineColor: '#555', dash: '5 4' });
  const lx = area.x + area.w + MARGIN.gap;
  if (o.heading) parts.push(text(lx, area.y + 12, o.heading, 'class="panel-heading" font-size="14" font-weight="600" fill="#222"'));
  parts.push(legend(items, lx, o.heading ? area.y + 26 : area.y, 10, LEGEND_COL));
  return svgDoc(width, height, o.title, parts.join(''));
}
