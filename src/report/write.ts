/** Writes the report folder: report.html, metrics.json, tables/*.csv and figures/*.{svg,png}, each file atomically. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { AnalysisMetrics, ReportInput } from '../analysis/types.js';
import { mapLimit } from '../concurrency.js';
import { InputError } from '../errors.js';
import { removeFile, writeAtomic } from '../io/atomic.js';
import { reportTables } from './csv.js';
import { figureFileName, figurePng, standaloneSvg } from './figure-files.js';
import { allFigures } from './figures.js';
import { renderReport } from './html.js';

/**
 * JSON.stringify turns NaN and ±Infinity into null without a word, which would silently change a
 * number's meaning in metrics.json; refuse instead, naming the field.
 */
export function assertJsonSafe(value: unknown, path = 'metrics'): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new InputError(
        `${path} is ${value}: metrics.json cannot hold NaN or Infinity (essential deaths are null, undefined correlations are null)`,
        'ERR_REPORT',
      );
  } else if (ArrayBuffer.isView(value)) {
    throw new InputError(`${path} is a typed array: metrics.json holds plain arrays only`, 'ERR_REPORT');
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => assertJsonSafe(v, `${path}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) assertJsonSafe(v, `${path}.${k}`);
  }
}

export function metricsJson(metrics: AnalysisMetrics): string {
  assertJsonSafe(metrics);
  return JSON.stringify(metrics, null, 2) + '\n';
}

export interface WrittenReport {
  /** Paths relative to the output folder, in the order written. */
  files: string[];
}

/**
 * Removes the page and the metrics of the run an output folder holds, before a new run writes anything
 * there: report.html first (its presence is what says "complete"), then metrics.json.
 */
export async function retractReport(outDir: string): Promise<void> {
  for (const f of ['report.html', 'metrics.json']) await removeFile(join(outDir, f));
}

export async function writeReport(outDir: string, input: ReportInput): Promise<WrittenReport> {
  // Render everything before touching the disk, so a bad input leaves no half-written folder.
  const json = metricsJson(input.metrics);
  const html = renderReport(input);
  const tables = reportTables(input);
  const figures = allFigures(input).map((f) => ({ name: figureFileName(f.id), svg: standaloneSvg(f) }));
  // Rendered on sharp's threads, a few at a time; written one after another (in order: the fault suite counts writes).
  const pngs = await mapLimit(figures, 4, (f) => figurePng(f.svg));
  await mkdir(join(outDir, 'tables'), { recursive: true });
  await mkdir(join(outDir, 'figures'), { recursive: true });
  const files: string[] = [];
  for (const t of tables) {
    await writeAtomic(join(outDir, 'tables', t.name), t.text);
    files.push(`tables/${t.name}`);
  }
  for (const [k, f] of figures.entries()) {
    await writeAtomic(join(outDir, 'figures', `${f.name}.svg`), f.svg);
    await writeAtomic(join(outDir, 'figures', `${f.name}.png`), pngs[k]);
    files.push(`figures/${f.name}.svg`, `figures/${f.name}.png`);
  }
  await writeAtomic(join(outDir, 'metrics.json'), json);
  files.push('metrics.json');
  // The page last: its presence means the folder is complete.
  await writeAtomic(join(outDir, 'report.html'), html);
  files.push('report.html');
  return { files };
}
