/**
 * Text and number formatting shared by the SVG and HTML writers. Output must be byte-identical for the
 * same input, so numbers always go through fixed-precision formatting (never `String(x)` on a float
 * that came out of arithmetic, whose digits depend on rounding noise).
 */

/** Escapes text for XML/HTML content and attribute values alike. */
export function esc(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Coordinate for SVG attributes: 2 decimals, trailing zeros dropped, never "-0". */
export function px(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`svg: non-finite coordinate ${v}`);
  const s = (Math.round(v * 100) / 100).toFixed(2).replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

/**
 * A number for people: fixed decimals, "—" for null/undefined, "n/a" for NaN, "∞" for infinities.
 * Fixed decimals keep columns aligned and bytes stable.
 */
export function num(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'n/a';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '−∞';
  const s = v.toFixed(digits);
  // "-0.000" reads as a sign error in a table.
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** σ as the user typed it: up to 4 decimals, no trailing zeros (0.5, 1, 2, 0.08). */
export function sigmaText(sigma: number): string {
  return Number.isFinite(sigma) ? String(Number(sigma.toFixed(4))) : num(sigma);
}

/** Tick label: as few decimals as the tick step needs. */
export function tickText(v: number, step: number): string {
  const digits = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return num(v, digits);
}
