/**
 * One-sentence readings for figure captions, generated from the numbers so the text can never
 * disagree with the plot. Each returns plain text; the HTML writer escapes it.
 */
import type { Correlation, LevelAccuracy, LevelLoss, MapFigure } from '../analysis/types.js';
import { num, sigmaText } from './svg/format.js';

function trend(from: number, to: number, tolerance: number): string {
  if (Math.abs(to - from) <= tolerance) return 'stays near';
  return to < from ? 'falls from' : 'rises from';
}

/** "X falls from 0.62 clean to 0.21 at σ = 2" (or "stays near 0.62 …"). */
function change(name: string, levels: { sigma: number; value: number }[], digits: number): string {
  const sorted = [...levels].sort((a, b) => a.sigma - b.sigma);
  const a = sorted[0];
  const b = sorted[sorted.length - 1];
  const at = (s: number) => (s === 0 ? 'clean' : `at σ = ${sigmaText(s)}`);
  if (!a) return `${name}: no levels`;
  if (a === b) return `${name} is ${num(a.value, digits)} ${at(a.sigma)}`;
  const t = trend(a.value, b.value, 0.5 * 10 ** -digits);
  const from = a.sigma === 0 ? 'clean' : `σ = ${sigmaText(a.sigma)}`;
  if (t === 'stays near') return `${name} stays near ${num(a.value, digits)} from ${from} to σ = ${sigmaText(b.sigma)}`;
  return `${name} ${t} ${num(a.value, digits)} ${at(a.sigma)} to ${num(b.value, digits)} at σ = ${sigmaText(b.sigma)}`;
}

export function accuracyReading(zeroshot: LevelAccuracy[] | null, probe: LevelAccuracy[] | null): string {
  if (!zeroshot) {
    if (!probe?.length) return 'No accuracy was measured.';
    return `${change(
      'Linear-probe top-1',
      probe.map((l) => ({ sigma: l.sigma, value: l.acc1 })),
      2,
    )} (no zero-shot: no class prompts).`;
  }
  const zs = change(
    'Zero-shot top-1',
    zeroshot.map((l) => ({ sigma: l.sigma, value: l.acc1 })),
    2,
  );
  if (!probe || probe.length === 0) return `${zs}.`;
  const p = change(
    'the linear probe',
    probe.map((l) => ({ sigma: l.sigma, value: l.acc1 })),
    2,
  );
  return `${zs}; ${p}.`;
}

export function confusionReading(level: LevelAccuracy, classes: string[]): string {
  let best = { i: -1, j: -1, n: 0 };
  level.confusion.forEach((row, i) =>
    row.forEach((n, j) => {
      if (i !== j && n > best.n) best = { i, j, n };
    }),
  );
  const recall = `mean per-class recall is ${num(level.mean_per_class_recall, 2)}`;
  if (best.i < 0) return `At σ = ${sigmaText(level.sigma)} no image is misclassified; ${recall}.`;
  const rowTotal = level.confusion[best.i].reduce((s, v) => s + v, 0);
  return `At σ = ${sigmaText(level.sigma)} the most frequent confusion is “${classes[best.i]}” taken for “${classes[best.j]}” (${best.n} of ${rowTotal} images); ${recall}.`;
}

export function lossReading(loss: LevelLoss[]): string {
  return `${change(
    'The CLIP loss',
    loss.map((l) => ({ sigma: l.sigma, value: l.loss })),
    2,
  )}.`;
}

/**
 * Share of points nearer their own class centroid than any other: a scale-free number that says
 * how separated the classes look in the map.
 */
export function centroidAgreement(map: MapFigure): number | null {
  const n = map.labels.length;
  if (n === 0) return null;
  const sums = new Map<number, [number, number, number]>();
  for (let i = 0; i < n; i++) {
    const s = sums.get(map.labels[i]) ?? [0, 0, 0];
    s[0] += map.xy[2 * i];
    s[1] += map.xy[2 * i + 1];
    s[2] += 1;
    sums.set(map.labels[i], s);
  }
  const centres = [...sums.entries()].sort((a, b) => a[0] - b[0]).map(([k, s]) => [k, s[0] / s[2], s[1] / s[2]] as const);
  let agree = 0;
  for (let i = 0; i < n; i++) {
    let bestK = -1;
    let bestD = Infinity;
    for (const [k, cx, cy] of centres) {
      const d = (map.xy[2 * i] - cx) ** 2 + (map.xy[2 * i + 1] - cy) ** 2;
      if (d < bestD) [bestD, bestK] = [d, k];
    }
    if (bestK === map.labels[i]) agree++;
  }
  return agree / n;
}

export function mapReading(map: MapFigure): string {
  const method = map.info.method === 'tsne' ? 't-SNE' : 'UMAP';
  const share = centroidAgreement(map);
  const tw = map.info.trustworthiness === null ? '' : `, trustworthiness ${num(map.info.trustworthiness, 3)}`;
  const sep = share === null ? 'no points were drawn' : `${num(100 * share, 0)}% of points lie nearer their own class centre than any other`;
  return `${method} of ${map.info.points} images from ${map.info.classes.length} classes: ${sep}${tw}.`;
}

/**
 * The joint map in words: how far each level's cloud spreads around its own centre (RMS, map units),
 * which is what a collapse under noise looks like, and how far images move from their clean place.
 */
export function jointMapReading(map: MapFigure & { levels: Uint8Array }, sigmas: number[]): string {
  const L = Math.max(0, ...map.levels) + 1;
  const parts: string[] = [];
  const clean = new Map<number, [number, number]>();
  for (let p = 0; p < map.labels.length; p++) if (map.levels[p] === 0) clean.set(map.rows[p], [map.xy[2 * p], map.xy[2 * p + 1]]);
  for (let k = 0; k < L; k++) {
    let n = 0;
    let sx = 0;
    let sy = 0;
    for (let p = 0; p < map.labels.length; p++)
      if (map.levels[p] === k && Number.isFinite(map.xy[2 * p]) && Number.isFinite(map.xy[2 * p + 1])) {
        n++;
        sx += map.xy[2 * p];
        sy += map.xy[2 * p + 1];
      }
    if (n === 0) continue;
    const [cx, cy] = [sx / n, sy / n];
    let ss = 0;
    let moved = 0;
    let m = 0;
    for (let p = 0; p < map.labels.length; p++) {
      if (map.levels[p] !== k || !Number.isFinite(map.xy[2 * p]) || !Number.isFinite(map.xy[2 * p + 1])) continue;
      ss += (map.xy[2 * p] - cx) ** 2 + (map.xy[2 * p + 1] - cy) ** 2;
      const c = clean.get(map.rows[p]);
      if (k > 0 && c) {
        moved += Math.hypot(map.xy[2 * p] - c[0], map.xy[2 * p + 1] - c[1]);
        m++;
      }
    }
    const s = `${k === 0 ? 'clean' : `σ = ${sigmaText(sigmas[k] ?? k)}`}: spread ${num(Math.sqrt(ss / n), 2)}`;
    parts.push(k > 0 && m > 0 ? `${s}, mean move from the clean place ${num(moved / m, 2)}` : s);
  }
  const n = clean.size;
  return `UMAP of the clean and noisy embeddings of the same ${n} images in one map (${map.labels.length} points, ${L} levels): clean filled, noisy hollow and fainter with σ. RMS distance to each level's centre (map units; UMAP does not keep distances, so compare the levels within this map only): ${parts.join('; ') || 'no points'}. Highlight a class or hover an image to draw each image's lines from its clean to its noisy places.`;
}

export function anglesReading(minDeg: (number | null)[][], classes: string[]): string {
  const off: { a: number; b: number; v: number }[] = [];
  for (let i = 0; i < minDeg.length; i++) for (let j = i + 1; j < minDeg.length; j++) off.push({ a: i, b: j, v: minDeg[i][j] ?? Number.NaN });
  const finite = off.filter((p) => Number.isFinite(p.v)).sort((p, q) => p.v - q.v);
  if (finite.length === 0) return 'There are fewer than two classes, so there are no angles to compare.';
  const c = finite[0];
  const mid = finite.length % 2 ? finite[(finite.length - 1) / 2].v : (finite[finite.length / 2 - 1].v + finite[finite.length / 2].v) / 2;
  return `The closest class subspaces are “${classes[c.a]}” and “${classes[c.b]}” at ${num(c.v, 1)}°; the median smallest angle over ${finite.length} pairs is ${num(mid, 1)}°.`;
}

export function diagramReading(sigma: number, pairs: [number, number][][]): string {
  const parts = pairs.map((dim, k) => {
    const finite = dim.filter(([, d]) => Number.isFinite(d));
    const essential = dim.length - finite.length;
    const longest = finite.reduce((m, [b, d]) => Math.max(m, d - b), 0);
    const ess = essential ? ` and ${essential} essential` : '';
    return `${finite.length} finite H${k} bar${finite.length === 1 ? '' : 's'}${ess} (longest ${num(longest, 3)})`;
  });
  return `At σ = ${sigmaText(sigma)}: ${parts.join('; ') || 'an empty diagram'}.`;
}

type DistanceRow = {
  sigma: number;
  dim: number;
  bottleneck: number;
  wasserstein1: number;
  saturation: { bottleneck_saturated: boolean; wasserstein1_saturated: boolean };
  normalized: { bottleneck: number; wasserstein1: number; saturation: { bottleneck_saturated: boolean; wasserstein1_saturated: boolean } };
};

function readDistance(rows: DistanceRow[], kind: 'bottleneck' | 'wasserstein1', normalized: boolean): string {
  const dims = [...new Set(rows.map((r) => r.dim))].sort((a, b) => a - b);
  if (dims.length === 0) return 'No noisy level was compared with the clean diagram.';
  const name = kind === 'bottleneck' ? 'bottleneck distance' : '1-Wasserstein distance';
  const parts = dims.map((dim) => {
    const mine = rows.filter((r) => r.dim === dim).sort((a, b) => a.sigma - b.sigma);
    const v = (r: DistanceRow) => (normalized ? r.normalized : r);
    const series = mine.map((r) => ({ sigma: r.sigma, value: v(r)[kind] }));
    const sat = mine.filter((r) => v(r).saturation[kind === 'bottleneck' ? 'bottleneck_saturated' : 'wasserstein1_saturated']).map((r) => sigmaText(r.sigma));
    const satText = sat.length ? ` (saturated at σ = ${sat.join(', ')}: no better than matching every bar to the diagonal)` : '';
    return `${change(`the H${dim} ${name} to the clean diagram`, series, 3)}${satText}`;
  });
  const lead = parts.join('; ');
  return `${lead.charAt(0).toUpperCase()}${lead.slice(1)}${normalized ? ', after dividing each diagram by its enclosing radius' : ''}.`;
}

export function distanceReading(rows: DistanceRow[], kind: 'bottleneck' | 'wasserstein1' = 'bottleneck'): string {
  return readDistance(rows, kind, false);
}

export function normalizedDistanceReading(rows: DistanceRow[], kind: 'bottleneck' | 'wasserstein1'): string {
  return readDistance(rows, kind, true);
}

export function correlationReading(dim: number, kind: string, pooled: Correlation | undefined, points: number): string {
  const name = kind === 'bottleneck' ? 'bottleneck distance' : '1-Wasserstein distance';
  if (!pooled) return `${points} per-class points; no pooled correlation was computed for H${dim}.`;
  const rho = pooled.spearman === null ? 'undefined (one side is constant)' : num(pooled.spearman, 2);
  return `Pooled over noise levels, Spearman ρ between per-class H${dim} ${name} and zero-shot recall drop is ${rho} (n = ${pooled.n}).`;
}
