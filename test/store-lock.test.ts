/**
 * The lock (issue 21, D1): an empty, garbage, own-pid or reused-pid lock never blocks a run for good; a
 * live owner is waited for with one line that says what to do, and the wait ends with one line.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';

import { afterEach, describe, expect, it } from 'vitest';

import { CancelledError } from '../src/errors.js';
import { LOCK_FORMAT, type LockRecord, LockTimeoutError, type LockWait, processStart, withLock } from '../src/store/lock.js';
import { ROOT, tempDir } from './helpers/cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves to fn's value, or rejects when it takes longer than `ms` (the old lock waited forever). */
async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timer = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timer]);
  } finally {
    clearTimeout(t);
  }
}

function record(over: Partial<LockRecord>): string {
  const base: LockRecord = {
    format: LOCK_FORMAT,
    pid: process.pid,
    token: 'someone-else',
    host: hostname(),
    boot: existsSync('/proc/sys/kernel/random/boot_id') ? readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() : null,
    pidns: null,
    start: processStart('self'),
    thread: threadId,
    since: new Date().toISOString(),
    what: 'a test',
  };
  return JSON.stringify({ ...base, ...over });
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid as number;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

function liveChild(): ChildProcess {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

async function take(path: string, opts: Parameters<typeof withLock>[2] = {}) {
  const waits: LockWait[] = [];
  const t0 = Date.now();
  const v = await within(
    10_000,
    withLock(path, async () => 'ran', { ...opts, onWait: (_pid, info) => waits.push(info) }),
  );
  return { v, waits, ms: Date.now() - t0 };
}

describe('withLock: stale locks', () => {
  it('a 0-byte lock written just now is taken over once it has not changed for the grace period, after one line saying what to do', async () => {
    const p = join(tempDir(), 'cache-entry');
    writeFileSync(`${p}.lock`, '');
    const { v, waits, ms } = await take(p, { graceMs: 500 });
    expect(v).toBe('ran');
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(waits).toHaveLength(1);
    expect(waits[0].message).toMatch(/cannot be read/);
    expect(waits[0].message).toContain(`delete ${p}.lock`);
    expect(waits[0].message).not.toMatch(/\n/);
    expect(existsSync(`${p}.lock`)).toBe(false);
  });

  it('an empty or garbage lock older than the grace period is taken over at once', async () => {
    for (const content of ['', '\0\0\0\0', 'not a lock\n', '{"format":"clip-topo/lock@1","pid":"x"}', '-5', '0']) {
      const p = join(tempDir(), 'entry');
      writeFileSync(`${p}.lock`, content);
      const old = new Date(Date.now() - 60_000);
      utimesSync(`${p}.lock`, old, old);
      const { v, ms } = await take(p);
      expect(v).toBe('ran');
      expect(ms, JSON.stringify(content)).toBeLessThan(2000);
    }
  });

  it('a lock naming our own pid (the bare pid older versions wrote, or ours under another token) is taken over at once', async () => {
    for (const content of [String(process.pid), `${process.pid}\n`, record({ token: 'an-earlier-process' })]) {
      const p = join(tempDir(), 'entry');
      writeFileSync(`${p}.lock`, content);
      const { v, ms, waits } = await take(p);
      expect(v).toBe('ran');
      expect(waits).toEqual([]);
      expect(ms).toBeLessThan(2000);
    }
  });

  it('a dead pid, a live pid started at another time (pid reuse) and a lock from before the last boot are taken over at once', async () => {
    const child = liveChild();
    // A bare pid (older versions) of a live process that is not node: the pid was reused.
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(sleeper);
    const locks = [record({ pid: deadPid() }), String(deadPid())];
    if (existsSync(`/proc/${sleeper.pid}/cmdline`)) locks.push(String(sleeper.pid));
    if (processStart(child.pid as number)) locks.push(record({ pid: child.pid, start: '1' }));
    if (existsSync('/proc/sys/kernel/random/boot_id')) locks.push(record({ pid: child.pid, boot: 'another-boot' }));
    for (const content of locks) {
      const p = join(tempDir(), 'entry');
      writeFileSync(`${p}.lock`, content);
      const { v, waits } = await take(p);
      expect(v, content).toBe('ran');
      expect(waits, content).toEqual([]);
    }
  });

  it('a lock whose owner cannot be checked (another host, a bare live pid) is taken over only after it has not been touched for maxAge', async () => {
    for (const content of [record({ host: 'elsewhere.example', pid: 1 }), String(liveChild().pid)]) {
      const p = join(tempDir(), 'entry');
      writeFileSync(`${p}.lock`, content);
      // The owner touches its lock for 800 ms, then stops (it died on its own host).
      let touching = true;
      const toucher = (async () => {
        const end = Date.now() + 800;
        while (Date.now() < end) {
          const t = new Date();
          utimesSync(`${p}.lock`, t, t);
          await sleep(50);
        }
        touching = false;
      })();
      let ranWhileTouched = false;
      const waits: LockWait[] = [];
      await within(
        10_000,
        withLock(
          p,
          async () => {
            ranWhileTouched = touching;
          },
          { maxAgeMs: 300, pollMs: 20, onWait: (_pid, w) => waits.push(w) },
        ),
      );
      await toucher;
      expect(ranWhileTouched, content).toBe(false);
      expect(waits[0].message).toMatch(/taken over if not refreshed for 1 s/);
    }
  });
});

describe('withLock: live owners', () => {
  it('waits for a live owner with one line (pid, since when, which file to delete), then stops with one line at the timeout', async () => {
    const child = liveChild();
    const start = processStart(child.pid as number);
    const p = join(tempDir(), 'entry');
    const since = '2030-01-02T03:04:05.000Z';
    // Without a start time (not Linux) the owner cannot be checked: still waited for within maxAge.
    writeFileSync(`${p}.lock`, record({ pid: child.pid, start, since }));
    const waits: LockWait[] = [];
    const t0 = Date.now();
    const err = await withLock(p, async () => 'ran', { timeoutMs: 600, what: 'the embedding folder X', onWait: (_pid, w) => waits.push(w) }).catch((e) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect(Date.now() - t0).toBeLessThan(3000);
    const msg = (err as Error).message;
    expect(msg).not.toMatch(/\n/);
    expect(msg).toContain(`waiting for the embedding folder X (held by pid ${child.pid} since ${since})`);
    expect(msg).toContain(`if no clip-topo run is active, delete ${p}.lock`);
    expect(waits).toHaveLength(1);
    expect(waits[0].message).toContain(`waiting for the embedding folder X held by pid ${child.pid} since ${since}`);
    expect(waits[0].pid).toBe(child.pid);
    expect(readFileSync(`${p}.lock`, 'utf8')).toContain(`"pid":${child.pid}`);
  });

  it('CLIP_TOPO_LOCK_TIMEOUT sets the default timeout; an abort ends the wait', async () => {
    const child = liveChild();
    const p = join(tempDir(), 'entry');
    writeFileSync(`${p}.lock`, record({ pid: child.pid, start: processStart(child.pid as number) }));
    process.env.CLIP_TOPO_LOCK_TIMEOUT = '0.3';
    try {
      await expect(
        within(
          5000,
          withLock(p, async () => 1, { onWait: () => undefined }),
        ),
      ).rejects.toThrow(LockTimeoutError);
    } finally {
      delete process.env.CLIP_TOPO_LOCK_TIMEOUT;
    }
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    await expect(
      within(
        5000,
        withLock(p, async () => 1, { signal: stop.signal, timeoutMs: 0, onWait: () => undefined }),
      ),
    ).rejects.toThrow(CancelledError);
  });

  it('holds a complete record while running, refreshes it, and removes only its own lock', async () => {
    const p = join(tempDir(), 'entry');
    await withLock(
      p,
      async () => {
        const rec = JSON.parse(readFileSync(`${p}.lock`, 'utf8')) as LockRecord;
        expect(rec.format).toBe(LOCK_FORMAT);
        expect(rec.pid).toBe(process.pid);
        expect(rec.token).toMatch(/^[0-9a-f]{24}$/);
        expect(rec.host).toBe(hostname());
        expect(rec.start).toBe(processStart('self'));
        const before = statSync(`${p}.lock`).mtimeMs;
        await sleep(250);
        expect(statSync(`${p}.lock`).mtimeMs).toBeGreaterThan(before);
      },
      { heartbeatMs: 50 },
    );
    expect(existsSync(`${p}.lock`)).toBe(false);
    // A lock that was taken over from us (we looked stale from another host) is left to its new owner.
    await withLock(p, async () => {
      writeFileSync(`${p}.lock`, record({ token: 'the-new-owner', host: 'elsewhere.example' }));
    });
    expect(readFileSync(`${p}.lock`, 'utf8')).toContain('the-new-owner');
  });

  it('calls in one process take turns', async () => {
    const p = join(tempDir(), 'entry');
    let inside = 0;
    let most = 0;
    const waits: LockWait[] = [];
    await within(
      10_000,
      Promise.all(
        Array.from({ length: 5 }, () =>
          withLock(
            p,
            async () => {
              most = Math.max(most, ++inside);
              await sleep(30);
              inside--;
            },
            { pollMs: 10, onWait: (_pid, w) => waits.push(w) },
          ),
        ),
      ),
    );
    expect(most).toBe(1);
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0].message).toContain('(this process)');
  });
});

describe('withLock across processes', () => {
  it('a waiter killed while waiting leaves no file behind; leftover temporaries of the lock are swept', async () => {
    const dir = tempDir();
    const p = join(dir, 'entry');
    const lockJs = pathToFileURL(join(ROOT, 'dist', 'store', 'lock.js')).href;
    await withLock(p, async () => {
      const waiter = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { withLock } = await import(${JSON.stringify(lockJs)}); await withLock(${JSON.stringify(p)}, async () => {}, { pollMs: 1 });`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      children.push(waiter);
      let said = '';
      waiter.stderr.on('data', (d) => {
        said += d;
      });
      await within(
        10_000,
        (async () => {
          while (!said.includes('waiting for')) await sleep(10);
        })(),
      );
      await sleep(200);
      waiter.kill('SIGKILL');
      await new Promise((r) => waiter.on('close', r));
      expect(readdirSync(dir).sort()).toEqual(['entry.lock']);
    });
    const leftover = `${p}.lock.${'ab'.repeat(12)}.tmp`;
    writeFileSync(leftover, '{}');
    const old = new Date(Date.now() - 120_000);
    utimesSync(leftover, old, old);
    writeFileSync(join(dir, 'entry.lock.notes.tmp'), 'not ours');
    await withLock(p, async () => undefined);
    expect(readdirSync(dir).sort()).toEqual(['entry.lock.notes.tmp']);
  });

  it('several processes that find one stale lock break it one at a time: exactly one holds it at any moment', async () => {
    const dir = tempDir();
    const p = join(dir, 'entry');
    const log = join(dir, 'log');
    writeFileSync(log, '');
    writeFileSync(`${p}.lock`, record({ pid: deadPid() }));
    const lockJs = pathToFileURL(join(ROOT, 'dist', 'store', 'lock.js')).href;
    const script = `
      import { appendFileSync } from 'node:fs';
      const { withLock } = await import(${JSON.stringify(lockJs)});
      for (let i = 0; i < 3; i++) {
        await withLock(${JSON.stringify(p)}, async () => {
          appendFileSync(${JSON.stringify(log)}, 'in ' + process.pid + '\\n');
          await new Promise((r) => setTimeout(r, 20));
          appendFileSync(${JSON.stringify(log)}, 'out ' + process.pid + '\\n');
        }, { pollMs: 5, onWait: () => {} });
      }`;
    const run = () =>
      new Promise<void>((resolve, reject) =>
        execFile(process.execPath, ['--input-type=module', '-e', script], (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve())),
      );
    await within(30_000, Promise.all([run(), run(), run(), run()]));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4 * 3 * 2);
    for (let i = 0; i < lines.length; i += 2) {
      expect(lines[i]).toMatch(/^in \d+$/);
      expect(lines[i + 1]).toBe(lines[i].replace('in', 'out'));
    }
    expect(existsSync(`${p}.lock`)).toBe(false);
  }, 40_000);
});
