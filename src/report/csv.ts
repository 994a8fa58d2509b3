/**
 * The report's tables as CSV (RFC 4180: CRLF line ends, fields with a comma, quote, CR or LF quoted,
 * quotes doubled). Numbers keep full precision (shortest round-trip form); an empty field means null;
 * "inf" marks an essential bar's death, which numpy and pandas both parse as infinity.
 */
import type { LevelDiagrams, Matching, ReportInput } from '../analysis/types.js';
import { type CsvValue, csvField, toCsv } from '../io/csv.js';

export interface CsvTable {
  /** File name under tables/. */
  name: string;
  text: string;
}

type Value = CsvValue;

export { csvField, toCsv };

function matchPoint(p: [number, number | null] | null | undefined): [Value, Value] {
  if (!p) return [null, null];
  return [p[0], p[1] === null ? Infinity : p[1]];
}

export function reportTables(input: ReportInput): CsvTable[] {
  const m = input.metrics;
  const classes = m.dataset.classes;
  const acc = [...(m.accuracy.zeroshot ?? []).map((l) => ['zeroshot', l] as const), ...(m.accuracy.probe ?? []).map((l) => ['probe', l] as const)];
  const largest = (x: Matching | undefined): Value[] => (x ? [...matchPoint(x.clean), ...matchPoint(x.noisy), x.cost] : [null, null, null, null, null]);
  const statRows = (scope: string, cls: string | null, levels: LevelDiagrams[]): Value[][] =>
    levels.flatMap((l) =>
      l.stats.map((s, dim) => [
        scope,
        cls,
        l.sigma,
        l.points,
        l.sample_radius,
        dim,
        s.finite,
        s.essential,
        s.total_persistence,
        s.max_persistence,
        s.entropy,
        l.file,
      ]),
    );

  return [
    {
      name: 'accuracy.csv',
      text: toCsv(
        ['method', 'sigma', 'images', 'acc1', 'acc5', 'mean_per_class_recall'],
        acc.map(([k, l]) => [k, l.sigma, l.images, l.acc1, l.acc5, l.mean_per_class_recall]),
      ),
    },
    {
      name: 'per_class_recall.csv',
      text: toCsv(
        ['method', 'sigma', 'class', 'recall'],
        acc.flatMap(([k, l]) => l.per_class_recall.map((r, c) => [k, l.sigma, classes[c], r])),
      ),
    },
    {
      name: 'confusion.csv',
      text: toCsv(
        ['method', 'sigma', 'true_class', 'predicted_class', 'count'],
        acc.flatMap(([k, l]) => l.confusion.flatMap((row, i) => row.map((n, j) => [k, l.sigma, classes[i], classes[j], n]))),
      ),
    },
    {
      name: 'loss.csv',
      text: toCsv(
        ['sigma', 'loss', 'image_to_text', 'text_to_image', 'batches', 'batch_size'],
        m.loss.map((l) => [l.sigma, l.loss, l.image_to_text, l.text_to_image, l.batches, l.batch_size]),
      ),
    },
    {
      name: 'angles_closest.csv',
      text: toCsv(
        ['class_a', 'class_b', 'min_deg', 'mean_deg'],
        m.angles.closest.map((p) => [p.a, p.b, p.min_deg, p.mean_deg]),
      ),
    },
    {
      name: 'angles_min_deg.csv',
      text: toCsv(
        ['class', ...classes],
        m.angles.min_deg.map((row, i) => [classes[i], ...row]),
      ),
    },
    {
      name: 'distances_global.csv',
      text: toCsv(
        [
          'sigma',
          'dim',
          'bottleneck',
          'wasserstein1',
          'finite_only',
          'largest_clean_birth',
          'largest_clean_death',
          'largest_noisy_birth',
          'largest_noisy_death',
          'largest_cost',
        ],
        m.distances.global.map((d) => [d.sigma, d.dim, d.bottleneck, d.wasserstein1, d.finite_only, ...largest(d.largest)]),
      ),
    },
    {
      name: 'distances_per_class.csv',
      text: toCsv(
        ['class', 'sigma', 'dim', 'bottleneck', 'wasserstein1', 'finite_only'],
        m.distances.per_class.map((d) => [d.class, d.sigma, d.dim, d.bottleneck, d.wasserstein1, d.finite_only]),
      ),
    },
    {
      name: 'correlation.csv',
      text: toCsv(
        ['sigma', 'dim', 'distance', 'against', 'spearman', 'n'],
        m.correlation.map((c) => [c.sigma, c.dim, c.distance, c.against, c.spearman, c.n]),
      ),
    },
    {
      name: 'diagram_stats.csv',
      text: toCsv(
        ['scope', 'class', 'sigma', 'points', 'sample_radius', 'dim', 'finite', 'essential', 'total_persistence', 'max_persistence', 'entropy', 'file'],
        [...statRows('global', null, m.diagrams.global), ...m.diagrams.per_class.flatMap((c) => statRows('class', c.class, c.levels))],
      ),
    },
    {
      name: 'summaries.csv',
      text: toCsv(
        ['sigma', 'dim', 'bars', 'entropy_log2', 'mean_persistence'],
        m.summaries.map((s) => [s.sigma, s.dim, s.bars, s.entropy_log2, s.mean_persistence]),
      ),
    },
    {
      name: 'maps.csv',
      text: toCsv(
        ['method', 'subset', 'points', 'classes', 'seed', 'params', 'trustworthiness', 'file'],
        m.maps.map((x) => [
          x.method,
          x.subset,
          x.points,
          x.classes.map((k) => classes[k]).join(';'),
          x.seed,
          Object.entries(x.params)
            .map(([k, v]) => `${k}=${v}`)
            .join(';'),
          x.trustworthiness,
          x.file,
        ]),
      ),
    },
    {
      name: 'skipped.csv',
      text: toCsv(
        ['path', 'reason', 'where'],
        m.dataset.skipped.map((s) => [s.path, s.reason, s.where]),
      ),
    },
    {
      name: 'cache_reused.csv',
      text: toCsv(
        ['step'],
        m.cache.reused.map((r) => [r]),
      ),
    },
    {
      name: 'timings.csv',
      text: toCsv(
        ['stage', 'seconds'],
        Object.entries(m.timings).map(([k, v]) => [k, v]),
      ),
    },
  ];
}
