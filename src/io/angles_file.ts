/**
 * The angle files `clip-topo angles` writes: `clip-topo/angles@1` JSON (degrees) and a CSV of one row per
 * class pair. The result is described structurally, so this format layer needs nothing from the kernels.
 */
import { csvField } from './csv.js';

export interface AnglesResult {
  classes: string[];
  center: boolean;
  /** The rule as asked: a fixed rank, an energy fraction, or the full numerical rank. */
  rank: number | 'full';
  energy: number | null;
  /** Dimension kept for each class. */
  ranks: number[];
  /** k×k row-major, radians; 0 on the diagonal. */
  min: Float64Array;
  max: Float64Array;
  /** Principal angles of each class pair, radians, ascending. */
  spectra: { a: number; b: number; angles: Float64Array }[];
  warnings: string[];
}

const DEG = 180 / Math.PI;

/** The JSON document `clip-topo angles` writes (degrees). */
export function anglesToJson(r: AnglesResult): Record<string, unknown> {
  const k = r.classes.length;
  const square = (m: Float64Array) => Array.from({ length: k }, (_, i) => Array.from(m.subarray(i * k, (i + 1) * k), (v) => v * DEG));
  return {
    format: 'clip-topo/angles@1',
    units: 'degrees',
    classes: r.classes,
    rank: r.energy === null ? r.rank : `energy ${r.energy}`,
    ranks: r.ranks,
    center: r.center,
    min_angle_deg: square(r.min),
    max_angle_deg: square(r.max),
    spectra: r.spectra.map((s) => ({ a: s.a, b: s.b, angles_deg: Array.from(s.angles, (v) => v * DEG) })),
    warnings: r.warnings,
  };
}

/** One row per class pair: the smallest, mean and largest angle (degrees) and both ranks. */
export function anglesToCsv(r: AnglesResult): string {
  const rows = ['class_a,class_b,min_angle_deg,mean_angle_deg,max_angle_deg,rank_a,rank_b'];
  for (const s of r.spectra) {
    const mean = s.angles.reduce((acc, v) => acc + v, 0) / Math.max(1, s.angles.length);
    rows.push(
      [csvField(r.classes[s.a]), csvField(r.classes[s.b]), s.angles[0] * DEG, mean * DEG, s.angles[s.angles.length - 1] * DEG, r.ranks[s.a], r.ranks[s.b]].join(
        ',',
      ),
    );
  }
  return rows.join('\n') + '\n';
}
