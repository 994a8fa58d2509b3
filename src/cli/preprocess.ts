import { readFile, stat } from 'node:fs/promises';

import type { Command } from 'commander';

import { CLIP_MEAN, CLIP_STD, MAX_SIZE, preprocessImage } from '../clip/preprocess.js';
import { InputError, UsageError } from '../errors.js';
import { encodeNpy } from '../io/npy.js';
import { positiveInt } from './options.js';
import { writeOutput } from './output.js';

export function registerPreprocess(program: Command): void {
  program
    .command('preprocess')
    .description("CLIP's image preprocessing (resize short side, centre crop, RGB, mean/std): writes the 3×S×S float32 tensor")
    .argument('<image>', 'an image file (JPEG, PNG, GIF, WebP, TIFF …)')
    .requiredOption('--out <file.npy>', 'where to write the tensor (numpy .npy, float32, shape 3×S×S)')
    .option('--size <S>', `output side in pixels (at most ${MAX_SIZE})`, positiveInt, 224)
    .action(async (image: string, flags: { out: string; size: number }) => {
      if (flags.size > MAX_SIZE) throw new UsageError(`preprocess: --size ${flags.size} is more than ${MAX_SIZE} pixels`);
      let bytes: Buffer;
      try {
        // A device or a FIFO (/dev/zero, a pipe) would be read forever: only regular files are images.
        const st = await stat(image);
        if (!st.isFile()) throw new InputError(`${image}: not a regular file (a folder, device or pipe); give an image file`, 'ERR_FILE');
        bytes = await readFile(image);
      } catch (err) {
        if (err instanceof InputError) throw err;
        throw new InputError(`${image}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_FILE');
      }
      const t = await preprocessImage(bytes, { size: flags.size, mean: CLIP_MEAN, std: CLIP_STD }, image);
      await writeOutput(flags.out, encodeNpy(t, [3, flags.size, flags.size]));
    });
}
