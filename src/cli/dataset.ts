import { InvalidArgumentError, Option, type Command } from 'commander';

import { loadDataset } from '../data/detect.js';
import { SPLITS, type Dataset, type Split } from '../data/types.js';
import { shownPath } from '../io/rawpath.js';
import type { CliContext } from './context.js';
import { positiveInt } from './options.js';
import { writeOutput } from './output.js';

interface DatasetFlags {
  split: Split;
  partition: number;
  format?: 'dtd' | 'folder' | 'embeddings';
  source: 'auto' | 'labels' | 'imdb';
  check?: 'exists' | 'header' | 'decode';
  labels?: string;
  json?: boolean;
  out?: string;
}

function partition(value: string): number {
  const n = positiveInt(value);
  if (n > 10) throw new InvalidArgumentError(`"${value}" is not a DTD partition (1–10).`);
  return n;
}

/** The JSON the issue specifies, plus the extras a reader may want. */
export function datasetToJson(ds: Dataset): Record<string, unknown> {
  return {
    format: ds.format,
    root: ds.root,
    split: ds.split,
    partition: ds.partition ?? null,
    classes: ds.classes,
    counts: ds.counts,
    images: ds.format === 'embeddings' ? ds.embeddings!.n : ds.items.length,
    skipped: ds.skipped.map((s) => ({ path: shownPath(s.path), reason: s.reason })),
    extra: ds.extra,
    warnings: ds.warnings,
  };
}

export function datasetToText(ds: Dataset): string {
  const out: string[] = [];
  const n = ds.format === 'embeddings' ? ds.embeddings!.n : ds.items.length;
  out.push(`format: ${ds.format}`, `root: ${ds.root}`);
  if (ds.format === 'embeddings') out.push(`embeddings: ${ds.embeddings!.n} × ${ds.embeddings!.d}`);
  else out.push(`selected: split ${ds.split}${ds.partition ? `, partition ${ds.partition}` : ''}: ${n} images`);
  out.push(`classes: ${ds.classes.length}`);
  const splits = SPLITS.filter((s) => ds.counts[s]);
  // Classes of other splits (split folders may differ) get rows too, so every column adds up to its total.
  const rows = [...ds.classes, ...[...new Set(splits.flatMap((s) => Object.keys(ds.counts[s]!)))].filter((c) => !ds.classes.includes(c))];
  const w = Math.max(5, ...rows.map((c) => c.length));
  const col = (s: string) => s.padStart(Math.max(5, s.length) + 1);
  out.push(`${'class'.padEnd(w)}${splits.map(col).join('')}`);
  for (const c of rows) out.push(`${c.padEnd(w)}${splits.map((s) => col(String(ds.counts[s]![c] ?? 0)).padStart(Math.max(5, s.length) + 1)).join('')}`);
  out.push(
    `${'total'.padEnd(w)}${splits.map((s) => col(String(Object.values(ds.counts[s]!).reduce((a, b) => a + b, 0))).padStart(Math.max(5, s.length) + 1)).join('')}`,
  );
  out.push(`skipped: ${ds.skipped.length}`);
  for (const s of ds.skipped) out.push(`  ${shownPath(s.path)}: ${s.reason}`);
  if (ds.extra.length) {
    out.push(`extra files (on disk, in no split): ${ds.extra.length}`);
    for (const e of ds.extra) out.push(`  ${shownPath(e)}`);
  }
  for (const wmsg of ds.warnings) out.push(`warning: ${wmsg}`);
  return out.join('\n') + '\n';
}

export function registerDataset(program: Command, _ctx: CliContext): void {
  program
    .command('dataset')
    .description('recognise a dataset (DTD, image folder, or embeddings) and list its classes, counts and skipped files')
    .argument('<dir>', 'DTD folder, image folder (root/<class>/<images>), or .npy embeddings (file or folder)')
    .addOption(new Option('--split <split>', 'which split to select').choices([...SPLITS]).default('test'))
    .option('--partition <k>', 'DTD partition 1–10', partition, 1)
    .addOption(new Option('--format <format>', 'name the format instead of recognising it').choices(['dtd', 'folder', 'embeddings']))
    .addOption(new Option('--source <source>', 'DTD split membership from label files or imdb.mat').choices(['auto', 'labels', 'imdb']).default('auto'))
    .addOption(
      new Option('--check <how>', 'how closely to check each image (default: decode for folders, exists for DTD)').choices(['exists', 'header', 'decode']),
    )
    .option('--labels <file>', 'embeddings: labels file (.npy, .csv or text)')
    .option('--json', 'print JSON')
    .option('--out <file>', 'write the output here instead of stdout')
    .action(async (dir: string, flags: DatasetFlags) => {
      const ds = await loadDataset(dir, {
        format: flags.format,
        split: flags.split,
        partition: flags.partition,
        source: flags.source,
        check: flags.check,
        labels: flags.labels,
      });
      await writeOutput(flags.out, flags.json ? JSON.stringify(datasetToJson(ds), null, 2) + '\n' : datasetToText(ds));
    });
}
