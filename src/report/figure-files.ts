/**
 * Each figure of the report as files of its own, for a paper or slides: figures/<id>.svg (vector, the
 * figure's title drawn at its top, a font named so it renders the same outside the page) and
 * figures/<id>.png at twice the SVG's size, rendered from that SVG by sharp (librsvg).
 */
import sharp from 'sharp';

import { px } from './svg/format.js';
import type { Figure } from './figures.js';

/** Height of the title band added above the drawing. */
const TITLE_H = 30;
/** PNG pixels per SVG unit; sharp (librsvg) reads SVG at 72 dpi, so density 72 × scale. */
const PNG_SCALE = 2;

/** A file name from a figure id: ids are made by figures.ts from fixed words and σ values. */
export function figureFileName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** The figure's SVG with its title inside the drawing, as a standalone document. */
export function standaloneSvg(f: Figure): string {
  const head = /^<svg\b[^>]*>/.exec(f.svg);
  const width = Number(/\bwidth="([\d.]+)"/.exec(head?.[0] ?? '')?.[1]);
  const height = Number(/\bheight="([\d.]+)"/.exec(head?.[0] ?? '')?.[1]);
  const title = /<title>([^<]*)<\/title>/.exec(f.svg)?.[1] ?? '';
  if (!head || !(width > 0) || !(height > 0)) throw new Error(`figure ${f.id}: not an <svg> with a width and height`);
  // The drawing goes in as a nested <svg> shifted down by the title band; its own title stays for screen readers.
  const inner = f.svg.replace(/^<svg\b/, `<svg x="0" y="${TITLE_H}"`);
  const H = height + TITLE_H;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${px(width)} ${px(H)}" width="${px(width)}" height="${px(H)}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">` +
    `<rect x="0" y="0" width="${px(width)}" height="${px(H)}" fill="#ffffff"/>` +
    // The title text is already escaped (it comes from the figure's <title>).
    `<text class="figure-title" x="${px(width / 2)}" y="20" text-anchor="middle" font-size="15" font-weight="600" fill="#111">${title}</text>` +
    inner +
    '</svg>\n'
  );
}

export async function figurePng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 * PNG_SCALE })
    .png({ compressionLevel: 9 })
    .toBuffer();
}
