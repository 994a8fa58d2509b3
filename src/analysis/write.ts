/**
 * The data half of analyze's output folder: embeddings/*.npy (+ labels, class prompts, the Rips sample),
 * diagrams/*.json, maps/*.csv, then metrics.json, report.html and tables/*.csv through the report layer.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { EmbeddedDataset } from '../clip/pipeline.js';
import { encodeNpy } from '../io/npy.js';
import { writeReport } from '../report/write.js';
import { writeAtomic } from '../store/embeddings.js';
import { levelTag, type LevelEmbeddings } from './embeddings.js';
import type { ReportInput } from './types.js';

export interface OutputData {
  test: LevelEmbeddings[];
  train: LevelEmbeddings | null;
  classes: string[];
  prompts: Float32Array;
  dim: number;
  split: string;
  sampleIndices: Uint32Array;
  globalThresholds: number[];
  /** [class][level][dim] → pairs. */
  perClass: [number, number][][][][];
  t0: number;
}

const jsonPairs = (pairs: [number, number][]) => pairs.map(([b, d]) => [b, Number.isFinite(d) ? d : null]);

function diagramDoc(pairs: [number, number][][], extra: Record<string, unknown>): string {
  return (
    JSON.stringify({
      format: 'clip-topo/diagrams@1',
      metric: 'euclidean',
      coeff: 2,
      conventions: 'Vietoris–Rips; filtration value of an edge = its length (Ripser); zero-persistence pairs omitted; death null = essential',
      ...extra,
      diagrams: pairs.map((p, dim) => ({ dim, pairs: jsonPairs(p) })),
    }) + '\n'
  );
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function npy(path: string, run: EmbeddedDataset): Promise<void> {
  await writeAtomic(`${path}.npy`, encodeNpy(run.embeddings, [run.labels.length, run.manifest.dim]));
  await writeAtomic(`${path}_labels.npy`, encodeNpy(run.labels, [run.labels.length]));
}

export async function writeOutputs(out: string, report: ReportInput, d: OutputData): Promise<string[]> {
  const files: string[] = [];
  const m = report.metrics;
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
  await writeAtomic(join(out, 'embeddings/class_prompts.npy'), encodeNpy(d.prompts, [d.classes.length, d.dim]));
  await writeAtomic(join(out, 'embeddings/rips_sample_indices.npy'), encodeNpy(d.sampleIndices, [d.sampleIndices.length]));
  await writeAtomic(join(out, 'embeddings/classes.txt'), d.classes.join('\n') + '\n');
  files.push('embeddings/class_prompts.npy', 'embeddings/rips_sample_indices.npy', 'embeddings/classes.txt');

  for (const [k, g] of m.diagrams.global.entries()) {
    const t = d.globalThresholds[k];
    await writeAtomic(
      join(out, g.file),
      diagramDoc(report.diagrams[k].pairs, {
        sigma: g.sigma,
        n: g.points,
        maxdim: m.diagrams.maxdim,
        threshold: Number.isFinite(t) ? t : null,
        sample: { rows: 'embeddings/rips_sample_indices.npy', hausdorff_radius: g.sample_radius },
      }),
    );
    files.push(g.file);
  }
  for (const [k, l] of d.test.entries()) {
    const doc = {
      format: 'clip-topo/class-diagrams@1',
      sigma: l.sigma,
      maxdim: m.diagrams.maxdim,
      metric: 'euclidean',
      conventions: 'one Vietoris–Rips diagram set per class (all its embeddings at this level); death null = essential',
      classes: d.classes.map((name, c) => ({ class: name, diagrams: d.perClass[c][k].map((p, dim) => ({ dim, pairs: jsonPairs(p) })) })),
    };
    const rel = `diagrams/classes/${levelTag(l.sigma)}.json`;
    await writeAtomic(join(out, rel), JSON.stringify(doc) + '\n');
    files.push(rel);
  }
  for (const f of report.maps) {
    const rows = ['x,y,class,label'];
    for (let i = 0; i < f.labels.length; i++) rows.push(`${f.xy[2 * i]},${f.xy[2 * i + 1]},${csvCell(d.classes[f.labels[i]])},${f.labels[i]}`);
    await writeAtomic(join(out, f.info.file), rows.join('\n') + '\n');
    files.push(f.info.file);
  }
  m.timings.write = Math.round(performance.now() - d.t0 - Object.values(m.timings).reduce((a, b) => a + b, 0) * 1000) / 1000;
  m.timings.total = Math.round(performance.now() - d.t0) / 1000;
  files.push(...(await writeReport(out, report)).files);
  return files;
}
