/**
 * The hostile-input suite (issue 20): test/hostile/make-cases.mjs writes bad files and the command lines to
 * run on them; every case must exit 0 with the right result, or 1/2 with one line naming the input. None may
 * abort (a signal), hang past 10 s, print a stack or an "internal error".
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { BIN, ROOT, tempDir } from './helpers/cli.js';
import { bombPng } from './helpers/hostile.js';

interface Case {
  name: string;
  args: string[];
  expect: 'ok' | 'error';
  code: 0 | 1 | 2;
  /** Regex source the one error line must match. */
  match?: string;
  /** What the right result looks like; these three are matched with the s flag (pretty-printed JSON spans lines). */
  stdoutMatch?: string;
  stderrMatch?: string;
  /** A file the run must write (read as latin1 so .npy headers can be matched), and what it must hold. */
  outFile?: string;
  outMatch?: string;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  ms: number;
}

const TIMEOUT_MS = 10_000;
const DIR = join(tempDir('clip-topo-hostile-'), 'cases');
// The cases are written by the committed script, so the suite and a rerun by hand see the same bytes.
execFileSync(process.execPath, [join(ROOT, 'test', 'hostile', 'make-cases.mjs'), DIR], { stdio: 'pipe' });
const CASES = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as Case[];

function run(args: string[]): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    // CLIP_TOPO_LOCK_TIMEOUT: a stale lock must fail the case quickly, not wait an hour.
    const env = { ...process.env, CLIP_TOPO_LOCK_TIMEOUT: '5' };
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env, timeout: TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals | null; killed?: boolean }) | null;
      const ms = performance.now() - t0;
      resolve({
        code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
        signal: e?.signal ?? null,
        timedOut: !!e?.killed,
        stdout,
        stderr,
        ms,
      });
    });
  });
}

/** Runs every case, two at a time (the machine has two cores and the kernels use them), as soon as the file loads. */
function runAll(cases: Case[], concurrency = 2): Map<string, Promise<Run>> {
  const results = new Map<string, Promise<Run>>();
  const resolvers = new Map<string, (r: Run) => void>();
  for (const c of cases) results.set(c.name, new Promise((res) => resolvers.set(c.name, res)));
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++];
      resolvers.get(c.name)!(await run(c.args));
    }
  };
  for (let k = 0; k < concurrency; k++) void worker();
  return results;
}

/** The error line: ours start "clip-topo: ", commander's (wrong flags) "error: "; its "(run with --help …)" hint is not a second message. */
const ERROR_LINE = /^(clip-topo: |error: )/;

let results: Map<string, Promise<Run>>;

beforeAll(() => {
  results = runAll(CASES);
});

describe('hostile inputs', () => {
  it('the suite is large and its bomb is the shared one', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(80);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    // make-cases.mjs cannot import the TypeScript helper; its copy must stay byte-identical.
    expect(readFileSync(join(DIR, 'img', 'bomb.png')).equals(bombPng())).toBe(true);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const r = await results.get(c.name)!;
    const context = `${c.args.join(' ')}\nexit ${r.code} signal ${r.signal} after ${r.ms.toFixed(0)} ms\nstderr:\n${r.stderr}\nstdout:\n${r.stdout.slice(0, 2000)}`;
    expect(r.timedOut, `hung past ${TIMEOUT_MS} ms: ${context}`).toBe(false);
    expect(r.signal, context).toBeNull();
    expect(r.stderr, context).not.toMatch(/^\s+at /m);
    expect(r.stderr, context).not.toMatch(/internal error/);
    expect(r.code, context).toBe(c.code);
    if (c.stderrMatch) expect(r.stderr, context).toMatch(new RegExp(c.stderrMatch, 's'));
    if (c.expect === 'error') {
      const lines = r.stderr.split('\n').filter((l) => ERROR_LINE.test(l));
      expect(lines, context).toHaveLength(1);
      expect(lines[0], context).toMatch(new RegExp(c.match ?? ''));
      return;
    }
    expect(
      r.stderr.split('\n').filter((l) => ERROR_LINE.test(l)),
      context,
    ).toEqual([]);
    if (c.stdoutMatch) expect(r.stdout, context).toMatch(new RegExp(c.stdoutMatch, 's'));
    if (c.outFile) expect(readFileSync(c.outFile, 'latin1'), context).toMatch(new RegExp(c.outMatch ?? '', 's'));
  });
});
