/**
 * Step 1 of `analyze --embeddings`: the study's embeddings read from sets made elsewhere (clip-retrieval on
 * a cluster, open_clip in a notebook) instead of computed from images. The clean set gives the classes and
 * the rows; each noise level is its own set of the same images, paired with the clean rows by image name
 * (by row order when a set names none); an optional train set feeds the probe; class prompts come from a
 * prompt-embeddings file or a model's text tower, else zero-shot and the loss are skipped (said so).
 * A set larger than the memory budget is analysed through a seeded uniform sample of its rows, the same
 * rows at every level, and the plan states the sample and the sampling error of the accuracies.
 */
import { existsSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { dirname, join } from 'node:path';

import type { ModelCard } from '../clip/model.js';
import { classifierWeights } from '../clip/pipeline.js';
import { type EmbeddingSet, openEmbeddingSet, readRows } from '../data/embedding-set.js';
import type { Dataset, ImageItem } from '../data/types.js';
import { UsageError } from '../errors.js';
import { sha256Hex } from '../io/hash.js';
import { readNpy } from '../io/npy.js';
import { shownPath } from '../io/rawpath.js';
import type { StudyData } from './dataset.js';
import type { LevelEmbeddings, StudyEmbeddings } from './embeddings.js';
import { rng, subSeed } from './random.js';

export interface ExternalInputs {
  /** The clean set: an .npy file, a folder holding one, or a clip-retrieval folder. */
  embeddings: string;
  /** The noisy sets, σ as the user names them. */
  levels: { sigma: number; path: string }[];
  /** Clean train-split embeddings for the linear probe. */
  train?: string;
  /** C × d class-prompt embeddings, rows in the study's class order (or a classes.txt beside them). */
  promptEmbeddings?: string;
  /** Metadata column with the class (clip-retrieval). */
  labelColumn?: string;
  /** Rows analysed at most (default: what fits the memory budget). */
  maxRows?: number;
}

export interface ExternalSample {
  rows: number;
  of: number;
  seed: number;
  /** Half-width of a 95 % interval of an accuracy of the sample around the whole set's (worst case p = ½). */
  accuracy_halfwidth95: number;
  why: string;
}

export interface ExternalStudy {
  data: StudyData;
  emb: StudyEmbeddings;
  /** null: no class prompts, so no zero-shot and no loss. */
  promptsFrom: string | null;
  sample: ExternalSample | null;
  /** Lines for the plan: what was read, how the levels pair, what was sampled. */
  lines: string[];
  /** sha256 of the clean set's rows as analysed (metrics' model.image_sha256 for such runs). */
  key: string;
}

const DTYPE_NAMES: Record<string, string> = { '<f2': 'float16', '<f4': 'float32', '<f8': 'float64' };

/** Bytes a row costs through the study: the float32 row at every level and train, and ~3 working copies. */
function rowBytes(d: number, sets: number): number {
  return d * 4 * sets * 3;
}

/** Bytes in words, with one decimal: GB, MB or kB. */
const gb = (bytes: number) =>
  bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GB` : bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} kB`;

/** A seeded uniform sample of m of n row indices, ascending. */
function sampleRows(n: number, m: number, seed: number, purpose: string): Uint32Array {
  const next = rng(subSeed(seed, purpose));
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  // Partial Fisher–Yates: the first m slots are a uniform m-subset.
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(next() * (n - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, m).sort();
}

/** Divides each row by its norm (unless it is a unit vector already); counts the rows that were not unit vectors (|‖x‖ − 1| > 1e-3). */
function normalise(x: Float32Array, d: number, where: (row: number) => string): number {
  let off = 0;
  for (let r = 0; r * d < x.length; r++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[r * d + j] * x[r * d + j];
    const norm = Math.sqrt(s);
    if (!(norm > 0) || !Number.isFinite(norm))
      throw new UsageError(`${where(r)}: the embedding is ${Number.isFinite(norm) ? 'zero' : 'not finite'}; remove the row`);
    if (Math.abs(norm - 1) > 1e-3) off++;
    // A row already unit to float32 precision stays as it is: dividing would only move last bits, and the
    // embeddings clip-topo itself wrote must give the numbers of the run that wrote them.
    if (Math.abs(norm - 1) <= 1e-6) continue;
    for (let j = 0; j < d; j++) x[r * d + j] /= norm;
  }
  return off;
}

const rowName = (set: EmbeddingSet, row: number) => set.names?.[row] ?? `${shownPath(set.source)}#${row}`;

/** Rows of `other` holding the images of `rows` of `clean`: by name when both name their images, else by row. */
function pairRows(clean: EmbeddingSet, rows: Uint32Array, other: EmbeddingSet, what: string): { rows: Uint32Array; how: string } {
  const cleanNames = clean.names;
  const otherNames = other.names;
  if (cleanNames && otherNames && new Set(otherNames).size === otherNames.length) {
    const at = new Map(otherNames.map((name, i) => [name, i]));
    const out = new Uint32Array(rows.length);
    for (const [k, r] of rows.entries()) {
      const i = at.get(cleanNames[r]);
      if (i === undefined)
        throw new UsageError(
          `${shownPath(other.source)} (${what}) has no embedding of ${cleanNames[r]}, which the clean set has: the levels must hold the same images`,
        );
      out[k] = i;
    }
    return { rows: out, how: 'by image name' };
  }
  if (other.n !== clean.n)
    throw new UsageError(
      `${shownPath(other.source)} (${what}) has ${other.n} rows, the clean set ${clean.n}: without image names on both (metadata image_path/url/key) the rows pair by order and must match`,
    );
  return { rows, how: 'by row order (the sets name no images)' };
}

function sameClasses(clean: EmbeddingSet, other: EmbeddingSet, what: string): Int32Array {
  // Labels are the other set's class indices; re-index them into the clean set's class list.
  const idx = new Map(clean.classes.map((c, i) => [c, i]));
  const missing = other.classes.filter((c) => !idx.has(c));
  if (missing.length) throw new UsageError(`${shownPath(other.source)} (${what}) has classes the clean set has not: ${missing.slice(0, 5).join(', ')}`);
  return Int32Array.from(other.labels, (l) => idx.get(other.classes[l]) as number);
}

function level(sigma: number, set: EmbeddingSet, rows: Uint32Array, x: Float32Array, labels: Int32Array, classes: string[], where: string): LevelEmbeddings {
  const d = set.d;
  const items = Array.from(rows, (r, row) => ({ path: rowName(set, r), label: labels[row], sha256: '', row }));
  const sha = sha256Hex(x, labels);
  return {
    sigma,
    where,
    run: {
      manifest: {
        format: 'clip-topo/external-embeddings@1',
        key: sha,
        model: { source: set.source, layout: set.layout, image_sha256: sha },
        preprocess: null,
        noise: null,
        classes,
        count: rows.length,
        dim: d,
        files: { embeddings: set.shards.map((s) => s.file).join(', '), labels: set.labelSource },
        sha256: { embeddings: sha, labels: sha256Hex(labels) },
        conventions: 'embeddings made elsewhere, L2-normalised by clip-topo',
        items,
        skipped: [],
      },
      embeddings: x,
      labels,
      reusedBatches: 0,
    },
  };
}

/** Class-prompt embeddings from a C × d .npy: rows in the study's class order, or named by a classes.txt beside it. */
async function promptFile(file: string, classes: string[], d: number): Promise<Float32Array> {
  const a = await readNpy(file);
  if (a.shape.length !== 2 || !(a.data instanceof Float32Array || a.data instanceof Float64Array))
    throw new UsageError(`${shownPath(file)}: class-prompt embeddings must be a float C × d matrix, got shape (${a.shape.join(', ')}) ${a.dtype}`);
  const [rows, cols] = a.shape;
  if (cols !== d) throw new UsageError(`${shownPath(file)}: prompt embeddings are ${cols}-d, the image embeddings ${d}-d: they are not of one model`);
  const namesFile = join(dirname(file), 'classes.txt');
  const names = existsSync(namesFile)
    ? readFileSync(namesFile, 'utf8')
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter(Boolean)
    : null;
  if (names && names.length !== rows) throw new UsageError(`${shownPath(namesFile)} names ${names.length} classes, ${shownPath(file)} has ${rows} rows`);
  if (!names && rows !== classes.length)
    throw new UsageError(
      `${shownPath(file)} has ${rows} rows for ${classes.length} classes: give one row per class, in the order ${classes.slice(0, 3).join(', ')}…, or a classes.txt beside it`,
    );
  const out = new Float32Array(classes.length * d);
  for (const [c, name] of classes.entries()) {
    const r = names ? names.indexOf(name) : c;
    if (r < 0) throw new UsageError(`${shownPath(namesFile)} has no class "${name}", which the embeddings have`);
    for (let j = 0; j < d; j++) out[c * d + j] = Number(a.data[r * cols + j]);
  }
  normalise(out, d, (r) => `${shownPath(file)} row ${r}`);
  return out;
}

export async function externalStudy(
  o: ExternalInputs & {
    seed: number;
    card: ModelCard | null;
    templates: string[];
    threads?: number;
    signal?: AbortSignal;
    /** Memory the budget is a quarter of (default: the machine's); tests pass a small one. */
    memory?: number;
  },
): Promise<ExternalStudy> {
  const clean = await openEmbeddingSet(o.embeddings, { labelColumn: o.labelColumn });
  if (clean.n === 0) throw new UsageError(`${shownPath(o.embeddings)} holds no embeddings`);
  const noisy = [];
  for (const l of o.levels) noisy.push({ sigma: l.sigma, set: await openEmbeddingSet(l.path, { labelColumn: o.labelColumn }) });
  const train = o.train ? await openEmbeddingSet(o.train, { labelColumn: o.labelColumn }) : null;
  for (const s of [...noisy.map((l) => l.set), ...(train ? [train] : [])])
    if (s.d !== clean.d)
      throw new UsageError(`${shownPath(s.source)} holds ${s.d}-d embeddings, ${shownPath(clean.source)} ${clean.d}-d: they are not of one model`);
  const f = (k: number) => k.toLocaleString('en-US');
  const lines = [
    `plan: embeddings made elsewhere: ${f(clean.n)} × ${clean.d} (${DTYPE_NAMES[clean.dtype] ?? clean.dtype}) in ${shownPath(clean.source)} (${clean.layout}, ${clean.shards.length} shard${clean.shards.length === 1 ? '' : 's'}; ${clean.labelSource}), ${clean.classes.length} classes`,
  ];

  // Memory: every level and the train set are held as float32 rows with a few working copies.
  const sets = 1 + noisy.length + (train ? 1 : 0);
  const memory = o.memory ?? totalmem();
  const fit = Math.max(3, Math.floor(memory / 4 / rowBytes(clean.d, sets)));
  const limit = o.maxRows ?? fit;
  let rows: Uint32Array;
  let sample: ExternalSample | null = null;
  if (clean.n > limit) {
    rows = sampleRows(clean.n, limit, o.seed, 'embedding-rows');
    const m = limit;
    const hw = (1.96 * 0.5 * Math.sqrt((clean.n - m) / Math.max(1, clean.n - 1))) / Math.sqrt(m);
    const why =
      o.maxRows !== undefined
        ? `at most ${f(limit)} rows, as asked (--max-rows)`
        : `${f(clean.n)} rows × ${sets} set${sets === 1 ? '' : 's'} would take ≈ ${gb(clean.n * rowBytes(clean.d, sets))}, above a quarter of memory (${gb(memory / 4)})`;
    sample = { rows: m, of: clean.n, seed: subSeed(o.seed, 'embedding-rows'), accuracy_halfwidth95: hw, why };
    lines.push(
      `plan: ${why}: a uniform random sample of ${f(m)} of ${f(clean.n)} rows (seed ${o.seed}), the same images at every level, is analysed; every number is of that sample (an accuracy within ±${hw.toFixed(4)} of the whole set's at 95 %)`,
    );
  } else {
    rows = Uint32Array.from({ length: clean.n }, (_, i) => i);
  }

  const cleanX = await readRows(clean, rows, o.signal);
  const cleanLabels = Int32Array.from(rows, (r) => clean.labels[r]);
  const warnings: string[] = [];
  const off = normalise(cleanX, clean.d, (r) => `${shownPath(clean.source)}: ${rowName(clean, rows[r])}`);
  if (off > 0)
    warnings.push(
      `${f(off)} of ${f(rows.length)} clean embeddings were not unit vectors; clip-topo L2-normalised every row (as CLIP's cosine similarity does)`,
    );
  const test: LevelEmbeddings[] = [level(0, clean, rows, cleanX, cleanLabels, clean.classes, 'clean (embeddings)')];

  for (const { sigma, set } of noisy) {
    const what = `σ=${sigma}`;
    const labels = sameClasses(clean, set, what);
    const paired = pairRows(clean, rows, set, what);
    // The pairing is by image, so reading goes in the other set's row order and is put back in the clean order.
    const order = Array.from(paired.rows.keys()).sort((a, b) => paired.rows[a] - paired.rows[b]);
    const sorted = Uint32Array.from(order, (k) => paired.rows[k]);
    const got = await readRows(set, sorted, o.signal);
    const x = new Float32Array(rows.length * set.d);
    for (const [i, k] of order.entries()) x.set(got.subarray(i * set.d, (i + 1) * set.d), k * set.d);
    const lab = Int32Array.from(paired.rows, (r) => labels[r]);
    for (const [k, l] of lab.entries())
      if (l !== cleanLabels[k])
        throw new UsageError(
          `${shownPath(set.source)} (${what}) labels ${rowName(set, paired.rows[k])} "${clean.classes[l]}", the clean set "${clean.classes[cleanLabels[k]]}"`,
        );
    normalise(x, set.d, (r) => `${shownPath(set.source)}: ${rowName(set, paired.rows[r])}`);
    lines.push(`plan: σ = ${sigma}: ${shownPath(set.source)}, rows paired with the clean set ${paired.how}`);
    test.push(level(sigma, set, paired.rows, x, lab, clean.classes, `${what} (embeddings)`));
  }

  let trainLevel: LevelEmbeddings | null = null;
  if (train) {
    const labels = sameClasses(clean, train, 'train');
    const trows = train.n > limit ? sampleRows(train.n, limit, o.seed, 'train-embedding-rows') : Uint32Array.from({ length: train.n }, (_, i) => i);
    if (train.n > limit) lines.push(`plan: train embeddings: a uniform random sample of ${f(limit)} of ${f(train.n)} rows (seed ${o.seed})`);
    const x = await readRows(train, trows, o.signal);
    normalise(x, train.d, (r) => `${shownPath(train.source)}: ${rowName(train, trows[r])}`);
    trainLevel = level(
      0,
      train,
      trows,
      x,
      Int32Array.from(trows, (r) => labels[r]),
      clean.classes,
      'train (embeddings)',
    );
  } else {
    warnings.push('linear probe skipped: no train embeddings (give --train-embeddings <path>)');
  }

  let prompts: Float32Array | null = null;
  let promptsFrom: string | null = null;
  if (o.promptEmbeddings) {
    prompts = await promptFile(o.promptEmbeddings, clean.classes, clean.d);
    promptsFrom = `class-prompt embeddings from ${shownPath(o.promptEmbeddings)}`;
  } else if (o.card) {
    const w = await classifierWeights(o.card, clean.classes, o.templates, o.threads);
    if (w.dim !== clean.d)
      throw new UsageError(
        `analyze: the text graph of ${shownPath(o.card.dir)} gives ${w.dim}-d embeddings, the embeddings are ${clean.d}-d: they are not of one model`,
      );
    prompts = w.weights;
    promptsFrom = `the text tower of ${o.card.name} (${o.templates.length} templates)`;
  } else {
    warnings.push(
      'zero-shot accuracy and CLIP loss skipped: no class prompts (give --prompt-embeddings <C×d .npy> or the --model whose text tower belongs to these embeddings)',
    );
  }
  lines.push(
    `plan: from embeddings, no pixels: ${prompts ? 'zero-shot and CLIP loss' : 'no zero-shot, no loss'}; ${trainLevel ? 'linear probe' : 'no probe'}; t-SNE and UMAP maps; principal angles; Rips diagrams and distances between the ${test.length} given level${test.length === 1 ? '' : 's'}`,
  );

  const items: ImageItem[] = test[0].run.manifest.items.map((it) => ({ path: it.path, rel: it.path, label: it.label }));
  const counts: Record<string, number> = Object.fromEntries(clean.classes.map((c) => [c, 0]));
  for (const l of cleanLabels) counts[clean.classes[l]]++;
  const dataset: Dataset = {
    format: 'embeddings',
    root: clean.source,
    classes: clean.classes,
    items,
    split: 'all',
    counts: { all: counts },
    skipped: [],
    extra: [],
    warnings: clean.classes.filter((c) => counts[c] === 0).map((c) => `class '${c}' has no rows${sample ? ' in the sample' : ''}`),
  };
  return {
    data: { root: clean.source, synthetic: null, test: dataset, train: null, warnings: [...dataset.warnings, ...warnings] },
    emb: { test, train: trainLevel, skipped: [], dim: clean.d, prompts },
    promptsFrom,
    sample,
    lines,
    key: test[0].run.manifest.key,
  };
}
