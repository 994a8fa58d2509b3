import { axes } from './axes.js';
import { px, sigmaText } from './format.js';
import { legend } from './legend.js';
import { markerPaint, markerPath, type MarkStyle } from './palette.js';
import { extent, linearScale, niceDomain } from './scale.js';
import { emptyNote, svgDoc, type Rect } from './svg.js';

export interface LineSeries {
  label: string;
  style: MarkStyle;
  dash?: string;
  /** Points in x order; null y leaves a gap. */
  points: { x: number; y: number | null }[];
}

export interface LineOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  /** Fixed y range (e.g. [0, 1] for accuracy); otherwise from the data, starting at 0 when all ≥ 0. */
  yDomain?: [number, number];
  /** Label the x axis at exactly these values (the noise levels). */
  xTicksAt?: number[];
}

const PLOT = { w: 440, h: 260 };
const MARGIN = { left: 62, top: 14, bottom: 48, gap: 18, right: 10 };
const LEGEND_COL = 190;

export function lineChart(o: LineOptions): string {
  const width = MARGIN.left + PLOT.w + MARGIN.gap + LEGEND_COL + MARGIN.right;
  const height = MARGIN.top + PLOT.h + MARGIN.bottom;
  const area: Rect = { x: MARGIN.left, y: MARGIN.top, w: PLOT.w, h: PLOT.h };
  const xsAll = o.series.flatMap((s) => s.points.map((p) => p.x)).concat(o.xTicksAt ?? []);
  const ysAll = o.series.flatMap((s) => s.points.map((p) => (p.y === null ? NaN : p.y)));
  const ex = extent(xsAll) ?? [0, 1];
  const ey = extent(ysAll);
  const xPad = ex[1] > ex[0] ? (ex[1] - ex[0]) * 0.04 : 0.5;
  const x = linearScale([ex[0] - xPad, ex[1] + xPad], [area.x, area.x + area.w]);
  let yd: [number, number];
  if (o.yDomain) yd = o.yDomain;
  else if (!ey) yd = [0, 1];
  else yd = niceDomain(Math.min(ey[0], 0), ey[1]);
  const y = linearScale(yd, [area.y + area.h, area.y]);
  const xTicks = o.xTicksAt?.map((v) => ({ value: v, label: sigmaText(v) }));
  const parts = [axes(area, x, y, { ...o, xTicks })];
  if (!ey) parts.push(emptyNote(area, 'no data'));
  parts.push('<g class="marks">');
  for (const s of o.series) {
    // Consecutive non-null points form one polyline; a null breaks it.
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1)
        parts.push(
          `<polyline class="mark" points="${run.join(' ')}" fill="none" stroke="${s.style.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
        );
      run = [];
    };
    const dots: string[] = [];
    for (const p of s.points) {
      if (p.y === null || !Number.isFinite(p.y)) {
        flush();
        continue;
      }
      run.push(`${px(x(p.x))},${px(y(p.y))}`);
      dots.push(markerPath(s.style.shape, x(p.x), y(p.y), 3.5, px));
    }
    flush();
    if (dots.length) parts.push(`<path class="mark" d="${dots.join('')}" ${markerPaint(s.style)}/>`);
  }
  parts.push('</g>');
  parts.push(
    legend(
      o.series.map((s) => ({ label: s.label, marker: s.style, lineColor: s.style.color, dash: s.dash })),
      area.x + area.w + MARGIN.gap,
      area.y,
      Math.floor(PLOT.h / 15),
      LEGEND_COL,
    ),
  );
  return svgDoc(width, height, o.title, parts.join(''));
}
