/** The command line: parse, call the library, print. Errors become one line on stderr. */
import { readFileSync } from 'node:fs';

import { Command, CommanderError, Option } from 'commander';

import { ClipTopoError, UsageError } from './errors.js';
import { registerAnalyze } from './cli/analyze.js';
import { registerAngles } from './cli/angles.js';
import { registerSummarize } from './cli/summarize.js';
import { registerDataset } from './cli/dataset.js';
import { registerSynth } from './cli/synth.js';
import { registerDistance } from './cli/distance.js';
import { registerRips } from './cli/rips.js';
import { registerMaps } from './cli/maps.js';
import { registerTokenize } from './cli/tokenize.js';
import { registerPreprocess } from './cli/preprocess.js';
import { registerEmbed } from './cli/embed.js';
import { registerModel } from './cli/model.js';
import type { CliContext } from './cli/context.js';
import { stderrProgress } from './cli/progress.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('clip-topo')
    .description('CLIP embedding spaces and their topology under noise: angles, maps, persistence, accuracy')
    .version(pkg.version, '-V, --version')
    .addOption(new Option('--verbose', 'show stack traces on errors'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerAnalyze(program, ctx);
  registerAngles(program, ctx);
  registerSummarize(program, ctx);
  registerDataset(program, ctx);
  registerSynth(program, ctx);
  registerDistance(program, ctx);
  registerRips(program, ctx);
  registerMaps(program, ctx);
  registerTokenize(program);
  registerPreprocess(program);
  registerEmbed(program, ctx);
  registerModel(program, ctx);
  return program;
}

function describe(err: unknown, verbose: boolean): { line: string; exitCode: number } {
  if (err instanceof CommanderError) {
    // Commander has already printed its message; help and version are not errors.
    const ok = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
    return { line: '', exitCode: ok ? 0 : 2 };
  }
  if (err instanceof ClipTopoError) {
    const exitCode = err.code === 'ERR_CANCELLED' ? 130 : err.exitCode;
    return { line: verbose && err.stack ? err.stack : err.message, exitCode };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return { line: verbose ? (e.stack ?? e.message) : `internal error: ${e.message} (run with --verbose for details)`, exitCode: 1 };
}

/** Runs the CLI on `argv` (as process.argv) and sets process.exitCode. */
export async function main(argv: string[]): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nclip-topo: interrupted, stopping (press Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const ctx: CliContext = { signal: controller.signal, progress: stderrProgress };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const verbose = argv.includes('--verbose');
    const { line, exitCode } = describe(err, verbose);
    if (line) process.stderr.write(`clip-topo: ${line}\n`);
    process.exitCode = exitCode;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export { UsageError };
