/**
 * The fault suite (issue 21): through the real CLI, every point where `embed` changes the disk, and a
 * spread of `analyze`'s, is killed (SIGKILL, as a crash or a power cut of the process would) or failed as
 * a full disk fails (ENOSPC, the write half done), with the hook in src/io/faults.ts. Every case must end in
 * one of two ways: a plain rerun resumes to byte-identical outputs, or the run stops with one clear line.
 * Never a hang (each run has a timeout), never wrong data reused (the folders start out holding a finished
 * run of other settings), never a file the tool did not create removed (the folders hold the user's own).
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { sha256Hex } from '../src/io/hash.js';
import { synthSet } from './helpers/synth-set.js';
import { BIN, ROOT, tempDir } from './helpers/cli.js';

const TINY = join(ROOT, 'models', 'tiny-random');

interface Run {
  code: number | null;
  signal: string | null;
  stderr: string;
  timedOut: boolean;
}

/** The built CLI with a fault plan (or none); a run that outlives `ms` counts as a hang. */
function run(args: string[], fault?: string, ms = 90_000): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, CLIP_TOPO_LOCK_TIMEOUT: '60' };
  delete env.CLIP_TOPO_FAULT;
  if (fault) env.CLIP_TOPO_FAULT = fault;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env, timeout: ms, killSignal: 'SIGKILL', maxBuffer: 64 << 20 }, (err, _out, stderr) => {
      const e = err as (NodeJS.ErrnoException & { signal?: string; killed?: boolean }) | null;
      resolve({
        code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
        signal: e?.signal ?? null,
        stderr,
        timedOut: !!e?.killed && e.signal === 'SIGKILL' && !fault?.endsWith(':kill'),
      });
    });
  });
}

/** Every file under dir (relative path → sha256), files named in `skip` left out. */
function snapshot(dir: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (skip(rel)) continue;
      if (e.isDirectory()) walk(p);
      else out[rel] = sha256Hex(readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** The fault points a run passes, in order ("write path" lines), from CLIP_TOPO_FAULT=log:FILE. */
async function points(args: string[], log: string): Promise<{ op: string; path: string }[]> {
  const r = await run(args, `log:${log}`);
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => ({ op: l.slice(0, l.indexOf(' ')), path: l.slice(l.indexOf(' ') + 1) }));
}

/** The n-th (1-based) point of each kind, as CLIP_TOPO_FAULT names it. */
function plans(pts: { op: string; path: string }[]): { plan: string; path: string }[] {
  const seen: Record<string, number> = {};
  return pts.map((p) => {
    seen[p.op] = (seen[p.op] ?? 0) + 1;
    return { plan: `${p.op}:${seen[p.op]}`, path: p.path };
  });
}

/** A failed run's stderr: exactly one error line, the tool's own wording, no stack trace. */
function expectOneLine(r: Run, what: RegExp) {
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('clip-topo: '));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(what);
  expect(errors[0]).not.toMatch(/internal error/);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

/** The output folder's lock file, or a temporary a run was writing it to. */
const isLock = (rel: string) => rel === '.clip-topo.lock' || /^\.clip-topo\.lock\.[^/]*\.tmp$/.test(rel);

/** Files a finished run never leaves; `kept` allows the batches a failed run keeps for the next one. */
function leftovers(dir: string, kept = false): string[] {
  return Object.keys(snapshot(dir)).filter((f) => (kept ? /\.tmp$|\.lock$|\.break$/ : /\.tmp$|\.lock$|\.break$|\.clip-topo-parts/).test(f));
}

let data: string;

beforeAll(async () => {
  // Two test images per class: the least a class needs for principal angles (centring leaves one direction).
  data = await synthSet({ prefix: 'clip-topo-faults-data-', classes: ['banded', 'dotted', 'grid', 'striped'], perClass: 6, size: 48, seed: 5 });
}, 60_000);

describe('embed: killed or out of space at every point it changes the disk', () => {
  const args = (out: string, ...more: string[]) => ['embed', '--dataset', data, '--model', TINY, '--out', out, '--batch-size', '4', '--threads', '1', ...more];
  let ref: Record<string, string>;
  let seeded: string;
  let pts: { plan: string; path: string }[];

  /** A folder holding a finished σ=1 run (other key: D2) and the user's own files (D4), copied fresh per case. */
  function start(): string {
    const dir = join(tempDir('clip-topo-faults-'), 'out');
    cpSync(seeded, dir, { recursive: true });
    return dir;
  }
  const user = (rel: string) => !/^(embeddings\.npy|labels\.npy|manifest\.json)$/.test(rel);

  beforeAll(async () => {
    const refDir = join(tempDir(), 'ref');
    expect((await run(args(refDir))).code).toBe(0);
    ref = snapshot(refDir);
    seeded = join(tempDir(), 'seeded');
    mkdirSync(join(seeded, 'parts'), { recursive: true });
    writeFileSync(join(seeded, 'parts', 'mine.txt'), 'the user made this\n');
    writeFileSync(join(seeded, 'notes.tmp'), 'a user file that merely looks temporary\n');
    const noisy = await run(args(seeded, '--noise', '1'));
    expect(noisy.code, noisy.stderr).toBe(0);
    // Step points change nothing on disk (the chain test below uses them): not a write to kill or fill.
    pts = plans(await points(args(start()), join(tempDir(), 'points.log'))).filter((p) => !p.plan.startsWith('step:'));
  }, 120_000);

  it('passes every kind of point: batch writes and renames, the commit, the lock', () => {
    const kinds = new Set(pts.map((p) => p.plan.split(':')[0]));
    expect([...kinds].sort()).toEqual(['remove', 'rename', 'write']);
    expect(pts.some((p) => p.path.endsWith('manifest.json'))).toBe(true);
    expect(pts.some((p) => p.path.includes('.clip-topo-parts'))).toBe(true);
    expect(pts.some((p) => p.path.endsWith('.clip-topo.lock'))).toBe(true);
  });

  it('a kill at any point resumes to the uninterrupted run, byte for byte, and keeps the user files', async () => {
    for (const p of pts) {
      const dir = start();
      const before = snapshot(dir, (rel) => !user(rel));
      const killed = await run(args(dir), `${p.plan}:kill`);
      expect(killed.signal, `${p.plan} ${p.path}: ${killed.stderr}`).toBe('SIGKILL');
      const again = await run(args(dir));
      expect(again.code, `${p.plan} ${p.path}: ${again.stderr}`).toBe(0);
      expect(snapshot(dir, user), `${p.plan} ${p.path}`).toEqual(ref);
      expect(
        snapshot(dir, (rel) => !user(rel)),
        `${p.plan}: user files`,
      ).toEqual(before);
      expect(
        leftovers(dir).filter((f) => f !== 'notes.tmp'),
        p.plan,
      ).toEqual([]);
    }
  }, 600_000);

  it('a full disk at any write or commit stops with one line, leaves no temporaries, and a rerun completes', async () => {
    for (const p of pts.filter((q) => !q.plan.startsWith('remove'))) {
      const dir = start();
      const full = await run(args(dir), `${p.plan}:enospc`);
      expect(full.timedOut, p.plan).toBe(false);
      expect(full.code, `${p.plan} ${p.path}: ${full.stderr}`).toBe(1);
      expectOneLine(full, /ENOSPC/);
      expect(
        leftovers(dir, true).filter((f) => f !== 'notes.tmp'),
        p.plan,
      ).toEqual([]);
      // What the folder holds is one run's: no manifest (nothing trusted), or the σ=1 run's untouched.
      const again = await run(args(dir));
      expect(again.code, `${p.plan}: ${again.stderr}`).toBe(0);
      expect(snapshot(dir, user), p.plan).toEqual(ref);
    }
  }, 600_000);
});

describe('analyze: a rerun with other settings, killed or out of space while it writes', () => {
  const args = (out: string, seed: number) => [
    'analyze',
    '--dataset',
    data,
    '--model',
    TINY,
    '--out',
    out,
    '--rips-points',
    '8',
    '--sample-classes',
    '2',
    '--noise',
    '1',
    '--threads',
    '1',
    '--seed',
    String(seed),
  ];
  /** metrics.json, report.html and two tables carry timings, dates and what was reused; all else must be equal byte for byte. */
  const volatile = (rel: string) => ['metrics.json', 'report.html', 'tables/timings.csv', 'tables/cache_reused.csv'].includes(rel);
  const stableMetrics = (dir: string) => {
    const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
    for (const k of ['created', 'timings', 'cache']) delete m[k];
    delete m.inputs.out;
    delete m.inputs.cache;
    return m;
  };
  let ref: Record<string, string>;
  let refMetrics: unknown;
  let old: string;
  let pts: { plan: string; path: string }[];

  beforeAll(async () => {
    const refDir = join(tempDir(), 'ref');
    expect((await run(args(refDir, 2))).code).toBe(0);
    ref = snapshot(refDir, (rel) => volatile(rel) || rel.startsWith('cache'));
    refMetrics = stableMetrics(refDir);
    old = join(tempDir(), 'old');
    expect((await run(args(old, 1))).code).toBe(0);
    const dir = join(tempDir(), 'probe');
    cpSync(old, dir, { recursive: true });
    pts = plans(await points(args(dir, 2), join(tempDir(), 'points.log')));
  }, 300_000);

  /**
   * The points that commit the output folder (for each kind of file there, its first write, rename and
   * removal), and four spread over the steps before it (locks, the embedding batches, the step cache).
   */
  function chosen(): { plan: string; path: string }[] {
    const firstOut = pts.findIndex((p) => p.path.endsWith('report.html') || p.path.includes('/embeddings/test_'));
    const early = pts
      .slice(0, firstOut)
      .filter((p) => !p.plan.startsWith('step:'))
      .filter((_, i, a) => i % Math.max(1, Math.floor(a.length / 4)) === 0);
    const kinds = [/\/report\.html$/, /\/metrics\.json$/, /\/embeddings\/test_clean\.npy$/, /\/tables\//, /\/maps\//, /\/diagrams\//];
    const late = pts.slice(firstOut);
    const picked = kinds.flatMap((k) => ['write', 'rename', 'remove'].flatMap((op) => late.find((p) => p.plan.startsWith(`${op}:`) && k.test(p.path)) ?? []));
    return [...early, ...picked];
  }

  it('a kill leaves the old complete set or no report.html, and a rerun gives the new set byte for byte', async () => {
    const oldFiles = snapshot(old, (rel) => rel.startsWith('cache'));
    const cases = chosen();
    expect(cases.some((p) => p.path.endsWith('report.html'))).toBe(true);
    for (const p of cases) {
      const dir = join(tempDir('clip-topo-faults-'), 'out');
      cpSync(old, dir, { recursive: true });
      const killed = await run(args(dir, 2), `${p.plan}:kill`);
      expect(killed.signal, `${p.plan} ${p.path}: ${killed.stderr}`).toBe('SIGKILL');
      // The dead run's lock (or the temporary it was writing the lock to) may stay: the next run takes it
      // over or sweeps it; it holds no results.
      const now = snapshot(dir, (rel) => rel.startsWith('cache') || isLock(rel));
      // Complete-looking (a report.html) means: wholly the old run's.
      if (existsSync(join(dir, 'report.html'))) expect(now, `${p.plan}: a report.html beside files of another run`).toEqual(oldFiles);
      const again = await run(args(dir, 2));
      expect(again.code, `${p.plan}: ${again.stderr}`).toBe(0);
      expect(
        snapshot(dir, (rel) => volatile(rel) || rel.startsWith('cache')),
        p.plan,
      ).toEqual(ref);
      expect(stableMetrics(dir), p.plan).toEqual(refMetrics);
      expect(leftovers(dir), p.plan).toEqual([]);
    }
  }, 900_000);

  it('killed in the middle of every step and right after it, in one chain of reruns, it ends with the uninterrupted run byte for byte', async () => {
    // A chain of kills, not one: each run resumes what the dead ones left. For every step in turn (an
    // embedding set, a cached step, the data files) one run dies half-way through it and the next right after
    // its commit, so every boundary, and the inside of every step, is crossed by a resumed run. Starts from
    // the other settings' folder, as a user rerunning into it would.
    const dir = join(tempDir('clip-topo-faults-chain-'), 'out');
    cpSync(old, dir, { recursive: true });
    const killedAt: string[] = [];
    const where = () => killedAt.join('\n');
    for (let link = 0; ; link++) {
      expect(link, where()).toBeLessThan(40);
      // The points the next run passes, from a logged run on a copy (runs are deterministic).
      const probe = join(tempDir(), `chain-probe-${link}`);
      cpSync(dir, probe, { recursive: true });
      const pts = plans(await points(args(probe, 2), join(tempDir(), `chain-${link}.log`)));
      const first = pts.findIndex((p) => p.plan.startsWith('step:'));
      expect(first, 'a run that crosses no step boundary').toBeGreaterThanOrEqual(0);
      const here = join(dir, relative(probe, pts[first].path));
      // The writes of the step the next run starts with (after the output folder's lock is taken, the
      // locks are re-taken each run and are covered above).
      const inside = pts.slice(0, first).filter((p) => !p.plan.startsWith('step:') && !p.path.includes('.lock'));
      if (inside.length > 0) {
        const mid = inside[Math.floor(inside.length / 2)];
        const r = await run(args(dir, 2), `${mid.plan}:kill`);
        killedAt.push(`inside, at ${mid.plan} ${relative(probe, mid.path)}`);
        expect(r.signal, `${where()}: ${r.stderr}`).toBe('SIGKILL');
      }
      const r = await run(args(dir, 2), 'step:1:kill');
      killedAt.push(`after ${relative(probe, pts[first].path) || 'the data files'}`);
      expect(r.signal, `${where()}: ${r.stderr}`).toBe('SIGKILL');
      // That run got exactly to the boundary the probe named: its unit is committed.
      expect(existsSync(here), where()).toBe(true);
      if (here === dir) break;
    }
    const last = await run(args(dir, 2));
    expect(last.code, last.stderr).toBe(0);
    // The embedding sets (clean, σ = 1, train), prompts, probe, maps, angles, Rips (split, classes),
    // distances, paired measures and the data files are each a boundary.
    expect(killedAt.filter((k) => k.startsWith('after')).length, where()).toBeGreaterThanOrEqual(12);
    expect(
      snapshot(dir, (rel) => volatile(rel) || rel.startsWith('cache')),
      where(),
    ).toEqual(ref);
    expect(stableMetrics(dir), where()).toEqual(refMetrics);
    expect(leftovers(dir), where()).toEqual([]);
  }, 900_000);

  it('a full disk while writing the folder stops with one line, no temporaries, and no report.html unless the old run is untouched', async () => {
    const oldFiles = snapshot(old, (rel) => rel.startsWith('cache'));
    const cases = chosen().filter((p) => !p.plan.startsWith('remove') && !p.path.includes('/cache/'));
    expect(cases.length).toBeGreaterThan(2);
    for (const p of cases) {
      const dir = join(tempDir('clip-topo-faults-'), 'out');
      cpSync(old, dir, { recursive: true });
      const full = await run(args(dir, 2), `${p.plan}:enospc`);
      expect(full.code, `${p.plan} ${p.path}: ${full.stderr}`).toBe(1);
      expectOneLine(full, /ENOSPC/);
      // A disk full before the run took the folder (its lock) leaves the old complete set as it was;
      // once it has started writing, there is no report.html until the new set is whole.
      if (existsSync(join(dir, 'report.html')))
        expect(
          snapshot(dir, (rel) => rel.startsWith('cache')),
          `${p.plan}: a report.html beside files of another run`,
        ).toEqual(oldFiles);
      expect(leftovers(dir), p.plan).toEqual([]);
    }
  }, 600_000);
});

describe('the default synthetic set on a full disk (D7)', () => {
  it('stops with one line and leaves no temporary folder, also after a run killed while making it', async () => {
    const out = join(tempDir(), 'out');
    const base = ['analyze', '--model', TINY, '--out', out, '--threads', '1'];
    const killed = await run(base, 'write:6:kill');
    expect(killed.signal).toBe('SIGKILL');
    const cache = join(out, 'cache');
    const temps = () => readdirSync(cache).filter((n) => n.includes('.tmp-'));
    expect(temps()).toHaveLength(1);
    const full = await run(base, 'write:6:enospc');
    expect(full.code, full.stderr).toBe(1);
    expectOneLine(full, /^clip-topo: \S+cache: cannot make the synthetic dataset there \(ENOSPC\); free space there or choose another --out$/);
    expect(temps()).toEqual([]);
    expect(statSync(cache).isDirectory()).toBe(true);
  }, 120_000);
});
