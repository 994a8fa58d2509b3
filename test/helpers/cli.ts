import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { encodeNpy, type NpyData } from '../../src/io/npy.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'clip-topo.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (dist/) as a user would. */
/** Runs the CLI; `timeout` (ms) kills a run that hangs, which then fails with the signal's exit code. */
export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const o = { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, maxBuffer: 64 << 20, timeout: opts.timeout ?? 0, killSignal: 'SIGKILL' as const };
    execFile(process.execPath, [BIN, ...args], o, (err, stdout, stderr) => {
      // A run killed by the timeout has no exit code: report it as 137 (128 + SIGKILL), never as a clean failure.
      const code = err ? (typeof err.code === 'number' ? err.code : err.signal ? 137 : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export function tempDir(prefix = 'clip-topo-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeNpy(dir: string, name: string, data: NpyData, shape: number[]): string {
  const path = join(dir, name);
  writeFileSync(path, encodeNpy(data, shape));
  return path;
}

export function fixture(...parts: string[]): string {
  return join(ROOT, 'test', 'fixtures', ...parts);
}
