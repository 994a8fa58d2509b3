import { px, num, tickText } from './format.js';
import { darkAt, rampColor } from './colormap.js';
import { clip } from './scatter.js';
import { linearScale } from './scale.js';
import { line, svgDoc, text } from './svg.js';

export interface HeatmapOptions {
  title: string;
  /** Row-major C×C (or R×C) values; null = no value (drawn grey). */
  values: (number | null)[][];
  rowLabels: string[];
  colLabels: string[];
  xLabel: string;
  yLabel: string;
  /** Colour-bar title, with units. */
  valueLabel: string;
  domain: [number, number];
  /** Dark = low instead of dark = high (angles: the closest pairs should stand out). */
  reverse?: boolean;
  /** Grey out the diagonal (angles: a class against itself is 0 by definition). */
  maskDiagonal?: boolean;
  /** Decimals when values are printed in cells (only when cells are large enough). */
  digits?: number;
  /**
   * Rows and columns are the dataset's classes in order: labels carry data-class and the cell group
   * data-cols, so the page's explorer can highlight a class's row and column and take clicks on cells.
   */
  classAxes?: boolean;
}

const LABEL_W = 96;

export function heatmap(o: HeatmapOptions): string {
  const rows = o.values.length;
  const cols = rows > 0 ? o.values[0].length : 0;
  const cell = Math.max(8, Math.min(30, Math.floor(520 / Math.max(1, rows, cols))));
  const font = Math.min(11, Math.max(7, cell - 2));
  const left = 24 + LABEL_W;
  const top = 12;
  const gw = cols * cell;
  const gh = rows * cell;
  const barX = left + gw + 26;
  const width = barX + 14 + 52;
  const height = top + gh + LABEL_W + 30;
  const [lo, hi] = o.domain;
  const t = (v: number) => {
    const u = hi > lo ? (v - lo) / (hi - lo) : 0;
    return o.reverse ? 1 - u : u;
  };
  const parts: string[] = [o.classAxes ? `<g class="cells" data-cols="${cols}">` : '<g class="cells">'];
  const dc = (k: number) => (o.classAxes ? ` data-class="${k}"` : '');
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = o.values[i][j] ?? Number.NaN;
      const masked = (o.maskDiagonal && i === j) || !Number.isFinite(v);
      const fill = masked ? '#d9d9d9' : rampColor(t(v));
      parts.push(`<rect class="mark" x="${px(left + j * cell)}" y="${px(top + i * cell)}" width="${px(cell)}" height="${px(cell)}" fill="${fill}"/>`);
      if (!masked && cell >= 26) {
        const colour = darkAt(t(v)) ? '#ffffff' : '#222222';
        parts.push(text(left + (j + 0.5) * cell, top + (i + 0.5) * cell + 3.5, num(v, o.digits ?? 2), `text-anchor="middle" font-size="9" fill="${colour}"`));
      }
    }
  }
  parts.push('</g>');
  parts.push(`<rect x="${px(left)}" y="${px(top)}" width="${px(gw)}" height="${px(gh)}" fill="none" stroke="#444"/>`);
  parts.push(`<g class="axes" font-size="${font}" fill="#222">`);
  o.rowLabels.forEach((l, i) => parts.push(text(left - 4, top + (i + 0.5) * cell + font / 3, clip(l, 16), `text-anchor="end"${dc(i)}`)));
  o.colLabels.forEach((l, j) => {
    const cx = left + (j + 0.5) * cell + font / 3;
    const cy = top + gh + 4;
    parts.push(text(cx, cy, clip(l, 16), `text-anchor="end"${dc(j)} transform="rotate(-90 ${px(cx)} ${px(cy)})"`));
  });
  parts.push('</g>');
  parts.push(text(left + gw / 2, top + gh + LABEL_W + 18, o.xLabel, 'class="axis-label x-label" text-anchor="middle" font-size="12"'));
  const ly = top + gh / 2;
  parts.push(text(12, ly, o.yLabel, `class="axis-label y-label" text-anchor="middle" font-size="12" transform="rotate(-90 12 ${px(ly)})"`));
  parts.push(colourBar(barX, top, Math.max(gh, 120), o));
  return svgDoc(width, height, o.title, parts.join(''));
}

/** Vertical colour bar with ticks; drawn as stacked strips so no gradient definition (and id) is needed. */
function colourBar(x: number, y: number, h: number, o: HeatmapOptions): string {
  const [lo, hi] = o.domain;
  const steps = 48;
  const parts = ['<g class="colorbar">'];
  for (let k = 0; k < steps; k++) {
    // Top strip = high value.
    const u = 1 - (k + 0.5) / steps;
    const tt = o.reverse ? 1 - u : u;
    parts.push(`<rect x="${px(x)}" y="${px(y + (k * h) / steps)}" width="14" height="${px(h / steps + 0.5)}" fill="${rampColor(tt)}"/>`);
  }
  parts.push(`<rect x="${px(x)}" y="${px(y)}" width="14" height="${px(h)}" fill="none" stroke="#444"/>`);
  const s = linearScale([lo, hi > lo ? hi : lo + 1], [y + h, y], 4);
  for (const v of s.ticks) {
    parts.push(line(x + 14, s(v), x + 18, s(v), 'stroke="#444"'));
    parts.push(text(x + 20, s(v) + 4, tickText(v, s.step), 'font-size="10" fill="#222"'));
  }
  const cx = x - 6;
  const cy = y + h / 2;
  parts.push(text(cx, cy, o.valueLabel, `class="axis-label" text-anchor="middle" font-size="11" fill="#222" transform="rotate(-90 ${px(cx)} ${px(cy)})"`));
  parts.push('</g>');
  return parts.join('');
}
