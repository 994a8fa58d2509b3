import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';

import { ClipTopoError, InputError, UsageError } from '../errors.js';
import { readDistanceCsv, readPointCloudCsv } from '../io/pointcloud.js';
import { readMatrix } from '../io/npy.js';
import { sampleGuarantee } from '../diagram.js';
import { diagramsToJson, diagramsToRipserText } from '../io/diagram_file.js';
import { rips, ripsFromDistances, ripsMemoryEstimate, type Diagrams, type RipsMetric } from '../kernels/rips.js';
import type { CliContext } from './context.js';
import { finiteNumber, positiveInt, threadCount } from './options.js';
import { writeOutput } from './output.js';

interface RipsFlags {
  maxdim: number;
  threshold?: number;
  metric: RipsMetric;
  coeff: number;
  threads?: number;
  sample?: number;
  approx?: number;
  distanceMatrix?: boolean;
  maxMemory?: number;
  budget?: number;
  out?: string;
  format: 'json' | 'ripser';
}

function maxdim(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 3) throw new InvalidArgumentError(`"${value}" is not an integer in 0–3.`);
  return n;
}

function prime(value: string): number {
  const p = Number(value);
  let ok = /^\d+$/.test(value.trim()) && p >= 2 && p < 65536;
  for (let q = 2; ok && q * q <= p; q++) if (p % q === 0) ok = false;
  if (!ok) throw new InvalidArgumentError(`"${value}" is not a prime below 65536 (coefficients are Z/p).`);
  return p;
}

function nonNegative(value: string): number {
  const n = finiteNumber(value);
  if (n < 0) throw new InvalidArgumentError(`"${value}" is negative.`);
  return n;
}

function positive(value: string): number {
  const n = finiteNumber(value);
  if (!(n > 0)) throw new InvalidArgumentError(`"${value}" is not a positive number.`);
  return n;
}

/** Bytes from "512M", "8G", "2GB" or a plain number of bytes. */
function bytes(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`"${value}" is not a size such as 512M or 8G.`);
  const mult: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };
  return Math.floor(Number(m[1]) * mult[m[2].toLowerCase()]);
}

const mb = (b: number) => (b / 2 ** 20).toFixed(b < 2 ** 24 ? 1 : 0);
const secs = (s: number) => `${s < 10 ? s.toFixed(2) : s.toFixed(0)} s`;

export function registerRips(program: Command, ctx: CliContext): void {
  program
    .command('rips')
    .description('Vietoris–Rips persistence diagrams (Ripser conventions) of a point cloud or distance matrix')
    .argument('<points>', 'points.csv (one point per line, comma/space separated) or points.npy (n×d float32/float64)')
    .option('--maxdim <k>', 'highest homology dimension, 0–3', maxdim, 1)
    .option('--threshold <t>', 'largest edge length (default: the enclosing radius)', nonNegative)
    .addOption(new Option('--metric <name>', 'distance between points').choices(['euclidean', 'cosine', 'angular']).default('euclidean'))
    .option('--coeff <p>', 'coefficients in Z/p for a prime p', prime, 2)
    .option('--threads <n>', 'worker threads (default: all cores)', threadCount)
    .option('--sample <n>', 'keep n points by greedy (farthest-point) permutation', positiveInt)
    .option('--approx <eps>', 'sparse Rips approximation with a (1+ε) guarantee', positive)
    .option('--distance-matrix', 'the input is a distance matrix (full square, or lower triangle) instead of points')
    .option('--max-memory <size>', 'refuse runs estimated above this, and stop one that grows past it (e.g. 8G; default: 3/4 of physical memory)', bytes)
    .option(
      '--budget <seconds>',
      'estimate the exact run from pilot runs first; above this time (or --max-memory) compute the largest greedy sample that fits, with its bound',
      positive,
    )
    .option('--out <file>', 'write here instead of stdout')
    .addOption(new Option('--format <fmt>', 'output format').choices(['json', 'ripser']).default('json'))
    .action(async (file: string, flags: RipsFlags) => {
      if (flags.sample !== undefined && flags.approx !== undefined) throw new UsageError('give --sample or --approx, not both');
      const npy = file.toLowerCase().endsWith('.npy');
      const bar = ctx.progress('rips');
      const say = (line: string) => process.stderr.write(`clip-topo rips: ${line}\n`);
      let warned = false;
      const onProgress = (stage: string, done: number, total: number) => {
        // the approximation's edge count arrives before the reduction: warn early when it kept most edges
        if (stage === 'approx-edges' && total > 0 && done / total > 0.5 && !warned) {
          warned = true;
          say(
            `warning: the approximation kept ${((100 * done) / total).toFixed(0)}% of the edges (the data has a high intrinsic dimension); --sample n reduces the work instead`,
          );
        }
        bar.onProgress(stage, done, total);
      };
      const common = {
        maxdim: flags.maxdim,
        threshold: flags.threshold,
        coeff: flags.coeff,
        threads: flags.threads,
        sample: flags.sample,
        approx: flags.approx,
        maxMemory: flags.maxMemory,
        budget: flags.budget,
        signal: ctx.signal,
        onProgress,
      };
      let run: () => Promise<Diagrams>;
      let n: number;
      if (flags.distanceMatrix) {
        let values: Float32Array | Float64Array;
        if (npy) {
          const m = await readMatrix(file);
          if (m.rows !== m.cols) throw new InputError(`${file}: a ${m.rows}×${m.cols} array is not a square distance matrix`);
          values = m.data;
          n = m.rows;
        } else {
          ({ values, n } = await readDistanceCsv(file));
        }
        run = () => ripsFromDistances(values, { ...common, n });
      } else {
        const x = npy ? await readMatrix(file) : await readPointCloudCsv(file);
        if (x.rows === 0) throw new InputError(`${file}: no points`);
        n = x.rows;
        run = () => rips(x, { ...common, metric: flags.metric });
      }
      if (flags.sample === undefined && flags.approx === undefined && flags.budget === undefined) {
        say(
          `${n} points, maxdim ${flags.maxdim}: memory estimate ${mb(ripsMemoryEstimate(n, flags.maxdim))} MB before the threshold is applied (fill-in of the reduction not included)`,
        );
      }
      const result = await run()
        .catch((err: unknown) => {
          if (err instanceof InputError) throw new InputError(`${file}: ${err.message}`, err.code);
          // The core names its options; on the command line they are flags.
          if (err instanceof ClipTopoError && err.code === 'ERR_TOO_LARGE')
            throw new ClipTopoError(`${file}: ${err.message} (flags: --threshold, --sample, --approx, --budget, --max-memory)`, err.code);
          throw err;
        })
        .finally(() => bar.done());
      if (result.estimate) {
        const e = result.estimate;
        const pilots = e.pilots.map((p) => p.points).join(', ');
        say(
          `estimate of the exact run on ${e.points} points: ${secs(e.seconds)}, ${mb(e.bytes)} MB (pilot runs on ${pilots} random points, ${secs(e.pilotSeconds)})`,
        );
      }
      if (result.fallback) say(`budget: ${result.fallback}`);
      if (result.estimate) say(`measured${result.fallback ? ' (the sample)' : ''}: ${secs(result.cost.seconds)}, ${mb(result.cost.bytes)} MB`);
      if (result.sample) {
        const r = result.sample.hausdorffRadius;
        say(`sample of ${result.sample.indices.length} of ${n} points, Hausdorff radius ${r}; ${sampleGuarantee(r, result.threshold)}`);
      }
      if (result.approx) {
        say(`${result.approx.guarantee}; kept ${result.approx.edges} edges`);
      }
      const text = flags.format === 'ripser' ? diagramsToRipserText(result) : JSON.stringify(diagramsToJson(result)) + '\n';
      await writeOutput(flags.out, text);
    });
}
