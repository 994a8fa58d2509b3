import type { Command } from 'commander';

import { UsageError } from '../errors.js';
import type { DiagramFile } from '../io/diagram_file.js';
import { diagramFromFile, diagramsFromFile } from './diagram-input.js';
import { summarize, summaryToJson, type DiagramSummary } from '../kernels/summaries.js';
import type { CliContext } from './context.js';
import { boundedInt, finiteNumber, positiveInt } from './options.js';
import { writeOutput } from './output.js';

interface SummarizeFlags {
  dim?: number;
  class?: string;
  grid: number;
  levels: number;
  cut?: number;
  p: number;
  pixels: number;
  json?: boolean;
  out?: string;
}

/** The summaries kernel's limits (crates/core/src/summaries): past them it refuses rather than allocate. */
const MAX_GRID = 1_000_000;
const MAX_LEVELS = 10_000;
const MAX_PIXELS = 4096;
const MAX_CURVE_VALUES = 50_000_000;

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
    .option('--class <name>', "the class to take from per-class diagram files (analyze's diagrams/classes/*.json)")
    // The kernel's own limits, checked here so that a huge value is a usage error naming its flag.
    .option('--grid <n>', 'number of curve samples from the smallest birth to the largest death', boundedInt(MAX_GRID, 'grid values'), 100)
    .option('--levels <k>', 'landscape levels', boundedInt(MAX_LEVELS, 'levels'), 3)
    .option('--pixels <n>', 'persistence image resolution (about n × n)', boundedInt(MAX_PIXELS, 'pixels a side'), 20)
    .option('--cut <value>', 'cut essential bars at this value instead of leaving them out', finiteNumber)
    .option('--p <power>', 'power of the total persistence Σ lifetime^p', finiteNumber, 1)
    .option('--json', 'print JSON with the curves and images')
    .option('--out <file>', 'write the output there instead of stdout')
    .action(async (path: string, flags: SummarizeFlags) => {
      if (flags.levels * flags.grid > MAX_CURVE_VALUES)
        throw new UsageError(`--levels ${flags.levels} × --grid ${flags.grid} is more than ${MAX_CURVE_VALUES} landscape values; lower one of them`);
      const chosen = flags.dim === undefined ? await diagramsFromFile(path, flags.class) : [await diagramFromFile(path, flags.dim, flags.class)];
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
        ? JSON.stringify({
            format: 'clip-topo/summaries@1',
            source: path,
            ...(flags.class === undefined ? {} : { class: flags.class }),
            summaries: summaries.map((s) => summaryToJson(s)),
          }) + '\n'
        : table(summaries);
      await writeOutput(flags.out, text);
    });
}
