import { esc, px } from './format.js';
import { markerPaint, markerPath, type MarkStyle } from './palette.js';
import { line, text } from './svg.js';

export interface LegendItem {
  label: string;
  marker?: MarkStyle;
  /** Draw a line sample (for line series); dash pattern if given. */
  lineColor?: string;
  dash?: string;
  /** Class index this entry stands for: the page's explorer makes it a button that highlights the class. */
  dataClass?: number;
}

export const LEGEND_ROW = 15;
const SAMPLE = 22;

/** Columns needed for `n` items with at most `maxRows` per column. */
export function legendColumns(n: number, maxRows: number): number {
  return Math.max(1, Math.ceil(n / Math.max(1, maxRows)));
}

/**
 * A legend block at (x, y), filled column by column. Column width is given by the caller so the
 * figure's layout does not depend on font metrics, which differ between browsers.
 */
export function legend(items: LegendItem[], x: number, y: number, maxRows: number, colWidth: number): string {
  const rows = Math.max(1, Math.min(maxRows, items.length));
  const parts = ['<g class="legend" font-size="11" fill="#222">'];
  items.forEach((it, i) => {
    const cx = x + Math.floor(i / rows) * colWidth;
    const cy = y + (i % rows) * LEGEND_ROW + LEGEND_ROW / 2;
    parts.push(it.dataClass === undefined ? '<g class="legend-item">' : `<g class="legend-item" data-class="${it.dataClass}">`);
    if (it.lineColor) {
      const dash = it.dash ? ` stroke-dasharray="${esc(it.dash)}"` : '';
      parts.push(line(cx, cy, cx + SAMPLE, cy, `stroke="${it.lineColor}" stroke-width="2"${dash}`));
    }
    if (it.marker) {
      parts.push(`<path d="${markerPath(it.marker.shape, cx + SAMPLE / 2, cy, 4, px)}" ${markerPaint(it.marker)}/>`);
    }
    parts.push(text(cx + SAMPLE + 5, cy + 4, it.label));
    parts.push('</g>');
  });
  parts.push('</g>');
  return parts.join('');
}
