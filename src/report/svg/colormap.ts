/**
 * A sequential colour ramp from pale yellow to deep purple: lightness falls monotonically, so values
 * stay ordered in greyscale print too. Interpolated linearly in sRGB between five anchors.
 */
const ANCHORS: [number, number, number][] = [
  [255, 250, 220],
  [250, 204, 110],
  [232, 120, 70],
  [170, 45, 100],
  [55, 12, 85],
];

export function rampColor(t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (ANCHORS.length - 1);
  const i = Math.min(ANCHORS.length - 2, Math.floor(u));
  const f = u - i;
  const c = ANCHORS[i].map((a, k) => Math.round(a + (ANCHORS[i + 1][k] - a) * f));
  return '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');
}

/** Whether text on this ramp position must be white to stay readable. */
export function darkAt(t: number): boolean {
  return t > 0.55;
}
