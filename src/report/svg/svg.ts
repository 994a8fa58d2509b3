import { esc, px } from './format.js';

/** A plot's drawing area inside the SVG canvas. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Wraps drawn content as a standalone <svg>. The viewBox plus width/height lets CSS scale the figure
 * down on narrow screens while keeping its aspect ratio; <title> names it for screen readers.
 */
export function svgDoc(width: number, height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${px(width)} ${px(height)}" width="${px(width)}" height="${px(height)}" role="img" aria-label="${esc(title)}">` +
    `<title>${esc(title)}</title>` +
    `<rect class="bg" x="0" y="0" width="${px(width)}" height="${px(height)}" fill="#ffffff"/>` +
    body +
    '</svg>'
  );
}

export function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${px(x)}" y="${px(y)}"${attrs ? ' ' + attrs : ''}>${esc(content)}</text>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, attrs: string): string {
  return `<line x1="${px(x1)}" y1="${px(y1)}" x2="${px(x2)}" y2="${px(y2)}" ${attrs}/>`;
}

/** A "no data" placeholder so a figure is never an empty box. */
export function emptyNote(area: Rect, message: string): string {
  return text(area.x + area.w / 2, area.y + area.h / 2, message, 'class="note" text-anchor="middle" font-size="12" fill="#555"');
}
