import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { InvalidArgumentError, Option, type Command } from 'commander';

import { MODEL_VARIANTS, type ModelVariant, readModelCard, resolveModelDir } from '../clip/model.js';
import { embedDataset, readTemplates, zeroShotEval } from '../clip/pipeline.js';
import { DTD_TEMPLATES } from '../clip/zeroshot.js';
import { loadImageDataset, requireImages } from '../data/images.js';
import { ClipTopoError } from '../errors.js';
import { shownPath } from '../io/rawpath.js';
import { gaussianNoiseTransform, imageIds } from '../clip/transform.js';
import type { CliContext } from './context.js';
import { finiteNumber, positiveInt, threadCount } from './options.js';
import { rateProgress } from './rate.js';

interface CommonFlags {
  dataset: string;
  model?: string;
  variant?: ModelVariant;
  split?: string;
  batchSize: number;
  threads?: number;
  strict?: boolean;
  noise?: number;
  noiseSpace: 'normalized' | 'pixel';
  seed: number;
  partition: number;
}

function nonNegative(value: string): number {
  const n = finiteNumber(value);
  if (n < 0) throw new InvalidArgumentError(`"${value}" is negative.`);
  return n;
}

function integer(value: string): number {
  const n = finiteNumber(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`"${value}" is not an integer.`);
  return n;
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption('--dataset <dir>', 'DTD folder (images/ + labels/), or image folder <dir>/<class>/<images> (or <dir>/<split>/<class>/<images>)')
    .option('--model <dir>', 'CLIP model directory (models/README.md); default: $CLIP_TOPO_MODEL, else the packaged models/clip-topo-mini')
    .addOption(
      new Option(
        '--variant <name>',
        'which graphs of a Hugging Face layout: onnx/vision_model_<name>.onnx (fp32: onnx/vision_model.onnx, the default)',
      ).choices([...MODEL_VARIANTS]),
    )
    .option('--split <name>', 'DTD split (train, val, test, trainval, all); for folders, <dataset>/<name>/ when it exists', 'test')
    .option('--partition <k>', 'DTD partition 1–10', positiveInt, 1)
    .option('--batch-size <n>', 'images per inference batch', positiveInt, 32)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', threadCount)
    .option('--strict', 'exit 1 when any file had to be skipped')
    .option('--noise <sigma>', 'add seeded Gaussian noise of this σ to every preprocessed image', nonNegative)
    .addOption(
      new Option('--noise-space <space>', "σ in CLIP's normalised input space, or in [0,1] pixels with clipping (ImageNet-C)")
        .choices(['normalized', 'pixel'])
        .default('normalized'),
    )
    .option('--seed <s>', 'noise seed', integer, 0);
}

async function run(flags: CommonFlags, out: string, ctx: CliContext, label: string) {
  const modelDir = resolveModelDir(flags.model);
  const card = readModelCard(modelDir, { variant: flags.variant });
  for (const w of card.warnings) process.stderr.write(`clip-topo ${label}: warning: ${w}\n`);
  const dataset = await loadImageDataset(flags.dataset, { split: flags.split, partition: flags.partition });
  requireImages(dataset, flags.dataset);
  for (const w of dataset.warnings) process.stderr.write(`clip-topo ${label}: warning: ${w}\n`);
  const bar = rateProgress(`clip-topo ${label}`);
  let skipped = 0;
  const transform =
    flags.noise === undefined
      ? undefined
      : gaussianNoiseTransform({ sigma: flags.noise, space: flags.noiseSpace, seed: flags.seed }, card.preprocess, imageIds(dataset));
  const result = await embedDataset({
    model: card,
    dataset,
    listingSkipped: dataset.skipped,
    transform,
    out,
    batchSize: flags.batchSize,
    threads: flags.threads,
    signal: ctx.signal,
    onProgress: bar.update,
    onWait: (message) => process.stderr.write(`clip-topo ${label}: ${message}\n`),
    onSkip: (path, reason) => {
      skipped++;
      process.stderr.write(`clip-topo ${label}: skipped ${shownPath(path)}: ${reason}\n`);
    },
  });
  const reusedImages = Math.min(dataset.items.length, result.reusedBatches * flags.batchSize);
  // Images refused while listing (e.g. a decompression bomb, from its header) are images skipped, not other files.
  const refused = dataset.skipped.filter((s) => s.image).length;
  bar.finish(dataset.items.length + refused, result.manifest.count, dataset.skipped.length - refused, reusedImages);
  return { result, dataset, skipped };
}

function strictCheck(flags: CommonFlags, skipped: number) {
  if (flags.strict && skipped > 0) throw new ClipTopoError(`${skipped} file(s) skipped (see above) and --strict was given`, 'ERR_SKIPPED', 1);
}

export function registerEmbed(program: Command, ctx: CliContext): void {
  common(program.command('embed').description('CLIP image embeddings of an image folder: embeddings.npy, labels.npy, manifest.json'))
    .option('--out <dir>', 'output folder (resumes an interrupted run found there)', 'clip-topo-embeddings')
    .action(async (flags: CommonFlags & { out: string }) => {
      const { skipped } = await run(flags, flags.out, ctx, 'embed');
      process.stdout.write(`${join(flags.out, 'manifest.json')}\n`);
      strictCheck(flags, skipped);
    });

  common(program.command('zeroshot').description("CLIP zero-shot accuracy with a prompt ensemble (CLIP_benchmark's acc1, acc5, mean_per_class_recall)"))
    .option('--templates <file>', 'prompt templates, one per line, "{}" marks the class name (default: the 8 CLIP DTD templates)')
    .option('--out <dir>', 'keep the image embeddings there (and resume from them); default: a temporary folder')
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: CommonFlags & { out?: string; templates?: string; json?: boolean }) => {
      const templates = flags.templates ? await readTemplates(flags.templates) : DTD_TEMPLATES;
      if (templates.length === 0 || templates.some((t) => !t.includes('{}'))) {
        throw new ClipTopoError(`${flags.templates}: every template needs a "{}" where the class name goes`, 'ERR_INPUT', 1);
      }
      const tmp = flags.out ? undefined : mkdtempSync(join(tmpdir(), 'clip-topo-zs-'));
      try {
        const { result, dataset, skipped } = await run(flags, flags.out ?? tmp!, ctx, 'zeroshot');
        const m = await zeroShotEval(result.card, dataset.classes, templates, result.embeddings, result.labels, result.manifest.dim, flags.threads);
        const doc = {
          model: result.card.name,
          dataset: flags.dataset,
          images: result.manifest.count,
          skipped,
          classes: dataset.classes.length,
          templates: templates.length,
          logit_scale: result.card.logitScale,
          noise: flags.noise === undefined ? null : { sigma: flags.noise, space: flags.noiseSpace, seed: flags.seed },
          acc1: m.acc1,
          acc5: m.acc5,
          mean_per_class_recall: m.mean_per_class_recall,
        };
        if (flags.json) process.stdout.write(JSON.stringify(doc) + '\n');
        else {
          process.stdout.write(
            `model ${doc.model}: ${doc.images} images, ${doc.classes} classes, ${doc.templates} templates\n` +
              `acc1 ${m.acc1.toFixed(4)}  acc5 ${m.acc5.toFixed(4)}  mean_per_class_recall ${m.mean_per_class_recall.toFixed(4)}\n`,
          );
        }
        strictCheck(flags, skipped);
      } finally {
        if (tmp) rmSync(tmp, { recursive: true, force: true });
      }
    });
}
