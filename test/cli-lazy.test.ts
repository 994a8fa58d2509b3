/**
 * The CLI loads only the module of the command it runs (src/cli.ts): every command must still be reachable
 * that way, and a numeric command must not pay for onnxruntime-node and sharp.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { buildProgram, commandOf } from '../src/cli.js';
import type { CliContext } from '../src/cli/context.js';
import { ROOT } from './helpers/cli.js';

const ctx: CliContext = { signal: new AbortController().signal, progress: () => ({ onProgress: () => {}, done: () => {} }) };
const argv = (...words: string[]) => ['node', 'clip-topo', ...words];

describe('lazy command loading', () => {
  it('routes every command of the full program to a program that has it', async () => {
    const all = (await buildProgram(ctx)).commands.map((c) => c.name());
    expect(all.length).toBeGreaterThanOrEqual(14);
    for (const name of all) {
      expect(commandOf(argv(name, 'x')), name).toBe(name);
      const only = (await buildProgram(ctx, name)).commands.map((c) => c.name());
      expect(only, name).toContain(name);
      expect(only.length, name).toBeLessThan(all.length);
    }
  });

  it('finds the command after global options, and none for help, a typo or nothing', () => {
    expect(commandOf(argv('--verbose', 'rips', 'a.npy'))).toBe('rips');
    expect(commandOf(argv('help', 'rips'))).toBeUndefined();
    expect(commandOf(argv('ripz', 'a.npy'))).toBeUndefined();
    expect(commandOf(argv('--help'))).toBeUndefined();
    expect(commandOf(argv())).toBeUndefined();
  });

  /** The heavy packages a run of the built CLI with these arguments loaded. */
  const heavyLoaded = (args: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      const script = `
        import { createRequire } from 'node:module';
        const { main } = await import(${JSON.stringify(join(ROOT, 'dist', 'cli.js'))});
        await main(['node', 'clip-topo', ...${JSON.stringify(args)}]);
        const cache = Object.keys(createRequire(import.meta.url).cache);
        const heavy = ['sharp', 'onnxruntime-node'].filter((p) => cache.some((k) => k.includes('/node_modules/' + p + '/')));
        process.stderr.write('\\nHEAVY ' + JSON.stringify(heavy) + '\\n');`;
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT }, (err, _out, stderr) => {
        const m = /HEAVY (\[.*\])/.exec(stderr);
        if (!m) reject(new Error(`no report: ${err?.message ?? ''} ${stderr}`));
        else resolve(JSON.parse(m[1]) as string[]);
      });
    });

  it('does not load onnxruntime-node or sharp for rips, and does for embed', async () => {
    expect(await heavyLoaded(['rips', '--help'])).toEqual([]);
    // the check sees them when they are loaded
    expect((await heavyLoaded(['embed', '--help'])).sort()).toEqual(['onnxruntime-node', 'sharp']);
  });
});
