/**
 * The suites test what src/ says now: many of them run the compiled CLI (dist/) and the addon (native/),
 * so `npm test` builds both before any suite runs. These checks fail when that build did not happen or
 * did not finish — a dist/ module older than its source, a source without a module, a stale addon — and
 * when the preparation worker is missing, which must be an error rather than a silent inline fallback.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';

import { BatchPreparer, PREPARE_WORKER } from '../src/clip/prepare.js';
import { ROOT } from './helpers/cli.js';

function files(dir: string, keep: (p: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'target' || e.name === 'fuzz' ? [] : files(p, keep);
    return keep(p) ? [p] : [];
  });
}

const mtime = (p: string) => statSync(p).mtimeMs;

describe('the build the suites run against', () => {
  it('has a dist/ module for every source, none older than its source, and none without one', () => {
    const src = files(join(ROOT, 'src'), (p) => p.endsWith('.ts'));
    const stale: string[] = [];
    for (const f of src) {
      const out = join(ROOT, 'dist', relative(join(ROOT, 'src'), f)).replace(/\.ts$/, '.js');
      if (!existsSync(out)) stale.push(`${relative(ROOT, out)} missing`);
      else if (mtime(out) < mtime(f)) stale.push(`${relative(ROOT, out)} older than ${relative(ROOT, f)}`);
    }
    const orphans = files(join(ROOT, 'dist'), (p) => p.endsWith('.js'))
      .map((p) => relative(join(ROOT, 'dist'), p).replace(/\.js$/, '.ts'))
      .filter((p) => !existsSync(join(ROOT, 'src', p)));
    expect(stale, 'run `npm run build` (npm test does it first)').toEqual([]);
    expect(orphans, 'dist/ holds modules whose source is gone: build:ts starts from an empty dist/').toEqual([]);
  });

  it('has an addon no older than any Rust source it is built from', () => {
    const addon = readdirSync(join(ROOT, 'native')).filter((f) => f.endsWith('.node'));
    expect(addon.length, 'no native/*.node: run `npm run build`').toBeGreaterThan(0);
    const built = Math.min(...addon.map((f) => mtime(join(ROOT, 'native', f))));
    const sources = files(join(ROOT, 'crates'), (p) => /\.(rs|toml|c|h)$/.test(p) && !p.includes(`${join('crates', 'core', 'tests')}`));
    const newer = sources.filter((p) => mtime(p) > built).map((p) => relative(ROOT, p));
    expect(newer, 'the addon is older than these sources: run `npm run build`').toEqual([]);
  });

  it('finds the preparation worker and starts it', async () => {
    expect(existsSync(PREPARE_WORKER)).toBe(true);
    const prev = process.env.CLIP_TOPO_PREPARE_INLINE;
    delete process.env.CLIP_TOPO_PREPARE_INLINE;
    try {
      const p = new BatchPreparer([], { size: 224, mean: [0, 0, 0], std: [1, 1, 1] } as never);
      expect(p.threads).toBeGreaterThan(0);
      await p.close();
      // A missing worker file is an error naming it, not a silent switch to the main thread.
      expect(
        () => new BatchPreparer([], { size: 224, mean: [0, 0, 0], std: [1, 1, 1] } as never, undefined, { workerFile: join(ROOT, 'dist', 'gone.js') }),
      ).toThrow(/preparation worker .*gone\.js is missing/);
    } finally {
      if (prev !== undefined) process.env.CLIP_TOPO_PREPARE_INLINE = prev;
    }
  });
});
