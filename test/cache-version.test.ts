/**
 * Caches follow the code: a rerun into an --out whose cache was made by another version of clip-topo, or
 * by the same version with a changed module, recomputes every step (embeddings included) instead of
 * returning the other code's results; a rerun by the same code reuses them all.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import type { AnalysisMetrics } from '../src/analysis/types.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { synthSet } from './helpers/synth-set.js';

const TINY = join(ROOT, 'models', 'tiny-random');
const ARGS = ['--model', TINY, '--rips-points', '12', '--sample-classes', '3', '--noise', '0.5', '--threads', '1'];

/** A copy of the built package (dist/, bin/, package.json) sharing the addon, models and dependencies. */
function packageCopy(version: string): string {
  const dir = tempDir('clip-topo-other-version-');
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, version }));
  for (const shared of ['native', 'models', 'node_modules']) symlinkSync(join(ROOT, shared), join(dir, shared), 'dir');
  return dir;
}

function runFrom(pkgDir: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(pkgDir, 'bin', 'clip-topo.js'), ...args], { cwd: ROOT, maxBuffer: 64 << 20 }, (err, _stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }),
    );
  });
}

const reused = (out: string) => (JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as AnalysisMetrics).cache.reused;

let dataset: string;

beforeAll(async () => {
  dataset = await synthSet({ prefix: 'clip-topo-cache-version-data-', classes: ['banded', 'dotted', 'striped', 'zigzagged'], perClass: 9, size: 48, seed: 5 });
}, 60_000);

describe('the cache follows the code', () => {
  it('recomputes every step after another version, reuses every step of the same code', async () => {
    const out = join(tempDir(), 'report');
    const older = packageCopy('0.0.1-older');
    const first = await runFrom(older, ['analyze', '--dataset', dataset, '--out', out, ...ARGS]);
    expect(first.code, first.stderr).toBe(0);
    expect(reused(out)).toEqual([]);

    const now = await runCli(['analyze', '--dataset', dataset, '--out', out, ...ARGS]);
    expect(now.code, now.stderr).toBe(0);
    expect(reused(out), 'results of another version were reused').toEqual([]);

    const again = await runCli(['analyze', '--dataset', dataset, '--out', out, ...ARGS]);
    expect(again.code, again.stderr).toBe(0);
    const all = reused(out);
    console.log(all);
    for (const step of [
      'embeddings test clean',
      'embeddings test σ=0.5',
      'embeddings train clean',
      'prompts',
      'probe',
      'angles',
      'rips-global',
      'rips-classes',
      'distances',
    ])
      expect(all).toContain(step);
  }, 240_000);

  it('recomputes after a changed module at the same version', async () => {
    const out = join(tempDir(), 'report');
    const same = packageCopy(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    const first = await runCli(['analyze', '--dataset', dataset, '--out', out, ...ARGS]);
    expect(first.code, first.stderr).toBe(0);
    // As a fix to a kernel wrapper would: same version, other code.
    mkdirSync(join(same, 'dist', 'kernels'), { recursive: true });
    appendFileSync(join(same, 'dist', 'kernels', 'rips.js'), '\n// a change\n');
    const changed = await runFrom(same, ['analyze', '--dataset', dataset, '--out', out, ...ARGS]);
    expect(changed.code, changed.stderr).toBe(0);
    expect(reused(out)).toEqual([]);
  }, 240_000);
});
