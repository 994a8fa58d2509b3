/** The command line: parse, call the library, print. Errors become one line on stderr. */
import { readFileSync } from 'node:fs';

import { Command, CommanderError, Option } from 'commander';

import { ClipTopoError, UsageError } from './errors.js';
import type { CliContext } from './cli/context.js';
import { stderrProgress } from './cli/progress.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

type Register = (program: Command, ctx: CliContext) => void;

/**
 * The command modules and the commands each registers, loaded only when needed: they pull in onnxruntime-node,
 * sharp and the native addon, and importing all of them costs every run ~0.17 s and ~24 MB before any work (a
 * `rips` run starts at 51 MB instead of 75). The order is the order of `--help`.
 */
const MODULES: { commands: string[]; load: () => Promise<Register> }[] = [
  { commands: ['analyze'], load: async () => (await import('./cli/analyze.js')).registerAnalyze },
  { commands: ['angles'], load: async () => (await import('./cli/angles.js')).registerAngles },
  { commands: ['summarize'], load: async () => (await import('./cli/summarize.js')).registerSummarize },
  { commands: ['dataset'], load: async () => (await import('./cli/dataset.js')).registerDataset },
  { commands: ['synth'], load: async () => (await import('./cli/synth.js')).registerSynth },
  { commands: ['distance'], load: async () => (await import('./cli/distance.js')).registerDistance },
  { commands: ['rips'], load: async () => (await import('./cli/rips.js')).registerRips },
  { commands: ['tsne', 'umap'], load: async () => (await import('./cli/maps.js')).registerMaps },
  { commands: ['tokenize'], load: async () => (await import('./cli/tokenize.js')).registerTokenize },
  { commands: ['preprocess'], load: async () => (await import('./cli/preprocess.js')).registerPreprocess },
  { commands: ['embed', 'zeroshot'], load: async () => (await import('./cli/embed.js')).registerEmbed },
  { commands: ['model'], load: async () => (await import('./cli/model.js')).registerModel },
];

/** The command an argv names (its first word that is not an option), if it is one of ours. */
export function commandOf(argv: string[]): string | undefined {
  const word = argv.slice(2).find((a) => !a.startsWith('-'));
  return MODULES.some((m) => word !== undefined && m.commands.includes(word)) ? word : undefined;
}

/**
 * The program with the command `only` (all of them when undefined: for `--help`, `help <command>`, a
 * mistyped command that commander suggests a near name for, or no command at all).
 */
export async function buildProgram(ctx: CliContext, only?: string): Promise<Command> {
  const program = new Command('clip-topo')
    .description('CLIP embedding spaces and their topology under noise: angles, maps, persistence, accuracy')
    .version(pkg.version, '-V, --version')
    .addOption(new Option('--verbose', 'show stack traces on errors'))
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const modules = MODULES.filter((m) => only === undefined || m.commands.includes(only));
  const registers = await Promise.all(modules.map((m) => m.load()));
  for (const register of registers) register(program, ctx);
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
  try {
    const program = await buildProgram(ctx, commandOf(argv));
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
