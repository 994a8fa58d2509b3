import type { Command } from 'commander';

import { CATALOGUE, fetchModel } from '../clip/fetch.js';
import type { CliContext } from './context.js';

export function registerModel(program: Command, ctx: CliContext): void {
  const model = program.command('model').description('CLIP model directories');
  model
    .command('list')
    .description('models `model fetch` knows')
    .action(() => {
      for (const [name, e] of Object.entries(CATALOGUE)) process.stdout.write(`${name}\t${e.description}\n`);
    });
  model
    .command('fetch')
    .description('download a public CLIP ONNX export (resumable, sha256-checked; a rerun verifies and skips complete files) into a model directory')
    .argument('<name>', `one of: ${Object.keys(CATALOGUE).join(', ')}`)
    .requiredOption('--to <dir>', 'target model directory (created; an interrupted download resumes there)')
    .option('--mirror <url>', 'download from this host instead of https://huggingface.co (default: $HF_ENDPOINT)')
    .action(async (name: string, flags: { to: string; mirror?: string }) => {
      const tty = process.stderr.isTTY === true;
      let last = 0;
      let shown = false;
      const fetching = fetchModel(name, flags.to, {
        host: flags.mirror,
        signal: ctx.signal,
        onProgress: (file, done, total) => {
          if (!tty || Date.now() - last < 200) return;
          last = Date.now();
          shown = true;
          process.stderr.write(`\r\x1b[2K${file}: ${(done / 1e6).toFixed(1)}${total ? ` / ${(total / 1e6).toFixed(1)}` : ''} MB`);
        },
      });
      // Clear the progress line before any summary or error line, which must stand alone.
      const r = await fetching.finally(() => shown && process.stderr.write('\r\x1b[2K'));
      for (const f of r.files.filter((f) => !f.skipped))
        process.stderr.write(`clip-topo model fetch: ${f.path} sha256 ${f.sha256}${f.resumed ? ' (resumed)' : ''}\n`);
      const skipped = r.files.filter((f) => f.skipped);
      if (skipped.length > 0)
        process.stderr.write(`clip-topo model fetch: ${skipped.length} ${skipped.length === 1 ? 'file' : 'files'} already complete, verified (sha256)\n`);
      process.stdout.write(`${flags.to}\n`);
    });
}
