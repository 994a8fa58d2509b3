import type { Command } from 'commander';

import { UsageError } from '../errors.js';
import { type DiagramFile, readDiagramFile, readDiagramFiles } from '../io/diagram_file.js';
import { summarize, summaryToJson, type DiagramSummary } from '../kernels/summaries.js';
import type { CliContext } from './context.js';
import { finiteNumber, positiveInt } from './options.js';
import { writeOutput } from './output.js';

interface SummarizeFlags {
  dim?: number;
  grid: number;
  levels: number;
  cut?: number;
  p: number;
  pixels: number;
  json?: boolean;
  out?: string;
}

function nonNegativeInt(value: string): number {
  return positiveInt(String(Number(value) + 1)) - 1;
}

function table(summaries: DiagramSummary[]): string {
  const rows: [string, (s: DiagramSummary) => number | string][] = [
    ['bars', (s) => s.statistics.count],
    ['essential bars', (s) => s.statistics.essential],
    ['mean lifetime', (s) => s.statistics.meanLifetime],
    ['median lifetime', (s) => s.statistics.medianLifetime],
    ['max lifetime', (s) => s.statistics.maxLifetime],
    ['total persistence', (s) => s.statistics.totalPersistence],
    ['mean birth', (s) => s.statistics.meanBirth],
    ['mean death', (s) => s.statistics.meanDeath],
    ['entropy (bits)', (s) => s.statistics.entropy],
    ['max Betti', (s) => Math.max(0, ...s.betti)],
  ];
  const fmt = (v: number | string) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(6)) : v);
  const header = ['', ...summaries.map((s) => `H${s.dim}`)];
  const body = rows.map(([name, f]) => [name, ...summaries.map((s) => fmt(f(s)))]);
  const widths = header.map((_, c) => Math.max(...[header, ...body].map((r) => r[c].length)));
  return [header, ...body].map((r) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]) : v.padStart(widths[c]))).join('  ')).join('\n') + '\n';
}

/**
 * A cut at or below an essential bar's birth would give that bar no length (or a negative one): the
 * summaries then silently left it out, the opposite of what --cut asks for. Refuse it, naming the birth.
 */
function checkCut(cut: number, diagrams: DiagramFile[]): void {
  for (const d of diagrams) {
    let late = 0;
    let latest = -Infinity;
    for (let i = 0; i < d.pairs.length; i += 2) {
      if (d.pairs[i + 1] !== Infinity || d.pairs[i] < cut) continue;
      late++;
      latest = Math.max(latest, d.pairs[i]);
    }
    if (late > 0)
      throw new UsageError(
        `--cut ${cut} is not above the birth of ${late} essential bar(s)${d.dim === null ? '' : ` of H${d.dim}`} (latest birth ${latest}); choose a cut above ${latest}, or leave --cut out to leave essential bars out`,
      );
  }
}

export function registerSummarize(program: Command, ctx: CliContext): void {
  program
    .command('summarize')
    .description('statistics, entropy, Betti curves, landscapes and persistence images of persistence diagrams')
    .argument('<diagrams>', 'clip-topo diagram JSON, or a two-column "birth death" text file')
    .option('--dim <k>', 'only this homology dimension (default: every one in the file)', nonNegativeInt)
    .option('--grid <n>', 'number of curve samples from the smallest birth to the largest death', positiveInt, 100)
    .option('--levels <k>', 'landscape levels', positiveInt, 3)
    .option('--pixels <n>', 'persistence image resolution (about n × n)', positiveInt, 20)
    .option('--cut <value>', 'cut essential bars at this value instead of leaving them out', finiteNumber)
    .option('--p <power>', 'power of the total persistence Σ lifetime^p', finiteNumber, 1)
    .option('--json', 'print JSON with the curves and images')
    .option('--out <file>', 'write the output there instead of stdout')
    .action(async (path: string, flags: SummarizeFlags) => {
      const chosen = flags.dim === undefined ? await readDiagramFiles(path) : [await readDiagramFile(path, flags.dim)];
      if (flags.cut !== undefined) checkCut(flags.cut, chosen);
      const summaries: DiagramSummary[] = [];
      for (const d of chosen) {
        summaries.push(
          await summarize(d, {
            cut: flags.cut,
            p: flags.p,
            gridSize: flags.grid,
            levels: flags.levels,
            imagePixels: flags.pixels,
            signal: ctx.signal,
          }),
        );
      }
      const text = flags.json
        ? JSON.stringify({ format: 'clip-topo/summaries@1', source: path, summaries: summaries.map((s) => summaryToJson(s)) }) + '\n'
        : table(summaries);
      await writeOutput(flags.out, text);
    });
}
