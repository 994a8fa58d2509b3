import { px, tickText } from './format.js';
import type { Scale } from './scale.js';
import { line, text, type Rect } from './svg.js';

export interface AxisOptions {
  xLabel: string;
  yLabel: string;
  /** Explicit x ticks (e.g. the noise levels) instead of evenly spaced ones. */
  xTicks?: { value: number; label: string }[];
  yTicks?: { value: number; label: string }[];
  grid?: boolean;
}

function autoTicks(s: Scale): { value: number; label: string }[] {
  return s.ticks.map((v) => ({ value: v, label: tickText(v, s.step) }));
}

/** Frame, ticks, tick labels, light grid lines and both axis titles around `area`. */
export function axes(area: Rect, x: Scale, y: Scale, o: AxisOptions): string {
  const parts: string[] = ['<g class="axes" font-size="11" fill="#222">'];
  const grid = o.grid ?? true;
  const bottom = area.y + area.h;
  for (const t of o.xTicks ?? autoTicks(x)) {
    const xp = x(t.value);
    if (grid) parts.push(line(xp, area.y, xp, bottom, 'stroke="#e6e6e6" stroke-width="1"'));
    parts.push(line(xp, bottom, xp, bottom + 4, 'stroke="#444"'));
    parts.push(text(xp, bottom + 16, t.label, 'text-anchor="middle"'));
  }
  for (const t of o.yTicks ?? autoTicks(y)) {
    const yp = y(t.value);
    if (grid) parts.push(line(area.x, yp, area.x + area.w, yp, 'stroke="#e6e6e6" stroke-width="1"'));
    parts.push(line(area.x - 4, yp, area.x, yp, 'stroke="#444"'));
    parts.push(text(area.x - 7, yp + 4, t.label, 'text-anchor="end"'));
  }
  parts.push(`<rect x="${px(area.x)}" y="${px(area.y)}" width="${px(area.w)}" height="${px(area.h)}" fill="none" stroke="#444"/>`);
  parts.push(text(area.x + area.w / 2, bottom + 36, o.xLabel, 'class="axis-label x-label" text-anchor="middle" font-size="12"'));
  const cy = area.y + area.h / 2;
  const lx = area.x - 46;
  parts.push(text(lx, cy, o.yLabel, `class="axis-label y-label" text-anchor="middle" font-size="12" transform="rotate(-90 ${px(lx)} ${px(cy)})"`));
  parts.push('</g>');
  return parts.join('');
}
