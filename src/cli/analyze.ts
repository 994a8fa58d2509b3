import { InvalidArgumentError, Option, type Command } from 'commander';

import { ANALYZE_DEFAULTS, type AnalyzeOptions, type AnalyzeProgress, analyze } from '../analyze.js';
import { MODEL_VARIANTS } from '../clip/model.js';
import { readTemplates } from '../clip/pipeline.js';
import { UsageError } from '../errors.js';
import type { CliContext } from './context.js';
import { finiteNumber, positiveInt, threadCount } from './options.js';

/** The flags as commander parses them: AnalyzeOptions, with the templates still a file name. */
type AnalyzeFlags = Omit<AnalyzeOptions, 'templates'> & { templates?: string; json?: boolean; rank?: number; energy?: number; center?: boolean };

function fraction(value: string): number {
  const n = finiteNumber(value);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError(`"${value}" is not a fraction in (0, 1].`);
  return n;
}

function levels(value: string): number[] {
  const out = value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)
    .map((v) => {
      const n = finiteNumber(v);
      if (!(n > 0)) throw new InvalidArgumentError(`noise level "${v}" is not a positive number.`);
      return n;
    });
  if (out.length === 0) throw new InvalidArgumentError(`"${value}" holds no noise levels (e.g. 0.5,1,2).`);
  return out;
}

/** One `σ=path` of --noisy-embeddings, collected over repeats. */
function noisySet(value: string, previous: { sigma: number; path: string }[] = []): { sigma: number; path: string }[] {
  const m = /^([^=]+)=(.+)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`"${value}" is not σ=path (e.g. 0.5=embeddings/sigma0.5).`);
  const sigma = finiteNumber(m[1].trim());
  if (!(sigma > 0)) throw new InvalidArgumentError(`noise level "${m[1]}" is not a positive number.`);
  return [...previous, { sigma, path: m[2] }];
}

/** Flags about images, which a run on embeddings made elsewhere has none of. */
const IMAGE_FLAGS = ['dataset', 'noise', 'noiseSpace', 'split', 'partition', 'batchSize'] as const;
const FLAG_NAMES: Record<(typeof IMAGE_FLAGS)[number], string> = {
  dataset: '--dataset',
  noise: '--noise',
  noiseSpace: '--noise-space',
  split: '--split',
  partition: '--partition',
  batchSize: '--batch-size',
};

function nonNegativeInt(value: string): number {
  return value.trim() === '0' ? 0 : positiveInt(value);
}

/** One line per step on a log; a redrawn counter on a terminal. */
function stepProgress() {
  const tty = process.stderr.isTTY === true;
  let step = '';
  let last = 0;
  return {
    update(p: AnalyzeProgress) {
      const now = Date.now();
      if (p.step !== step) {
        if (!tty) process.stderr.write(`clip-topo analyze: ${p.step}\n`);
        step = p.step;
        last = 0;
      }
      if (!tty || (now - last < 150 && p.done < p.total)) return;
      last = now;
      process.stderr.write(`\r\x1b[2Kclip-topo analyze: ${p.step} ${p.done}/${p.total}`);
    },
    line(s: string) {
      if (tty) process.stderr.write('\r\x1b[2K');
      process.stderr.write(`clip-topo analyze: ${s}\n`);
    },
    clear() {
      if (tty) process.stderr.write('\r\x1b[2K');
    },
  };
}

const D = ANALYZE_DEFAULTS;

export function registerAnalyze(program: Command, ctx: CliContext): void {
  program
    .command('analyze')
    .description(
      'the whole study: embeddings clean and noisy, zero-shot + probe accuracy, loss, maps, angles, Rips diagrams, distances; writes report.html and metrics.json',
    )
    .option('--dataset <dir>', "DTD folder or image folder (default: clip-topo's synthetic texture set, seed 0)")
    .option('--model <dir>', 'CLIP model directory (default: $CLIP_TOPO_MODEL, else the packaged model)')
    .addOption(
      new Option(
        '--variant <name>',
        'which graphs of a Hugging Face layout: onnx/vision_model_<name>.onnx (fp32: onnx/vision_model.onnx, the default)',
      ).choices([...MODEL_VARIANTS]),
    )
    .option('--out <dir>', 'output folder; its cache/ makes reruns fast', D.out)
    .option('--noise <levels>', 'comma-separated Gaussian noise levels σ', levels, [...D.noise])
    .addOption(
      new Option('--noise-space <space>', "σ in CLIP's normalised input space, or in [0,1] pixels with clipping")
        .choices(['normalized', 'pixel'])
        .default(D.noiseSpace),
    )
    .option('--split <name>', 'split to analyse', D.split)
    .option('--partition <k>', 'DTD partition 1–10', positiveInt, D.partition)
    .option('--sample-classes <k>', 'classes in the sampled t-SNE/UMAP maps', positiveInt, D.sampleClasses)
    .option(
      '--rips-points <n>',
      'farthest-point sample size for the split-wide Rips diagrams (default: the whole split when its exact diagram fits the plan, else the largest sample that does)',
      positiveInt,
    )
    .option('--maxdim <k>', 'highest homology dimension (0–2)', nonNegativeInt, D.maxdim)
    .option('--seed <s>', 'seed of every random step (noise, maps, sampling)', nonNegativeInt, D.seed)
    .option('--threads <n>', 'worker threads (default: all cores)', threadCount)
    .option('--batch-size <n>', 'images per inference batch', positiveInt, D.batchSize)
    .option('--rank <k>', 'principal angles: directions kept per class (default: the fewest holding --energy of its energy)', positiveInt)
    .option('--energy <f>', 'principal angles: share of each class’s energy its subspace keeps', fraction, D.anglesEnergy)
    .option('--no-center', 'principal angles: do not centre each class before taking its span')
    .option('--templates <file>', 'prompt templates, one per line with "{}" for the class (default: the 8 CLIP DTD templates)')
    .option('--embeddings <path>', 'embeddings made elsewhere instead of images: .npy (labels beside it) or a clip-retrieval folder (img_emb/, metadata/)')
    .option('--noisy-embeddings <σ=path>', 'with --embeddings: a noise level as its own embedding set of the same images (repeat per level)', noisySet)
    .option('--train-embeddings <path>', 'with --embeddings: clean train-split embeddings for the linear probe')
    .option('--prompt-embeddings <file>', 'with --embeddings: C × d class-prompt embeddings (.npy, rows in class order or named by a classes.txt beside it)')
    .option('--label-column <name>', 'with --embeddings: metadata column holding the class (default: label, class, …, else the folder of image_path)')
    .option('--max-rows <n>', 'with --embeddings: rows analysed at most; above, a seeded uniform sample (default: what fits a quarter of memory)', positiveInt)
    .option('--no-thumbnails', "the report's explorer shows no image thumbnails (a smaller page)")
    .option('--no-cache', 'recompute every step (the cache is neither read nor kept)')
    .option('--json', 'print metrics.json to stdout')
    .action(async (flags: AnalyzeFlags, cmd: Command) => {
      const bar = stepProgress();
      const { json, templates, rank, energy, center, ...given } = flags;
      const rest: Omit<AnalyzeOptions, 'templates'> = { ...given };
      if (flags.embeddings !== undefined) {
        const stray = IMAGE_FLAGS.find((k) => cmd.getOptionValueSource(k) === 'cli');
        if (stray)
          throw new UsageError(
            `analyze: ${FLAG_NAMES[stray]} is about images; with --embeddings ${stray === 'noise' ? 'give each noise level as --noisy-embeddings σ=path' : 'leave it out'}`,
          );
        for (const k of IMAGE_FLAGS) delete rest[k];
      }
      if (rank !== undefined && energy !== undefined && energy !== D.anglesEnergy) throw new UsageError('analyze: give --rank or --energy, not both');
      const angles = rank !== undefined ? { anglesRank: rank } : { anglesEnergy: energy };
      const result = await analyze(
        { ...rest, ...angles, anglesCenter: center, templates: templates ? await readTemplates(templates) : undefined },
        { signal: ctx.signal, onProgress: bar.update, onMessage: bar.line },
      ).finally(() => bar.clear());
      const m = result.metrics;
      for (const w of m.warnings) bar.line(`warning: ${w}`);
      const zs = m.accuracy.zeroshot;
      bar.line(
        zs
          ? `zero-shot top-1: ${zs.map((z) => `${z.sigma === 0 ? 'clean' : `σ=${z.sigma}`} ${z.acc1.toFixed(3)}`).join(', ')}`
          : 'zero-shot: skipped (no class prompts)',
      );
      bar.line(`wrote ${result.out}/report.html and metrics.json in ${m.timings.total.toFixed(1)} s`);
      if (json) process.stdout.write(JSON.stringify(m) + '\n');
      else process.stdout.write(`${result.out}/report.html\n`);
    });
}
