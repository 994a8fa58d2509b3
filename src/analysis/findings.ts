/**
 * One answer per question of the study, generated from metrics.json's numbers. Every sentence is a claim,
 * so each follows a stated rule (the thresholds below) and quotes the numbers it rests on; where the numbers
 * cannot decide, the sentence says so instead of picking the flattering reading.
 */
import { STANDS_OUT_MEDIAN, STANDS_OUT_RADIUS } from './diagrams.js';
import type { AnalysisMetrics, Finding, GlobalLevelDiagrams } from './types.js';

/** A normalised bottleneck distance below this share of the enclosing radius counts as "shape unchanged". */
export const SHAPE_UNCHANGED = 0.02;
/** A relative change below this counts as "about the same". */
const SAME = 0.1;

const f = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits));
const at = (s: number) => (s === 0 ? 'clean' : `σ = ${Number(s.toFixed(4))}`);
const pct = (v: number) => `${(100 * v).toFixed(0)} %`;

function bySigma<T extends { sigma: number }>(xs: T[]): T[] {
  return [...xs].sort((a, b) => a.sigma - b.sigma);
}

function finite(pairs: GlobalLevelDiagrams['stats'][number]): number {
  return pairs.finite;
}

function accuracy(m: AnalysisMetrics): Finding {
  if (!m.accuracy.zeroshot)
    return {
      id: 'accuracy',
      question: 'Does zero-shot accuracy fall with noise?',
      answer: 'Not measured: the run had no class prompts (embeddings made elsewhere, without prompt embeddings or a text model).',
      numbers: {},
    };
  const zs = bySigma(m.accuracy.zeroshot);
  const C = m.dataset.classes.length;
  const chance = C > 0 ? 1 / C : 0;
  const clean = zs[0];
  const worst = zs[zs.length - 1];
  const numbers: Finding['numbers'] = { chance };
  for (const z of zs) numbers[`acc1_${at(z.sigma)}`] = z.acc1;
  if (!clean || zs.length < 2) {
    return { id: 'accuracy', question: 'Does zero-shot accuracy fall with noise?', answer: 'Only one level was run: nothing to compare.', numbers };
  }
  // The collapse: how many images the most-predicted class takes at the worst level.
  const predicted = worst.confusion[0]?.map((_, j) => worst.confusion.reduce((s, row) => s + row[j], 0)) ?? [];
  const top = predicted.reduce((b, v, j) => (v > predicted[b] ? j : b), 0);
  const share = worst.images > 0 ? predicted[top] / worst.images : 0;
  numbers.top_predicted_share = share;
  numbers.top_predicted_class = m.dataset.classes[top] ?? null;
  const falls = worst.acc1 < clean.acc1 - 0.02;
  const series = zs.map((z) => `${f(z.acc1, 3)} ${at(z.sigma)}`).join(', ');
  const near = worst.acc1 <= 2 * chance ? `, within twice chance (${f(chance, 3)})` : ` (chance ${f(chance, 3)})`;
  const verb = falls ? 'falls' : worst.acc1 > clean.acc1 + 0.02 ? 'rises' : 'stays about the same';
  const collapse =
    share >= 0.25 ? `; at ${at(worst.sigma)} ${predicted[top]} of ${worst.images} images (${pct(share)}) are predicted as “${m.dataset.classes[top]}”` : '';
  return {
    id: 'accuracy',
    question: 'Does zero-shot accuracy fall with noise?',
    answer: `Zero-shot top-1 ${verb}: ${series}${near}${collapse}.`,
    numbers,
  };
}

function component(m: AnalysisMetrics): Finding {
  const g = bySigma(m.diagrams.global);
  const numbers: Finding['numbers'] = {};
  const parts = g.map((l) => {
    const h0 = l.stats[0];
    numbers[`essential_h0_${at(l.sigma)}`] = h0?.essential ?? 0;
    numbers[`last_merge_${at(l.sigma)}`] = h0?.max_persistence ?? 0;
    numbers[`last_merge_normalized_${at(l.sigma)}`] = l.normalized_stats[0]?.max_persistence ?? 0;
    return l;
  });
  const one = parts.every((l) => (l.stats[0]?.essential ?? 0) === 1);
  const a = parts[0];
  const b = parts[parts.length - 1];
  if (!a) return { id: 'component', question: 'Is there one persistent component, and how does its death change?', answer: 'No diagrams.', numbers };
  const raw = `${f(a.stats[0].max_persistence)} ${at(a.sigma)} → ${f(b.stats[0].max_persistence)} ${at(b.sigma)}`;
  const norm = `${f(a.normalized_stats[0].max_persistence)} → ${f(b.normalized_stats[0].max_persistence)}`;
  return {
    id: 'component',
    question: 'Is there one persistent component, and how does its death change?',
    answer: `${one ? 'Every level has exactly one essential H0 class (the cloud is connected at its enclosing radius)' : 'Not every level has a single essential H0 class'}; the last two components merge at ${raw}, ${norm} of the enclosing radius.`,
    numbers,
  };
}

function persistentH1(m: AnalysisMetrics): Finding {
  const g = bySigma(m.diagrams.global);
  const question = 'Are there persistent H1 features?';
  if (m.diagrams.maxdim < 1) return { id: 'persistent_h1', question, answer: 'H1 was not computed (maxdim 0).', numbers: {} };
  const numbers: Finding['numbers'] = { rule_times_median: STANDS_OUT_MEDIAN, rule_share_of_radius: STANDS_OUT_RADIUS };
  const parts = g.map((l) => {
    const s = l.normalized_stats[1];
    const med = l.h1_median_persistence ?? null;
    const longest = s?.max_persistence ?? 0;
    const standsOut = l.h1_standing_out ?? 0;
    numbers[`h1_bars_${at(l.sigma)}`] = finite(l.stats[1]);
    numbers[`longest_h1_normalized_${at(l.sigma)}`] = longest;
    numbers[`standing_out_${at(l.sigma)}`] = standsOut;
    const ratio = med ? ` (${f((l.stats[1]?.max_persistence ?? 0) / med, 1)}× the median bar)` : '';
    return `${at(l.sigma)}: ${finite(l.stats[1])} bars, the longest ${f(longest)} of the radius${ratio}, ${standsOut} standing out`;
  });
  const any = g.some((l) => (l.h1_standing_out ?? 0) > 0);
  return {
    id: 'persistent_h1',
    question,
    answer: `${any ? 'Some H1 bars stand out' : 'No H1 bar stands out'} (rule: ≥ ${STANDS_OUT_MEDIAN}× the median H1 bar and ≥ ${pct(STANDS_OUT_RADIUS)} of the enclosing radius) — ${parts.join('; ')}.`,
    numbers,
  };
}

function h1Quicker(m: AnalysisMetrics): Finding {
  const g = bySigma(m.diagrams.global);
  const question = 'Does H1 die quicker under noise, in absolute terms and relative to the cloud’s size?';
  if (m.diagrams.maxdim < 1 || g.length < 2) return { id: 'h1_quicker', question, answer: 'Not computed (maxdim 0 or one level).', numbers: {} };
  const a = g[0];
  const b = g[g.length - 1];
  const da = a.h1_mean_death ?? null;
  const db = b.h1_mean_death ?? null;
  const na = da !== null && a.scale.enclosing_radius > 0 ? da / a.scale.enclosing_radius : null;
  const nb = db !== null && b.scale.enclosing_radius > 0 ? db / b.scale.enclosing_radius : null;
  const numbers: Finding['numbers'] = {
    mean_death_clean: da,
    [`mean_death_${at(b.sigma)}`]: db,
    mean_death_normalized_clean: na,
    [`mean_death_normalized_${at(b.sigma)}`]: nb,
    enclosing_radius_clean: a.scale.enclosing_radius,
    [`enclosing_radius_${at(b.sigma)}`]: b.scale.enclosing_radius,
  };
  if (da === null || db === null || na === null || nb === null)
    return { id: 'h1_quicker', question, answer: 'A level has no finite H1 bar: nothing to compare.', numbers };
  const absQuicker = db < da * (1 - SAME);
  const relChange = (nb - na) / na;
  const relSame = Math.abs(relChange) <= SAME;
  const abs = `mean H1 death ${f(da)} clean → ${f(db)} at ${at(b.sigma)} (${absQuicker ? 'earlier' : db > da * (1 + SAME) ? 'later' : 'about the same'})`;
  const size = `enclosing radius ${f(a.scale.enclosing_radius)} → ${f(b.scale.enclosing_radius)}`;
  const rel = `relative to it ${f(na)} → ${f(nb)}`;
  const verdict = relSame
    ? absQuicker
      ? 'H1 dies earlier only because the cloud shrinks: relative to its size it dies at about the same place'
      : 'Relative to the cloud’s size H1 dies at about the same place'
    : relChange < 0
      ? 'H1 dies earlier even relative to the cloud’s size'
      : 'Relative to the cloud’s size H1 dies later';
  return { id: 'h1_quicker', question, answer: `${verdict}: ${abs}; ${size}; ${rel}.`, numbers };
}

function distanceGrows(m: AnalysisMetrics): Finding {
  const question = 'Does the distance to the clean diagram grow with noise, and is it the shape or the size that changes?';
  const rows = m.distances.global;
  const dims = [...new Set(rows.map((r) => r.dim))].sort((a, b) => a - b);
  const numbers: Finding['numbers'] = { shape_unchanged_below: SHAPE_UNCHANGED };
  if (dims.length === 0) return { id: 'distance', question, answer: 'No noisy level was compared with the clean one.', numbers };
  const parts: string[] = [];
  let unchanged = true;
  for (const dim of dims) {
    const r = bySigma(rows.filter((x) => x.dim === dim));
    const raw = r.map((x) => f(x.bottleneck)).join(', ');
    const norm = r.map((x) => f(x.normalized.bottleneck)).join(', ');
    const sat = r.filter((x) => x.saturation.bottleneck_saturated).map((x) => at(x.sigma));
    const satW = r.filter((x) => x.saturation.wasserstein1_saturated).map((x) => at(x.sigma));
    for (const x of r) {
      numbers[`h${dim}_bottleneck_${at(x.sigma)}`] = x.bottleneck;
      numbers[`h${dim}_bottleneck_normalized_${at(x.sigma)}`] = x.normalized.bottleneck;
      numbers[`h${dim}_bottleneck_saturated_${at(x.sigma)}`] = x.saturation.bottleneck_saturated;
    }
    if (r.some((x) => !(x.normalized.bottleneck <= SHAPE_UNCHANGED))) unchanged = false;
    const grows = monotone(r.map((x) => x.bottleneck));
    let s = `H${dim} bottleneck ${raw} (${grows}), ${norm} after normalising`;
    if (sat.length)
      s += `; saturated at ${sat.join(', ')} (no better than matching every bar to the diagonal, so it measures the bars’ size, not their change)`;
    if (satW.length) s += `; W1 saturated at ${satW.join(', ')}`;
    parts.push(s);
  }
  const lead = unchanged
    ? `The shape is unchanged after normalising (every normalised bottleneck distance ≤ ${SHAPE_UNCHANGED} of the enclosing radius): the change is one of size`
    : 'The shape changes too: some normalised distances exceed ' + `${SHAPE_UNCHANGED} of the enclosing radius`;
  numbers.shape_unchanged = unchanged;
  return { id: 'distance', question, answer: `${lead} — ${parts.join('; ')}.`, numbers };
}

function monotone(v: number[]): string {
  if (v.length < 2) return 'one level';
  const eps = 1e-9 * Math.max(1, ...v.map(Math.abs));
  const up = v.every((x, i) => i === 0 || x >= v[i - 1] - eps);
  const flat = v.every((x) => Math.abs(x - v[0]) <= Math.max(eps, 0.01 * Math.abs(v[0])));
  if (flat) return 'flat';
  return up ? 'growing' : 'not monotone';
}

function aligned(m: AnalysisMetrics): Finding {
  const a = m.angles;
  const question = 'Which class pairs are nearly aligned, and why did the original study see 0.0?';
  const c = a.closest[0];
  const numbers: Finding['numbers'] = { closest_min_deg: c?.min_deg ?? null };
  if (!c) return { id: 'angles', question, answer: 'Fewer than two classes span a subspace: no angles.', numbers };
  const d = a.degenerate;
  let why = '';
  if (d) {
    numbers.degenerate_zero_pairs = d.zero_pairs;
    numbers.degenerate_zero_by_dimension_count = d.zero_by_dimension_count;
    numbers.run_zero_pairs = d.run_zero_pairs;
    numbers.transposed_zero_pairs = d.transposed_zero_pairs;
    const transposed =
      d.transposed_zero_pairs > 0
        ? ` The likely source of “0.0”: passing each class as an images × dimensions matrix to a routine that spans columns (scipy.linalg.subspace_angles) compares subspaces of R^n, n = images per class, and ${d.transposed_zero_pairs} of the ${d.transposed_pairs} pairs with equal counts then both span all of R^n, so every angle is 0 by construction.`
        : '';
    const degenerate =
      d.zero_pairs > 0
        ? ` Uncentred with every direction (${d.setting}), ${d.zero_pairs} of ${d.pairs} pairs read 0.0°${d.zero_by_dimension_count ? `, ${d.zero_by_dimension_count} of them because their ranks add up to more than d = ${m.model.embed_dim}` : ''}.`
        : ` Uncentred with every direction, no pair reads 0.0° here either (median ${f(d.median_min_deg, 1)}°).`;
    why = `${degenerate}${transposed} At this run's setting ${d.run_zero_pairs} of ${d.pairs} pairs read 0.0°.`;
  }
  return {
    id: 'angles',
    question,
    answer: `The closest class subspaces are “${c.a}” and “${c.b}” at ${f(c.min_deg, 1)}° (${a.center ? 'centred' : 'uncentred'}, ${a.rank === 'full' ? `rank by ${pct(a.energy ?? 1)} energy` : `rank ${a.rank}`}).${why}`,
    numbers,
  };
}

function predicts(m: AnalysisMetrics): Finding {
  const question = 'Does the change in a class’s topology predict its drop in accuracy?';
  const numbers: Finding['numbers'] = {};
  const parts: string[] = [];
  for (const dim of [...new Set(m.correlation.map((c) => c.dim))].sort()) {
    const p = m.correlation.find((c) => c.sigma === 'pooled' && c.dim === dim && c.distance === 'bottleneck');
    if (!p) continue;
    numbers[`h${dim}_spearman_pooled`] = p.spearman;
    numbers[`h${dim}_n`] = p.n;
    if (p.spearman === null) {
      parts.push(`H${dim}: ρ undefined (one side constant)`);
      continue;
    }
    // Large-sample null band of Spearman's ρ; pooled points are not independent, so it is a rough guide.
    const band = 1.96 / Math.sqrt(Math.max(1, p.n - 1));
    const strength = Math.abs(p.spearman) < 0.3 ? 'weak' : Math.abs(p.spearman) < 0.5 ? 'moderate' : 'strong';
    parts.push(
      `H${dim}: ρ = ${f(p.spearman, 2)} (n = ${p.n}, ${strength}; ${Math.abs(p.spearman) > band ? 'outside' : 'inside'} the ±${f(band, 2)} band of no association)`,
    );
  }
  if (parts.length === 0) return { id: 'predicts', question, answer: 'No per-class correlation could be computed.', numbers };
  return {
    id: 'predicts',
    question,
    answer: `Spearman ρ between a class's bottleneck distance (clean vs noisy) and its drop in zero-shot recall, pooled over levels — ${parts.join('; ')}.`,
    numbers,
  };
}

function neighbours(m: AnalysisMetrics): Finding {
  const question = 'Do images keep their neighbours under noise (the pairing of clean and noisy images)?';
  const p = m.paired;
  const numbers: Finding['numbers'] = { knn_chance: p.knn_chance, k: p.knn_k };
  if (p.levels.length === 0) return { id: 'neighbours', question, answer: 'No noisy level.', numbers };
  const parts = bySigma(p.levels).map((l) => {
    numbers[`knn_jaccard_${at(l.sigma)}`] = l.knn_jaccard_mean;
    numbers[`rtd_${at(l.sigma)}`] = l.rtd;
    return `${at(l.sigma)}: mean Jaccard ${f(l.knn_jaccard_mean)}, RTD ${f(l.rtd, 2)} ± ${f(l.rtd_sd, 2)}`;
  });
  const last = bySigma(p.levels)[p.levels.length - 1];
  const lead =
    last.knn_jaccard_mean <= 2 * p.knn_chance
      ? `At ${at(last.sigma)} an image's ${p.knn_k} nearest neighbours are hardly more alike than chance (${f(p.knn_chance, 3)})`
      : `At ${at(last.sigma)} images keep part of their ${p.knn_k} nearest neighbours (chance ${f(p.knn_chance, 3)})`;
  return { id: 'neighbours', question, answer: `${lead} — ${parts.join('; ')}.`, numbers };
}

/** The study's questions answered, in a fixed order. */
export function findings(m: AnalysisMetrics): Finding[] {
  return [accuracy(m), component(m), persistentH1(m), h1Quicker(m), distanceGrows(m), aligned(m), neighbours(m), predicts(m)];
}
