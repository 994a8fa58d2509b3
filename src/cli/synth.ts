import { Option, type Command } from 'commander';

import { writeContactSheet, writeSynthDataset } from '../data/synth.js';
import { UsageError } from '../errors.js';
import { nativeRenderer, renderTextures, synthClasses } from '../kernels/synth.js';
import type { CliContext } from './context.js';
import { positiveInt, threadCount } from './options.js';

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
    .option('--per-class <n>', 'images per class (split train/val/test in turn)', positiveInt, 40)
    .option('--size <px>', 'image width and height', positiveInt, 256)
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
        await writeContactSheet(firsts, flags.contactSheet);
      }
      process.stderr.write(
        `clip-topo synth: wrote ${result.images} images (${result.classes.length} classes × ${flags.perClass}) to ${result.root} in ${secs.toFixed(2)} s\n`,
      );
    });
}
