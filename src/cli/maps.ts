import { basename } from 'node:path';

import type { Command } from 'commander';

import { InputError, UsageError } from '../errors.js';
import { encodeNpy, readMatrix } from '../io/npy.js';
import { tsne, umap, type MapResult } from '../kernels/maps.js';
import type { CliContext } from './context.js';
import { boundedInt, finiteNumber, positiveInt, threadCount } from './options.js';
import { writeOutput } from './output.js';

interface CommonFlags {
  seed: number;
  threads?: number;
  out?: string;
  trustworthiness?: boolean;
}

function nonNegativeInt(value: string): number {
  return value.trim() === '0' ? 0 : positiveInt(value);
}

/** Writes the map as float32 n×2 .npy (stdout only when it is not a terminal) and one summary line. */
async function finish(cmd: string, input: string, n: number, d: number, seconds: number, r: MapResult, detail: string, out?: string): Promise<void> {
  for (const w of r.warnings) process.stderr.write(`clip-topo ${cmd}: warning: ${w}\n`);
  await writeOutput(out, encodeNpy(r.embedding, [n, 2]));
  const tw = r.trustworthiness === null ? '' : `, trustworthiness(10) ${r.trustworthiness.toFixed(4)}`;
  process.stderr.write(`clip-topo ${cmd}: ${basename(input)} ${n}×${d} → ${n}×2 in ${seconds.toFixed(2)} s, ${detail}${tw}\n`);
}

/** Where a map goes, checked before any work: finding out after minutes of computing would throw the map away. */
function preflight(cmd: string, out?: string): void {
  // A binary .npy is not for a terminal.
  if (out === undefined && process.stdout.isTTY) throw new UsageError(`${cmd}: give --out <map.npy> (or redirect stdout to a file)`);
}

/** More iterations or epochs than this is a typo (defaults are 1000 and 500), which would run for hours. */
const MAX_STEPS = 100_000;

function withFile<T>(input: string, p: Promise<T>): Promise<T> {
  // The core names the matrix, not the file it came from.
  return p.catch((err: unknown) => {
    throw err instanceof InputError ? new InputError(`${input}: ${err.message}`, err.code) : err;
  });
}

export function registerMaps(program: Command, ctx: CliContext): void {
  program
    .command('tsne')
    .description('t-SNE map of embeddings (openTSNE defaults; FFT-accelerated above 500 points)')
    .argument('<embeddings.npy>', 'n×d float32/float64 embeddings, one per row')
    .option('--perplexity <p>', 'perplexity (lowered with a warning for small n)', finiteNumber, 30)
    .option('--iterations <n>', 'total iterations, 250 of early exaggeration included', boundedInt(MAX_STEPS, 'iterations'), 1000)
    .option('--seed <n>', 'seed of the random steps', nonNegativeInt, 0)
    .option('--threads <n>', 'worker threads (default: all cores)', threadCount)
    .option('--trustworthiness', 'also compute trustworthiness (k = 10) of the map')
    .option('--out <file>', 'write the n×2 float32 .npy here (default: stdout if not a terminal)')
    .action(async (input: string, flags: CommonFlags & { perplexity: number; iterations: number }) => {
      if (!(flags.perplexity > 0)) throw new UsageError(`--perplexity ${flags.perplexity} must be positive`);
      preflight('tsne', flags.out);
      const x = await readMatrix(input);
      const bar = ctx.progress('tsne');
      const t0 = performance.now();
      const r = await withFile(
        input,
        tsne(x.data, {
          n: x.rows,
          d: x.cols,
          perplexity: flags.perplexity,
          iterations: flags.iterations,
          seed: flags.seed,
          threads: flags.threads,
          trustworthiness: flags.trustworthiness === true,
          signal: ctx.signal,
          onProgress: bar.onProgress,
        }),
      ).finally(() => bar.done());
      const seconds = (performance.now() - t0) / 1000;
      await finish('tsne', input, x.rows, x.cols, seconds, r, `KL ${r.kl.toFixed(4)} (perplexity ${+r.perplexity.toFixed(3)})`, flags.out);
    });

  program
    .command('umap')
    .description("UMAP map of embeddings (umap-learn's defaults, deterministic parallel SGD)")
    .argument('<embeddings.npy>', 'n×d float32/float64 embeddings, one per row')
    .option('--neighbors <k>', 'neighbourhood size, the point itself included', positiveInt, 15)
    .option('--min-dist <x>', 'minimum distance between points in the map', finiteNumber, 0.1)
    .option('--epochs <n>', 'SGD epochs (default 500 for n < 10,000, else 200)', boundedInt(MAX_STEPS, 'epochs'))
    .option('--seed <n>', 'seed of the random steps', nonNegativeInt, 0)
    .option('--threads <n>', 'worker threads (default: all cores)', threadCount)
    .option('--no-trustworthiness', 'skip the trustworthiness (k = 10) of the map')
    .option('--out <file>', 'write the n×2 float32 .npy here (default: stdout if not a terminal)')
    .action(async (input: string, flags: CommonFlags & { neighbors: number; minDist: number; epochs?: number }) => {
      if (flags.neighbors < 2) throw new UsageError(`--neighbors ${flags.neighbors} must be at least 2`);
      if (!(flags.minDist >= 0)) throw new UsageError(`--min-dist ${flags.minDist} must be non-negative`);
      preflight('umap', flags.out);
      const x = await readMatrix(input);
      const bar = ctx.progress('umap');
      const t0 = performance.now();
      const r = await withFile(
        input,
        umap(x.data, {
          n: x.rows,
          d: x.cols,
          nNeighbors: flags.neighbors,
          minDist: flags.minDist,
          epochs: flags.epochs,
          seed: flags.seed,
          threads: flags.threads,
          trustworthiness: flags.trustworthiness !== false,
          signal: ctx.signal,
          onProgress: bar.onProgress,
        }),
      ).finally(() => bar.done());
      const seconds = (performance.now() - t0) / 1000;
      await finish('umap', input, x.rows, x.cols, seconds, r, `init ${r.init}`, flags.out);
    });
}
