/** The report's sections, each returning an HTML fragment. Order and ids are fixed by html.ts. */
import type { GlobalDistance, LevelAccuracy, Matching, ReportInput } from '../analysis/types.js';
import * as fig from './figures.js';
import type { Figure } from './figures.js';
import { cleanOf, worstOf } from './levels.js';
import { esc, num, sigmaText } from './svg/format.js';
import { htmlTable, raw, type Cell } from './table.js';

export function figure(f: Figure): string {
  return `<figure data-figure="${esc(f.id)}">${f.svg}<figcaption>${esc(f.caption)}</figcaption></figure>`;
}

function list(items: string[], cls = ''): string {
  if (items.length === 0) return '<p class="none">None.</p>';
  return `<ul${cls ? ` class="${cls}"` : ''}>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
}

const sig = (s: number | 'pooled') => (s === 'pooled' ? 'pooled' : sigmaText(s));

/** Every warning of the run with where it came from. */
export function allWarnings(input: ReportInput): string[] {
  const m = input.metrics;
  return [
    ...m.warnings,
    ...m.dataset.warnings.map((w) => `dataset: ${w}`),
    ...m.angles.warnings.map((w) => `angles: ${w}`),
    ...m.maps.flatMap((map) => map.warnings.map((w) => `${map.method} (${map.subset}): ${w}`)),
  ];
}

/** The noise levels in the run's units, in [0,1] pixel units and as the nearest ImageNet-C severity. */
export function noiseText(m: ReportInput['metrics']): string {
  const n = m.noise;
  const given = m.dataset.embeddings;
  if (n.space === 'given' || given) {
    const sets = (given?.levels ?? []).map((l) => `σ = ${sigmaText(l.sigma)} from ${l.source}`);
    return `made elsewhere, one embedding set per level, σ as the user named it (clip-topo added no noise): ${sets.join('; ') || 'no noisy level'}`;
  }
  const levels = n.levels
    .map((l, k) => ({ l, k }))
    .filter(({ l }) => l > 0)
    .map(({ l, k }) => {
      const p = n.pixel_sigma[k] ?? [l, l, l];
      const mean = p.reduce((a, b) => a + b, 0) / p.length;
      return `σ = ${sigmaText(l)}${n.space === 'normalized' ? ` (≈ ${num(mean, 3)} in pixels)` : ''}, ImageNet-C severity ${n.imagenet_c[k]}`;
    });
  const space = n.space === 'pixel' ? '[0, 1] pixel space (clipped)' : "CLIP's normalised input space (σ_pixel = σ × std per channel)";
  return `${n.kind} in ${space}: ${levels.join('; ') || 'none'}`;
}

export function findingsSection(input: ReportInput): string {
  const rows: Cell[][] = input.metrics.findings.map((f) => [f.question, f.answer]);
  return [
    '<p>Each answer is generated from the numbers in metrics.json (<code>findings</code>, with the numbers each sentence quotes) by a stated rule; where the numbers cannot decide, it says so.</p>',
    htmlTable(['question', 'answer'], rows, { id: 'findings' }),
  ].join('\n');
}

export function summarySection(input: ReportInput): string {
  const m = input.metrics;
  const zs = m.accuracy.zeroshot ?? [];
  const probe = m.accuracy.probe ?? [];
  const head: Cell[][] = [];
  const accRow = (name: string, ls: LevelAccuracy[]) => {
    const c = cleanOf(ls);
    const w = worstOf(ls);
    if (c && w) head.push([`${name} top-1, clean → σ = ${sigmaText(w.sigma)}`, `${num(c.acc1, 4)} → ${num(w.acc1, 4)}`]);
  };
  accRow('zero-shot', zs);
  accRow('linear probe', probe);
  const topDim = Math.max(-1, ...m.distances.global.map((d) => d.dim));
  const worstDist = worstOf(m.distances.global.filter((d) => d.dim === topDim));
  if (worstDist) head.push([`H${topDim} bottleneck to clean at σ = ${sigmaText(worstDist.sigma)}`, num(worstDist.bottleneck, 4)]);
  const pooled = m.correlation.find((c) => c.sigma === 'pooled' && c.dim === topDim && c.distance === 'bottleneck');
  if (pooled) head.push([`Spearman ρ, per-class H${topDim} bottleneck vs recall drop (pooled)`, num(pooled.spearman, 3)]);
  const closest = m.angles.closest[0];
  if (closest) head.push(['closest class subspaces', `${closest.a} – ${closest.b}: ${num(closest.min_deg, 1)}°`]);

  const facts: Cell[][] = [
    ['model', `${m.model.name} (embedding dimension ${m.model.embed_dim}, logit scale ${num(m.model.logit_scale, 2)})`],
    ['dataset', datasetText(m)],
    ['noise', noiseText(m)],
    [
      'seeds',
      Object.entries(m.seeds)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    ['created', `${m.created} by ${m.tool.name} ${m.tool.version} (${m.schema})`],
    ['cache', `${m.cache.dir ?? 'temporary (removed after the run)'}; reused: ${m.cache.reused.length ? m.cache.reused.join(', ') : 'nothing'}`],
  ];
  const conventions: Cell[][] = Object.entries(m.conventions).map(([k, v]) => [k, v]);
  conventions.push(['diagrams', `Vietoris–Rips up to H${m.diagrams.maxdim}, metric ${m.diagrams.metric}`]);
  return [
    htmlTable(['run', ''], facts, { id: 'run' }),
    '<h3>Headline numbers</h3>',
    htmlTable(['quantity', 'value'], head, { id: 'headline' }),
    '<h3>Conventions</h3>',
    htmlTable(['convention', 'value'], conventions, { id: 'conventions' }),
    '<h3>Warnings</h3>',
    list(allWarnings(input), 'warnings'),
  ].join('\n');
}

/** The sample an embeddings run analysed, in words; '' when it read every row. */
function sampleText(e: NonNullable<ReportInput['metrics']['dataset']['embeddings']>): string {
  const s = e.sample;
  if (!s) return '';
  return ` A uniform random sample of ${s.rows.toLocaleString('en-US')} of ${s.of.toLocaleString('en-US')} rows (${s.why}), the same images at every level: every number in this report is of the sample; an accuracy of the sample lies within ±${num(s.accuracy_halfwidth95, 4)} of the whole set's at 95 %.`;
}

function datasetText(m: ReportInput['metrics']): string {
  const d = m.dataset;
  const total = d.counts.reduce((a, b) => a + b, 0);
  if (d.embeddings)
    return `embeddings made elsewhere (${d.embeddings.layout} layout) at ${d.root}, ${d.classes.length} classes, ${total} rows.${sampleText(d.embeddings)}`;
  return `${d.format} at ${d.root}, split ${d.split}${d.partition === null ? '' : ` (partition ${d.partition})`}, ${d.classes.length} classes, ${total} images`;
}

export function embeddingsSection(input: ReportInput): string {
  const d = input.metrics.dataset;
  const rows: Cell[][] = d.classes.map((c, k) => [c, String(d.counts[k] ?? 0)]);
  const synth = d.synthetic
    ? ` Synthetic textures made by this run (seed ${d.synthetic.seed}, ${d.synthetic.per_class} per class, ${d.synthetic.size} px).`
    : '';
  const total = d.counts.reduce((a, b) => a + b, 0);
  const what = d.embeddings
    ? `${total} rows of embeddings made elsewhere (${d.embeddings.source}; no images were read or embedded by this run), ${d.train_images} training rows for the probe, ${d.classes.length} classes.${sampleText(d.embeddings)}`
    : `${total} images of the ${d.split} split embedded, ${d.train_images} training images for the probe, ${d.classes.length} classes.${synth}`;
  return [
    `<p>${esc(what)}</p>`,
    `<h3>Skipped files (${d.skipped.length})</h3>`,
    htmlTable(
      ['file', 'reason', 'found by'],
      d.skipped.map((s) => [s.path, s.reason, s.where]),
      { id: 'skipped' },
    ),
    '<details><summary>Images per class</summary>',
    htmlTable(['class', 'images'], rows, { id: 'class-counts', rowClass: d.classes.map((_, k) => k) }),
    '</details>',
  ].join('\n');
}

function accuracyRows(name: string, ls: LevelAccuracy[]): Cell[][] {
  return [...ls]
    .sort((a, b) => a.sigma - b.sigma)
    .map((l) => [name, sigmaText(l.sigma), String(l.images), num(l.acc1, 4), num(l.acc5, 4), num(l.mean_per_class_recall, 4)]);
}

export function accuracySection(input: ReportInput): string {
  const a = input.metrics.accuracy;
  const rows = [...accuracyRows('zero-shot', a.zeroshot ?? []), ...accuracyRows('linear probe', a.probe ?? [])];
  const confusion = fig.confusionFigures(input);
  const chart = fig.accuracyFigure(input);
  // An embeddings run without class prompts has no zero-shot: say so where the numbers would be.
  const zeroshotNote = a.zeroshot ? '' : `<p class="none">${esc(`Zero-shot: not computed. ${input.metrics.conventions.zeroshot ?? ''}.`)}</p>`;
  const settings = a.probe_settings
    ? Object.entries(a.probe_settings)
        .map(([k, v]) => `${k} = ${String(v)}`)
        .join(', ')
    : 'no linear probe in this run';
  return [
    chart ? figure(chart) : '<p class="none">No accuracy in this run: neither class prompts nor train embeddings were given.</p>',
    zeroshotNote,
    htmlTable(['method', 'σ', 'images', 'top-1', 'top-5', 'mean per-class recall'], rows, { id: 'accuracy' }),
    `<p>Probe: ${esc(settings)}.${a.zeroshot && input.metrics.model.layout !== 'embeddings' ? ` Prompt templates (${a.templates.length}): ${a.templates.map((t) => `<code>${esc(t)}</code>`).join(', ')}.` : ''}</p>`,
    '<h3>Zero-shot confusion at every level</h3>',
    confusion.length
      ? `<div class="grid2">${confusion.map(figure).join('\n')}</div>`
      : `<p class="none">${a.zeroshot ? 'No levels: no confusion matrix.' : 'No zero-shot: no confusion matrix.'}</p>`,
  ].join('\n');
}

export function lossSection(input: ReportInput): string {
  const rows: Cell[][] = [...input.metrics.loss]
    .sort((a, b) => a.sigma - b.sigma)
    .map((l) => [sigmaText(l.sigma), num(l.loss, 4), num(l.image_to_text, 4), num(l.text_to_image, 4), String(l.batches), String(l.batch_size)]);
  const chart = fig.lossFigure(input);
  return [
    chart ? figure(chart) : '<p class="none">No CLIP loss in this run (it needs class prompts and at least two classes).</p>',
    htmlTable(['σ', 'loss', 'image → text', 'text → image', 'batches', 'batch size'], rows, { id: 'loss' }),
  ].join('\n');
}

/** What the explorer can show on hover, said once above the maps (old inputs, --no-thumbnails, no zero-shot). */
function explorerNote(input: ReportInput): string {
  const e = input.explorer;
  const notes: string[] = [];
  if (!e)
    notes.push(
      'This report was made without the explorer’s data: hovering a point shows its row and class only (no thumbnails, paths, predictions, joint map or per-class diagrams).',
    );
  else {
    if (!e.thumbnails)
      notes.push('Thumbnails are off in this run (--no-thumbnails, or no images were read): hovering a point shows its path and classes, no image.');
    if (!e.predicted) notes.push('No zero-shot in this run: predicted classes show as —.');
  }
  const how =
    'Hover a point (or focus a map with Tab and move with the arrow keys) to see the image, its path, class and predicted class; click a class in a legend, a table row or a heatmap cell to highlight it in every figure (click again or press Escape to clear).';
  return `<p class="explorer-help">${esc(how)}</p>${notes.map((n) => `<p class="none explorer-note">${esc(n)}</p>`).join('')}`;
}

export function mapsSection(input: ReportInput): string {
  const joint = fig.jointMapOf(input);
  const maps = [...fig.mapsInOrder(input.maps), ...(joint ? [joint] : [])];
  const rows: Cell[][] = maps.map((m) => [
    m.info.method === 'tsne' ? 't-SNE' : 'UMAP',
    m.info.subset,
    String(m.info.points),
    String(m.info.classes.length),
    String(m.info.seed),
    // Derived parameters (an adapted perplexity) carry 16 digits nobody reads; full values are in metrics.json.
    Object.entries(m.info.params)
      .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v}`)
      .join(', '),
    num(m.info.trustworthiness, 4),
    m.info.file,
  ]);
  return [
    explorerNote(input),
    '<div class="grid2">',
    ...fig.mapFigures(input).map(figure),
    '</div>',
    htmlTable(['method', 'classes', 'points', 'classes drawn', 'seed', 'parameters', 'trustworthiness', 'coordinates'], rows, { id: 'maps' }),
  ].join('\n');
}

export function anglesSection(input: ReportInput): string {
  const a = input.metrics.angles;
  const rows: Cell[][] = a.closest.map((p) => [p.a, p.b, num(p.min_deg, 2), num(p.mean_deg, 2)]);
  const rank = a.rank === 'full' ? (a.energy === null ? 'full' : `by ${num(100 * a.energy, 0)}% energy`) : String(a.rank);
  return [
    `<p>${esc(`Subspaces of the σ = ${sigmaText(a.sigma)} embeddings, ${a.center ? 'centred per class' : 'not centred'}, rank ${rank}${a.ranks.length ? ` (ranks ${Math.min(...a.ranks)}–${Math.max(...a.ranks)})` : ''}.`)}</p>`,
    figure(fig.anglesFigure(input)),
    degenerateText(a),
    '<h3>Closest class pairs</h3>',
    htmlTable(['class a', 'class b', 'smallest angle (°)', 'mean angle (°)'], rows, {
      id: 'angles-closest',
      rowClass: a.closest.map((p) => input.metrics.dataset.classes.indexOf(p.a)),
    }),
    '<h3>Warnings</h3>',
    list(a.warnings, 'warnings'),
  ].join('\n');
}

function degenerateText(a: ReportInput['metrics']['angles']): string {
  const d = a.degenerate;
  if (!d) return '';
  const parts = [
    `Where “0.0” comes from. Uncentred, with every direction a class spans, ${d.zero_pairs} of ${d.pairs} pairs have a smallest angle below 0.05° (median ${num(d.median_min_deg, 1)}°)${d.zero_by_dimension_count ? `, ${d.zero_by_dimension_count} because the two ranks add up to more than the embedding dimension` : ''}.`,
    d.transposed_zero_pairs > 0
      ? `Passing each class as an images × dimensions matrix to a routine that spans columns (scipy.linalg.subspace_angles) compares subspaces of R^n, n = images per class: ${d.transposed_zero_pairs} of the ${d.transposed_pairs} pairs with equal counts then both span all of R^n, and every angle is 0 by construction.`
      : '',
    `At this run's setting ${d.run_zero_pairs} pairs read 0.0° (median smallest angle ${num(d.run_median_min_deg, 1)}°). Choose the setting with --rank, --energy and --no-center.`,
  ];
  return `<p>${esc(parts.filter(Boolean).join(' '))}</p>`;
}

export function diagramsSection(input: ReportInput): string {
  const d = input.metrics.diagrams;
  const rows: Cell[][] = [];
  for (const l of d.global) {
    l.stats.forEach((s, dim) =>
      rows.push([
        sigmaText(l.sigma),
        String(l.points),
        num(l.sample_radius, 4),
        `H${dim}`,
        String(s.finite),
        String(s.essential),
        num(s.total_persistence, 4),
        num(s.max_persistence, 4),
        num(s.entropy, 4),
      ]),
    );
  }
  const g = d.global;
  const scaleRows: Cell[][] = g.map((l) => [
    sigmaText(l.sigma),
    String(l.points),
    l.exact ? 'exact (whole split)' : `sample; bottleneck to the whole split's diagram ≤ ${num(l.bottleneck_bound, 4)}`,
    num(l.scale.enclosing_radius, 4),
    num(l.scale.median_distance, 4),
    ...l.normalized_stats.map((s) => num(s.max_persistence, 4)),
  ]);
  const what = g.every((l) => l.exact)
    ? `every image of the split (${g[0]?.points ?? 0} points, exact)`
    : `${d.global_choice}; a diagram of a sample is within 2 × its Hausdorff radius (bottleneck) of the whole split's diagram`;
  return [
    `<p>${esc(`Vietoris–Rips diagrams per level of ${what} (metric ${d.metric}, up to H${d.maxdim}); one panel per noise level, all on the same axes. Essential bars are drawn on the dashed ∞ line. Per-class bar statistics are in tables/diagram_stats.csv, the diagrams themselves in diagrams/.`)}</p>`,
    '<div class="grid3">',
    ...fig.diagramFigures(input).map(figure),
    '</div>',
    cycleStrip(),
    '<h3>Scale of each cloud</h3>',
    `<p>${esc('Noise pulls the embeddings together, and every filtration value shrinks with the cloud. The panels below divide each diagram by its own enclosing radius, so a change of shape can be told from a change of size.')}</p>`,
    htmlTable(['σ', 'points', 'complex', 'enclosing radius', 'median distance', ...g[0].normalized_stats.map((_, k) => `longest H${k} ÷ radius`)], scaleRows, {
      id: 'scale',
    }),
    '<div class="grid3">',
    ...fig.normalizedDiagramFigures(input).map(figure),
    '</div>',
    htmlTable(['σ', 'points', 'sample radius', 'dim', 'finite bars', 'essential', 'total persistence', 'max persistence', 'entropy (nats)'], rows, {
      id: 'bar-stats',
    }),
  ].join('\n');
}

/** The panel the explorer fills with a clicked H1 bar's cycle, as a strip of images in walk order. */
function cycleStrip(): string {
  return `<div id="cycle-strip" class="panel" data-panel="cycle" aria-live="polite"><p class="none">${esc('Click an H1 bar (orange triangle) of a diagram, or focus a diagram and press Enter, to see its representative cycle as a strip of images.')}</p></div>`;
}

export function cyclesSection(input: ReportInput): string {
  const g = input.metrics.diagrams.global;
  const rows: Cell[][] = [];
  for (const l of g)
    l.cycles.forEach((c, k) =>
      rows.push([
        sigmaText(l.sigma),
        String(k + 1),
        num(c.birth, 4),
        num(c.death, 4),
        num(c.persistence, 4),
        c.computed ? String(new Set(c.loops.flat()).size) : `not computed: ${c.reason ?? ''}`,
        c.classes
          .slice(0, 4)
          .map((x) => `${x.class} (${x.images})`)
          .join(', '),
        c.images
          .slice(0, 6)
          .map((x) => x.path)
          .join(' → ') + (c.images.length > 6 ? ' → …' : ''),
      ]),
    );
  if (rows.length === 0) return '<p class="none">No H1 bars, or H1 not computed: no cycles.</p>';
  return [
    `<p>${esc('For the most persistent H1 bars of each level, the images that form a representative cycle: the homology representative over Z/2 that the reduction gives (the boundary of the chain of triangles that kills the bar), a loop of images born at the bar’s birth and filled in at its death. It is one representative of the bar, not the only one. Every cycle with its image paths, classes and rows is in metrics.json (diagrams.global[].cycles); rows join files.csv.')}</p>`,
    htmlTable(['σ', 'bar', 'birth', 'death', 'persistence', 'images', 'classes (most first)', 'images along the loop'], rows, { id: 'cycles' }),
  ].join('\n');
}

export function pairedSection(input: ReportInput): string {
  const p = input.metrics.paired;
  const rows: Cell[][] = [...p.levels]
    .sort((a, b) => a.sigma - b.sigma)
    .map((l) => [sigmaText(l.sigma), num(l.knn_jaccard_mean, 4), num(l.knn_jaccard_median, 4), num(p.knn_chance, 4), num(l.rtd, 3), num(l.rtd_sd, 3)]);
  return [
    `<p>${esc(`Clean and noisy embeddings are of the same images; these measures use that pairing, which diagram distances ignore. k-NN preservation: per image, the Jaccard index of its ${p.knn_k} nearest neighbours among the clean embeddings and among the noisy ones (1 = same neighbours, chance ≈ ${num(p.knn_chance, 4)}). RTD (Representation Topology Divergence, Barannikov et al. 2022): total length of the H1 R-Cross-Barcode of the two distance matrices of the same points, each divided by its 0.9 quantile (0 = same distances), mean ± sd over ${p.rtd_batches} seeded batches of ${p.rtd_batch_size} images.`)}</p>`,
    htmlTable(['σ', 'k-NN Jaccard (mean)', 'k-NN Jaccard (median)', 'chance', 'RTD (H1)', 'RTD sd'], rows, { id: 'paired' }),
  ].join('\n');
}

function point(p: [number, number | null] | null): string {
  return p === null ? 'diagonal' : `(${num(p[0], 4)}, ${p[1] === null ? '∞' : num(p[1], 4)})`;
}

function matching(m: Matching | undefined): string {
  return m ? `${point(m.clean)} ↔ ${point(m.noisy)}, cost ${num(m.cost, 4)}` : '—';
}

function sat(x: { bottleneck_saturated: boolean; wasserstein1_saturated: boolean }): string {
  const k = [x.bottleneck_saturated ? 'bottleneck' : '', x.wasserstein1_saturated ? 'W1' : ''].filter(Boolean);
  return k.length ? k.join(', ') : 'no';
}

export function distancesSection(input: ReportInput): string {
  const g = [...input.metrics.distances.global].sort((a, b) => a.dim - b.dim || a.sigma - b.sigma);
  const rows: Cell[][] = g.map((r: GlobalDistance) => [
    sigmaText(r.sigma),
    `H${r.dim}`,
    num(r.bottleneck, 4),
    num(r.wasserstein1, 4),
    sat(r.saturation),
    num(r.normalized.bottleneck, 4),
    num(r.normalized.wasserstein1, 4),
    sat(r.normalized.saturation),
    r.finite_only ? 'yes' : 'no',
    matching(r.largest),
  ]);
  // Per class: one row per class, one column per (dim, σ) — 47 × 6 cells reads better than 282 rows.
  const pc = input.metrics.distances.per_class;
  const keys = [...new Set(pc.map((r) => `${r.dim}|${r.sigma}`))]
    .map((k) => k.split('|').map(Number) as [number, number])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const lookup = new Map(pc.map((r) => [`${r.class}|${r.dim}|${r.sigma}`, r]));
  const pcRows: Cell[][] = input.metrics.dataset.classes.map((c) => [
    c,
    ...keys.map(([dim, s]) => {
      const r = lookup.get(`${c}|${dim}|${s}`);
      return r ? raw(`${esc(num(r.bottleneck, 4))} / ${esc(num(r.wasserstein1, 4))}${r.finite_only ? '*' : ''}`) : '—';
    }),
  ]);
  return [
    `<p>${esc('One panel per distance, raw and after dividing each diagram by its enclosing radius. The dashed line of each dimension is the cost of matching every bar of both diagrams to the diagonal: a distance on it is saturated, and then measures how big the bars are, not how they changed.')}</p>`,
    '<div class="grid2">',
    ...fig.distanceFigures(input).map(figure),
    '</div>',
    htmlTable(
      [
        'σ',
        'dim',
        'bottleneck',
        '1-Wasserstein',
        'saturated',
        'bottleneck ÷ radius',
        'W1 ÷ radius',
        'saturated ÷ radius',
        'finite part only',
        'largest matched pair (clean ↔ noisy)',
      ],
      rows,
      { id: 'distances-global' },
    ),
    '<h3>Per class (bottleneck / 1-Wasserstein; * = finite part only)</h3>',
    htmlTable(['class', ...keys.map(([dim, s]) => `H${dim} σ = ${sigmaText(s)}`)], pcRows, {
      id: 'distances-per-class',
      rowClass: input.metrics.dataset.classes.map((_, k) => k),
    }),
  ].join('\n');
}

export function topologySection(input: ReportInput): string {
  const rows: Cell[][] = input.metrics.correlation.map((c) => [sig(c.sigma), `H${c.dim}`, c.distance, c.against, num(c.spearman, 3), String(c.n)]);
  const figs = fig.topologyFigures(input);
  return [
    '<p>Does a class whose diagram moves more under noise also lose more zero-shot recall? One point per class and noise level.</p>',
    figs.length ? figs.map(figure).join('\n') : '<p class="none">No per-class distances: nothing to correlate.</p>',
    htmlTable(['σ', 'dim', 'distance', 'against', 'Spearman ρ', 'n'], rows, { id: 'correlation' }),
  ].join('\n');
}

export function summariesSection(input: ReportInput): string {
  const rows: Cell[][] = [...input.metrics.summaries]
    .sort((a, b) => a.sigma - b.sigma || a.dim - b.dim)
    .map((s) => [sigmaText(s.sigma), `H${s.dim}`, String(s.bars), num(s.entropy_log2, 4), num(s.mean_persistence, 4)]);
  return htmlTable(['σ', 'dim', 'bars', 'persistent entropy (bits)', 'mean persistence'], rows, { id: 'summaries' });
}

export function timingsSection(input: ReportInput): string {
  const rows: Cell[][] = Object.entries(input.metrics.timings).map(([k, v]) => [k, num(v, 2)]);
  return htmlTable(['stage', 'seconds'], rows, { id: 'timings' });
}

/**
 * One class in detail: the explorer draws, for the class picked here (or clicked anywhere), its diagrams
 * at every σ, its zero-shot recall against σ and its nearest classes. The picker is plain HTML so the
 * names are escaped once, here; the script reads only the option values (class indices).
 */
export function classSection(input: ReportInput): string {
  const classes = input.metrics.dataset.classes;
  const options = classes.map((c, k) => `<option value="${k}">${esc(c)}</option>`).join('');
  return [
    `<p>${esc('Pick a class here, or click one anywhere on the page: its diagrams at every noise level, its zero-shot recall against σ, the classes whose subspaces are nearest to it (smallest principal angle) and the classes its images are most often taken for.')}</p>`,
    `<p><label for="class-pick">Class </label><select id="class-pick"><option value="">—</option>${options}</select></p>`,
    '<div id="class-detail" class="panel" aria-live="polite"><p class="none">No class picked.</p></div>',
    '<noscript><p class="none">The drill-down is drawn by the page’s script, which is off.</p></noscript>',
  ].join('\n');
}
