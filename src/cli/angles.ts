import type { Command } from 'commander';

import { readClassNames, readLabels, withClassNames } from '../io/labels.js';
import { readMatrix } from '../io/npy.js';
import { anglesToCsv, anglesToJson } from '../io/angles_file.js';
import { classSubspaceAngles } from '../kernels/angles.js';
import { InputError } from '../errors.js';
import type { CliContext } from './context.js';
import { fraction, positiveInt, threadCount } from './options.js';
import { writeOutput } from './output.js';

interface AnglesFlags {
  labels: string;
  classes?: string;
  rank?: number;
  energy?: number;
  center: boolean;
  out?: string;
  csv?: string;
  threads?: number;
}

export function registerAngles(program: Command, ctx: CliContext): void {
  program
    .command('angles')
    .description('principal angles between the subspaces spanned by each class of embeddings')
    .argument('<embeddings.npy>', 'n×d float32/float64 embeddings, one per row')
    .requiredOption('--labels <file>', 'class of each row: .npy integers, or a text file with one name or integer per line')
    .option('--classes <file>', "class names by label, one per line (analyze's embeddings/classes.txt); default: the labels themselves")
    .option('--rank <k>', 'keep k dimensions per class', positiveInt)
    .option('--energy <fraction>', "keep the smallest rank holding this fraction of each class's energy", fraction)
    .option('--no-center', 'span the raw embeddings instead of centring each class first')
    .option('--out <file>', 'write the JSON here instead of stdout')
    .option('--csv <file>', 'also write one row per class pair as CSV')
    .option('--threads <n>', 'worker threads (default: all cores)', threadCount)
    .action(async (embeddings: string, flags: AnglesFlags) => {
      const x = await readMatrix(embeddings);
      const read = await readLabels(flags.labels);
      const labels = flags.classes ? withClassNames(read, await readClassNames(flags.classes), flags.labels, flags.classes) : read;
      if (labels.indices.length !== x.rows) {
        throw new InputError(`${flags.labels}: ${labels.indices.length} labels for ${x.rows} embeddings in ${embeddings}: give one label per row`);
      }
      const bar = ctx.progress('angles');
      const result = await classSubspaceAngles(x, labels.indices, labels.names, {
        center: flags.center,
        rank: flags.rank,
        energy: flags.energy,
        threads: flags.threads,
        signal: ctx.signal,
        onProgress: bar.onProgress,
      })
        .catch((err: unknown) => {
          // The core names the matrix, not the file it came from.
          throw err instanceof InputError ? new InputError(`${embeddings}: ${err.message}`, err.code) : err;
        })
        .finally(() => bar.done());
      for (const w of result.warnings) process.stderr.write(`clip-topo angles: warning: ${w}\n`);
      await writeOutput(flags.out, JSON.stringify(anglesToJson(result)) + '\n');
      if (flags.csv) await writeOutput(flags.csv, anglesToCsv(result));
    });
}
