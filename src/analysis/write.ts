/**
 * The data half of analyze's output folder: embeddings/*.npy (+ labels, class prompts, the Rips sample),
 * diagrams/*.json and maps/*.csv, each file atomically. metrics.json, report.html and the tables are the
 * report layer's, written after these by analyze.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { jsonPairs } from '../diagram.js';
import { removeFile, sweepTemps, writeAtomic } from '../io/atomic.js';
import { csvField } from '../io/csv.js';
import { CLASS_DIAGRAMS_FORMAT, diagramsDocument } from '../io/diagram_file.js';
import { encodeNpy } from '../io/npy.js';
import { relativePath, type StudyDiagrams } from './diagrams.js';
import { type LevelEmbeddings, type LevelRun, levelTag } from './embeddings.js';
import type { AnalysisMetrics, MapFigure } from './types.js';

export interface OutputData {
  test: LevelEmbeddings[];
  train: LevelEmbeddings | null;
  classes: string[];
  /** null: the run had no class prompts (nothing to write). */
  prompts: Float32Array | null;
  dim: number;
  split: string;
  /** Dataset root: files.csv gives paths relative to it. */
  root: string;
  diagrams: StudyDiagrams;
  maps: MapFigure[];
}

async function npy(path: string, run: LevelRun): Promise<void> {
  await writeAtomic(`${path}.npy`, encodeNpy(run.embeddings, [run.labels.length, run.manifest.dim]));
  await writeAtomic(`${path}_labels.npy`, encodeNpy(run.labels, [run.labels.length]));
}

/** The folders of an output folder that runs write into (temporaries of dead runs are swept there). */
export const OUTPUT_DIRS = ['.', 'embeddings', 'diagrams', 'diagrams/classes', 'maps', 'tables', 'figures'];

const SPLIT = '(train|val|test|trainval|all)';
const LEVEL = '(clean|sigma[0-9.e+-]+)';
/**
 * Files runs write whose names depend on their settings (the levels, whether a probe or a map ran): a run
 * of other settings would leave them beside its own. Only these names, so a user's own files stay.
 */
const OWN_FILES = new RegExp(
  [
    `embeddings/${SPLIT}_${LEVEL}(_labels)?\\.npy`,
    'embeddings/(class_prompts|rips_sample_indices)\\.npy',
    'embeddings/classes\\.txt',
    `diagrams/${SPLIT}_${LEVEL}\\.json`,
    `diagrams/classes/${LEVEL}\\.json`,
    'maps/(tsne|umap)_(all|sample|joint)\\.csv',
    'figures/(accuracy-vs-sigma|loss-vs-sigma|angles-heatmap|confusion-[a-z0-9._-]+|map-(tsne|umap)-(all|sample|joint)|diagram-(normalized-)?\\d+|distance-[a-z0-9-]+|topology-accuracy-h\\d+)\\.(svg|png)',
  ]
    .map((p) => `^${p}$`)
    .join('|'),
);

/**
 * Before a run writes `out` (the caller holds the folder's lock and has retracted report.html): removes
 * what runs that died left half-written, and every file an earlier run wrote under a settings-dependent
 * name, so the finished folder holds one run's files only.
 */
export async function sweepOutput(out: string): Promise<void> {
  for (const d of OUTPUT_DIRS) {
    await sweepTemps(join(out, d));
    const names = await readdir(join(out, d)).catch(() => [] as string[]);
    for (const n of names) if (OWN_FILES.test(d === '.' ? n : `${d}/${n}`)) await removeFile(join(out, d, n));
  }
}

/** Writes the data files; returns their paths relative to `out`, in the order written. */
export async function writeData(out: string, m: Pick<AnalysisMetrics, 'diagrams'>, d: OutputData): Promise<string[]> {
  const files: string[] = [];
  for (const sub of ['embeddings', 'diagrams/classes', 'maps']) await mkdir(join(out, sub), { recursive: true });
  for (const l of d.test) {
    const base = `embeddings/${d.split}_${levelTag(l.sigma)}`;
    await npy(join(out, base), l.run);
    files.push(`${base}.npy`, `${base}_labels.npy`);
  }
  if (d.train) {
    await npy(join(out, 'embeddings/train_clean'), d.train.run);
    files.push('embeddings/train_clean.npy', 'embeddings/train_clean_labels.npy');
  }
  const sample = d.diagrams.indices;
  if (d.prompts) {
    await writeAtomic(join(out, 'embeddings/class_prompts.npy'), encodeNpy(d.prompts, [d.classes.length, d.dim]));
    files.push('embeddings/class_prompts.npy');
  }
  await writeAtomic(join(out, 'embeddings/rips_sample_indices.npy'), encodeNpy(sample, [sample.length]));
  await writeAtomic(join(out, 'embeddings/classes.txt'), d.classes.join('\n') + '\n');
  files.push('embeddings/rips_sample_indices.npy', 'embeddings/classes.txt');

  for (const [k, g] of m.diagrams.global.entries()) {
    const level = d.diagrams.global[k];
    const doc = diagramsDocument(
      { metric: m.diagrams.metric, threshold: level.threshold, maxdim: m.diagrams.maxdim, coeff: 2, n: g.points },
      level.pairs.map((pairs, dim) => ({ dim, pairs })),
      { sigma: g.sigma, sample: { rows: 'embeddings/rips_sample_indices.npy', hausdorff_radius: g.sample_radius } },
    );
    await writeAtomic(join(out, g.file), JSON.stringify(doc) + '\n');
    files.push(g.file);
  }
  for (const [k, l] of d.test.entries()) {
    const doc = {
      format: CLASS_DIAGRAMS_FORMAT,
      sigma: l.sigma,
      maxdim: m.diagrams.maxdim,
      metric: m.diagrams.metric,
      conventions: 'one Vietoris–Rips diagram set per class (all its embeddings at this level); death null = essential',
      classes: d.classes.map((name, c) => ({ class: name, diagrams: d.diagrams.perClass[c][k].map((p, dim) => ({ dim, pairs: jsonPairs(p) })) })),
    };
    const rel = `diagrams/classes/${levelTag(l.sigma)}.json`;
    await writeAtomic(join(out, rel), JSON.stringify(doc) + '\n');
    files.push(rel);
  }
  for (const f of d.maps) {
    // The joint map's points are rows at a level: its CSV says which (σ).
    const levels = 'levels' in f ? (f.levels as Uint8Array) : null;
    const rows = [levels ? 'x,y,class,label,row,sigma' : 'x,y,class,label,row'];
    for (let i = 0; i < f.labels.length; i++)
      rows.push(
        `${f.xy[2 * i]},${f.xy[2 * i + 1]},${csvField(d.classes[f.labels[i]])},${f.labels[i]},${f.rows[i]}${levels ? `,${d.test[levels[i]].sigma}` : ''}`,
      );
    await writeAtomic(join(out, f.info.file), rows.join('\n') + '\n');
    files.push(f.info.file);
  }
  await writeAtomic(join(out, 'files.csv'), filesCsv(d));
  files.push('files.csv');
  return files;
}

/** Row → image of every embeddings file: the join key of the .npy rows, the map CSVs and the cycles. */
export function filesCsv(d: Pick<OutputData, 'test' | 'train' | 'classes' | 'split' | 'root'>): string {
  const lines = ['split,row,path,class,label,sha256'];
  const add = (split: string, l: LevelEmbeddings) => {
    for (const it of l.run.manifest.items)
      lines.push([split, it.row, csvField(relativePath(d.root, it.path)), csvField(d.classes[it.label] ?? ''), it.label, it.sha256].join(','));
  };
  add(d.split, d.test[0]);
  if (d.train) add('train', d.train);
  return lines.join('\n') + '\n';
}
