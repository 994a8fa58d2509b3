/**
 * Categorical styles for up to 96 classes: 12 hues × 4 marker shapes × filled/hollow. Neighbouring
 * class indices differ in hue first, so the first 12 classes are plain coloured circles and the 47 DTD
 * classes use every hue with all four shapes — no two classes share hue and shape.
 */

export type Shape = 'circle' | 'square' | 'triangle' | 'diamond';

export interface MarkStyle {
  color: string;
  shape: Shape;
  hollow: boolean;
}

/** Twelve hues chosen to stay apart on white and for the common colour-vision deficiencies in pairs with shape. */
export const HUES = [
  '#1f5fbf',
  '#e8730c',
  '#2a9d3a',
  '#d62f2f',
  '#8a4fc7',
  '#8c5a3c',
  '#e052b0',
  '#5f5f5f',
  '#9a9a12',
  '#15a3bb',
  '#0b3d6e',
  '#c99700',
] as const;

export const SHAPES: readonly Shape[] = ['circle', 'square', 'triangle', 'diamond'];

export function classStyle(i: number): MarkStyle {
  const h = HUES.length;
  const s = SHAPES.length;
  return {
    color: HUES[i % h],
    shape: SHAPES[Math.floor(i / h) % s],
    hollow: Math.floor(i / (h * s)) % 2 === 1,
  };
}

/** Subpath for one marker of radius r centred at (x, y); coordinates already formatted by the caller's px. */
export function markerPath(shape: Shape, x: number, y: number, r: number, px: (v: number) => string): string {
  switch (shape) {
    case 'circle':
      // Two half-circle arcs: a closed circle as a path subpath, so many markers share one <path>.
      return `M${px(x - r)} ${px(y)}a${px(r)} ${px(r)} 0 1 0 ${px(2 * r)} 0a${px(r)} ${px(r)} 0 1 0 ${px(-2 * r)} 0z`;
    case 'square': {
      const a = r * 0.88;
      return `M${px(x - a)} ${px(y - a)}h${px(2 * a)}v${px(2 * a)}h${px(-2 * a)}z`;
    }
    case 'triangle': {
      const a = r * 1.2;
      return `M${px(x)} ${px(y - a)}L${px(x + a * 0.866)} ${px(y + a * 0.5)}L${px(x - a * 0.866)} ${px(y + a * 0.5)}z`;
    }
    case 'diamond': {
      const a = r * 1.2;
      return `M${px(x)} ${px(y - a)}L${px(x + a)} ${px(y)}L${px(x)} ${px(y + a)}L${px(x - a)} ${px(y)}z`;
    }
  }
}

/** fill/stroke attributes for a marker style. */
export function markerPaint(style: MarkStyle, opacity = 1): string {
  const o = opacity < 1 ? ` fill-opacity="${opacity}"` : '';
  // Hollow marks take the opacity on their outline (the joint map's fainter noisy levels).
  const so = opacity < 1 ? ` stroke-opacity="${opacity}"` : '';
  return style.hollow ? `fill="none" stroke="${style.color}" stroke-width="1.2"${so}` : `fill="${style.color}"${o} stroke="${style.color}" stroke-width="0.4"`;
}
