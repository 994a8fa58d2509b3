import { InvalidArgumentError, Option, type Command } from 'commander';

import { diagramFromFile } from './diagram-input.js';
import { bottleneck, wasserstein, type DistanceResult, type MatchedPair } from '../kernels/diagram_distance.js';
import type { CliContext } from './context.js';
import { writeOutput } from './output.js';

interface DistanceFlags {
  dim?: number;
  class?: string;
  metric: 'bottleneck' | 'wasserstein';
  p: number;
  delta?: number;
  internalP: number;
  ignoreEssential?: boolean;
  matching?: boolean;
  json?: boolean;
}

function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`"${value}" is not a non-negative integer.`);
  return Number(value);
}

function order(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(Number.isFinite(n) && n >= 1)) throw new InvalidArgumentError(`"${value}" is not a finite number >= 1.`);
  return n;
}

function relError(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(Number.isFinite(n) && n >= 0)) throw new InvalidArgumentError(`"${value}" is not a number >= 0.`);
  return n;
}

function groundExponent(value: string): number {
  if (/^\+?inf(inity)?$/i.test(value.trim())) return Infinity;
  const n = Number(value);
  if (value.trim() === '' || !(n >= 1)) throw new InvalidArgumentError(`"${value}" is not a number >= 1 or inf.`);
  return n;
}

/** JSON has no Infinity: infinite values are written as null. */
const num = (x: number): number | null => (Number.isFinite(x) ? x : null);
const pairJson = (m: MatchedPair) => [m.a, m.b, num(m.cost)];

export function registerDistance(program: Command, ctx: CliContext): void {
  program
    .command('distance')
    .description('bottleneck or p-Wasserstein distance between two persistence diagrams')
    .argument('<a>', 'diagram: clip-topo diagram JSON, or a text file of "birth death" lines (inf allowed)')
    .argument('<b>', 'the other diagram, same formats')
    .option('--dim <k>', 'homology dimension to take from diagram JSON files holding several', nonNegativeInt)
    .option('--class <name>', "the class to take from per-class diagram files (analyze's diagrams/classes/*.json)")
    .addOption(new Option('--metric <name>', 'distance').choices(['bottleneck', 'wasserstein']).default('bottleneck'))
    .option('--p <p>', 'Wasserstein order (>= 1)', order, 1)
    .option('--delta <d>', 'relative error; 0 = exact (default: 0 for bottleneck, 0.01 for Wasserstein)', relError)
    .option('--internal-p <q>', 'Wasserstein ground metric L_q (q >= 1 or inf)', groundExponent, Infinity)
    .option('--ignore-essential', 'drop essential (infinite) points instead of matching them among themselves')
    .option('--matching', 'also print the optimal matching')
    .option('--json', 'print a JSON object instead of the number alone')
    .action(async (aPath: string, bPath: string, flags: DistanceFlags) => {
      // Both files are read at once, but a failure names the first file in argument order:
      // with Promise.all whichever read failed first won, so the message changed from run to run.
      const read = await Promise.allSettled([diagramFromFile(aPath, flags.dim, flags.class), diagramFromFile(bPath, flags.dim, flags.class)]);
      for (const r of read) if (r.status === 'rejected') throw r.reason;
      const [a, b] = read.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof diagramFromFile>>>).value);
      const bar = ctx.progress('distance');
      const common = {
        matching: flags.matching === true,
        ignoreEssential: flags.ignoreEssential === true,
        signal: ctx.signal,
        onProgress: bar.onProgress,
      };
      const isW = flags.metric === 'wasserstein';
      const delta = flags.delta ?? (isW ? 0.01 : 0);
      const r: DistanceResult = await (isW
        ? wasserstein(a.pairs, b.pairs, { ...common, p: flags.p, delta, internalP: flags.internalP })
        : bottleneck(a.pairs, b.pairs, { ...common, delta })
      ).finally(() => bar.done());
      if (flags.json) {
        const doc: Record<string, unknown> = {
          metric: flags.metric,
          p: isW ? flags.p : null,
          internal_p: isW ? num(flags.internalP) : null,
          delta,
          distance: num(r.distance),
          ignored_essential: r.ignoredEssential,
        };
        if (r.attaining) doc.attaining = pairJson(r.attaining);
        if (r.matching) doc.matching = r.matching.map(pairJson);
        await writeOutput(undefined, JSON.stringify(doc) + '\n');
        return;
      }
      const fmt = (x: number) => (Number.isFinite(x) ? String(x) : 'inf');
      const lines = [fmt(r.distance)];
      for (const m of r.matching ?? []) lines.push(`${m.a ?? 'diag'} ${m.b ?? 'diag'} ${fmt(m.cost)}`);
      await writeOutput(undefined, lines.join('\n') + '\n');
    });
}
