import { dirname } from 'node:path';

import { InvalidArgumentError, Option, type Command } from 'commander';

import { writeContactSheet, writeSynthDataset } from '../data/synth.js';
import { ClipTopoError, InputError, UsageError } from '../errors.js';
import { makeOutputFolder } from '../io/folder.js';
import { nativeRenderer, renderTextures, synthClasses } from '../kernels/synth.js';
import type { CliContext } from './context.js';
import { boundedInt, positiveInt, threadCount } from './options.js';

/** Images per class: DTD has 120; a count past this is a typo that would render for days. */
const MAX_PER_CLASS = 100_000;

/** The renderer's sizes (data/synth.ts), checked here so that a wrong one is a usage error naming the flag. */
function imageSize(value: string): number {
  const n = positiveInt(value);
  if (n < 16 || n > 4096) throw new InvalidArgumentError(`"${value}" is not a size of 16–4096 pixels.`);
  return n;
}

interface SynthFlags {
  out?: string;
  classes?: string;
  perClass: number;
  size: number;
  seed: number;
  imageFormat: 'jpeg' | 'png';
  quality: number;
  contactSheet?: string;
  listClasses?: boolean;
  threads?: number;
}

function nonNegativeInt(value: string): number {
  if (value.trim() === '0') return 0;
  return positiveInt(value);
}

export function registerSynth(program: Command, ctx: CliContext): void {
  program
    .command('synth')
    .description('write a synthetic labelled texture dataset in DTD layout, with captions')
    .option('--out <dir>', 'output folder (created)')
    .option('--classes <a,b,...>', 'classes to draw (default: all; see --list-classes)')
    .option('--per-class <n>', 'images per class (split train/val/test in turn)', boundedInt(MAX_PER_CLASS, 'images per class'), 40)
    .option('--size <px>', 'image width and height', imageSize, 256)
    .option('--seed <s>', 'random seed; the same seed gives byte-identical files', nonNegativeInt, 0)
    .addOption(new Option('--image-format <fmt>', 'image file format').choices(['jpeg', 'png']).default('jpeg'))
    .option('--quality <q>', 'JPEG quality 1–100', positiveInt, 90)
    .option('--contact-sheet <file.png>', 'also write one image per class as a labelled PNG grid')
    .option('--list-classes', 'print the drawable classes and exit')
    .option('--threads <n>', 'worker threads (default: all cores)', threadCount)
    .action(async (flags: SynthFlags) => {
      const available = synthClasses();
      if (flags.listClasses) {
        process.stdout.write(available.join('\n') + '\n');
        return;
      }
      if (!flags.out) throw new UsageError('synth: --out <dir> is required');
      if (flags.quality > 100) throw new UsageError('synth: --quality must be 1–100');
      // The sheet is written after the whole set: a folder it cannot go in must fail before the work, not after.
      if (flags.contactSheet) await makeOutputFolder(dirname(flags.contactSheet), '--contact-sheet');
      const classes = flags.classes
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const bar = ctx.progress('synth');
      const t0 = performance.now();
      const result = await writeSynthDataset({
        out: flags.out,
        render: nativeRenderer({ threads: flags.threads, signal: ctx.signal }),
        available,
        classes,
        perClass: flags.perClass,
        size: flags.size,
        seed: flags.seed,
        imageFormat: flags.imageFormat,
        quality: flags.quality,
        signal: ctx.signal,
        onProgress: (done, total) => bar.onProgress('synth', done, total),
      }).finally(() => bar.done());
      const secs = (performance.now() - t0) / 1000;
      if (flags.contactSheet) {
        const firsts = await renderTextures(
          result.classes.map((c) => ({ class: c, index: 0 })),
          flags.size,
          flags.seed,
          { signal: ctx.signal },
        );
        const sheet = flags.contactSheet;
        // sharp's write errors are not ours (an "internal error" of several lines): one line naming the flag and path.
        await writeContactSheet(firsts, sheet).catch((err: unknown) => {
          if (err instanceof ClipTopoError || !(err instanceof Error)) throw err;
          throw new InputError(`--contact-sheet ${sheet}: cannot write (${err.message.split('\n')[0]})`, 'ERR_FILE', { cause: err });
        });
      }
      process.stderr.write(
        `clip-topo synth: wrote ${result.images} images (${result.classes.length} classes × ${flags.perClass}) to ${result.root} in ${secs.toFixed(2)} s\n`,
      );
    });
}
