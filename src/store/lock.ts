/**
 * A lock file, so two runs sharing a cache or an output folder take turns on it instead of interleaving:
 * the second waits, then finds the first one's finished work and reuses it.
 *
 * The lock cannot be half-written: its content goes to a temporary file that is then hard-linked into
 * place, which fails when a lock exists (exclusive, atomic). It names its owner so that a reused pid is not
 * mistaken for it: pid, a random token, the host, the boot and pid namespace, and the process start time
 * (Linux: /proc/<pid>/stat field 22). While held, the owner touches the file every few seconds.
 *
 * A lock is stale, and is taken over, when
 * - its owner ran on this machine and that pid is gone, was started at another time (a reused pid), is our
 *   own pid under another token (node as pid 1 in a restarted container), or ran before the last boot;
 * - its content cannot be read as a lock (empty, garbage) and has not changed for `graceMs`;
 * - its owner cannot be checked from here (another host or pid namespace, no start time, the pid-only
 *   lock of older versions) and the file has not been touched for `maxAgeMs` of our own watching (a pid-only
 *   lock whose pid now runs a program other than node is stale at once).
 * A waiting run says once what it waits for, who holds it since when and which file to delete if no run
 * is active; after `timeoutMs` it stops with one line.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';

import { CancelledError, ClipTopoError, InputError } from '../errors.js';
import { pidAlive } from '../io/atomic.js';
import { diskFull, faultPoint } from '../io/faults.js';

export const LOCK_FORMAT = 'clip-topo/lock@1';

/** The lock of an output folder: every run that writes into the folder holds it (embed, zeroshot, analyze). */
export const OUT_LOCK = '.clip-topo.lock';

/** What a lock file holds (one line of JSON). */
export interface LockRecord {
  format: typeof LOCK_FORMAT;
  pid: number;
  token: string;
  host: string;
  /** /proc/sys/kernel/random/boot_id; null where there is none. */
  boot: string | null;
  /** The pid namespace (/proc/self/ns/pid); null where there is none. */
  pidns: string | null;
  /** Process start time in clock ticks since boot (/proc/<pid>/stat field 22); null where unknown. */
  start: string | null;
  /** The worker thread (0: the main thread): threads share the pid but not the set of held tokens. */
  thread: number;
  since: string;
  what: string;
}

export interface LockWait {
  file: string;
  /** The holder's pid; null when the lock cannot be read. */
  pid: number | null;
  host: string | null;
  since: string | null;
  /** One line: what we wait for, who holds it, what to do. */
  message: string;
}

export interface LockOptions {
  signal?: AbortSignal;
  /** What the lock guards, for messages ("the embedding folder /x"); default: the lock file. */
  what?: string;
  /** Told once per holder while waiting; without it the message goes to stderr. */
  onWait?: (pid: number, info: LockWait) => void;
  /** Give up after this long (ms; 0 = never). Default: $CLIP_TOPO_LOCK_TIMEOUT seconds, else one hour. */
  timeoutMs?: number;
  /** An unreadable lock that does not change for this long is stale (default 10 s). */
  graceMs?: number;
  /** A lock whose owner cannot be checked and that is not touched for this long is stale (default 120 s). */
  maxAgeMs?: number;
  /** How often the owner touches its lock (default 15 s). */
  heartbeatMs?: number;
  /** How often a waiting run looks again (default 250 ms). */
  pollMs?: number;
}

export class LockTimeoutError extends ClipTopoError {
  constructor(message: string) {
    super(message, 'ERR_LOCK_TIMEOUT', 1);
    this.name = 'LockTimeoutError';
  }
}

const DEFAULTS = { graceMs: 10_000, maxAgeMs: 120_000, heartbeatMs: 15_000, pollMs: 250 };

function defaultTimeout(): number {
  const env = process.env.CLIP_TOPO_LOCK_TIMEOUT;
  const s = env === undefined || env.trim() === '' ? Number.NaN : Number(env);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 3_600_000;
}

function readOr<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/** Start time of a process in clock ticks since boot, from /proc (Linux); null elsewhere or when gone. */
export function processStart(pid: number | 'self'): string | null {
  return readOr(() => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: the fields after it start past the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = rest[22 - 3];
    return start && /^\d+$/.test(start) ? start : null;
  }, null);
}

/** The command line of a process (/proc/<pid>/cmdline, Linux); null where it cannot be read. */
function commandLine(pid: number): string | null {
  return readOr(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '), null);
}

let me: Omit<LockRecord, 'token' | 'since' | 'what'> | undefined;
function identity(): Omit<LockRecord, 'token' | 'since' | 'what'> {
  me ??= {
    format: LOCK_FORMAT,
    pid: process.pid,
    host: hostname(),
    boot: readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null, null),
    pidns: readOr(() => readlinkSync('/proc/self/ns/pid'), null),
    start: processStart('self'),
    thread: threadId,
  };
  return me;
}

/** Tokens of the locks this process holds now: our pid under another token is a dead earlier process. */
const held = new Set<string>();

function parse(raw: string): LockRecord | { legacyPid: number } | null {
  const t = raw.trim();
  if (/^\d+$/.test(t)) return Number(t) > 0 ? { legacyPid: Number(t) } : null;
  try {
    const r = JSON.parse(t) as LockRecord;
    if (r && r.format === LOCK_FORMAT && Number.isSafeInteger(r.pid) && r.pid > 0 && typeof r.token === 'string' && typeof r.host === 'string') return r;
  } catch {
    // garbage
  }
  return null;
}

type Verdict = { kind: 'live' } | { kind: 'stale'; reason: string } | { kind: 'unverifiable'; why: string } | { kind: 'unreadable' };

/** What the lock's content says about its owner, without regard to time. */
export function judge(rec: LockRecord | { legacyPid: number } | null): Verdict {
  const self = identity();
  if (rec === null) return { kind: 'unreadable' };
  if ('legacyPid' in rec) {
    // Older versions wrote a bare pid. Ours is never one of them; a dead pid is stale; a live one may be reused.
    if (rec.legacyPid === process.pid) return { kind: 'stale', reason: `it names our own pid ${process.pid}, left by an earlier process` };
    if (!pidAlive(rec.legacyPid)) return { kind: 'stale', reason: `its pid ${rec.legacyPid} is not running` };
    // Those versions ran only as node: a pid that now runs something else was reused.
    const cmd = commandLine(rec.legacyPid);
    if (cmd !== null && !/node|clip-topo/.test(cmd)) return { kind: 'stale', reason: `its pid ${rec.legacyPid} now runs another program` };
    return { kind: 'unverifiable', why: 'it holds only a pid, which may have been reused' };
  }
  if (rec.host !== self.host) return { kind: 'unverifiable', why: `it was taken on host ${rec.host}` };
  if (rec.boot && self.boot && rec.boot !== self.boot) return { kind: 'stale', reason: 'it was taken before the machine last booted' };
  if (rec.pidns && self.pidns && rec.pidns !== self.pidns) return { kind: 'unverifiable', why: 'it was taken in another pid namespace (container)' };
  if (rec.pid === process.pid && (rec.thread ?? 0) !== threadId) return { kind: 'unverifiable', why: 'it was taken by another thread of this process' };
  if (rec.pid === process.pid) {
    return held.has(rec.token)
      ? { kind: 'live' }
      : { kind: 'stale', reason: `it names our own pid ${process.pid} under another token, left by an earlier process` };
  }
  if (!pidAlive(rec.pid)) return { kind: 'stale', reason: `its pid ${rec.pid} is not running` };
  const start = rec.start ? processStart(rec.pid) : null;
  if (rec.start && start) {
    return start === rec.start ? { kind: 'live' } : { kind: 'stale', reason: `pid ${rec.pid} now belongs to another process (started at another time)` };
  }
  return { kind: 'unverifiable', why: 'the start time of its pid cannot be read here' };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

function time(iso: string | null): string {
  return iso ?? 'an unknown time';
}

interface Seen {
  raw: string;
  ino: number;
  mtimeMs: number;
}

/**
 * Removes `file` only if it is still the lock we judged stale (same inode and content): another waiter
 * may have taken it over and put its own lock in place meanwhile. Waiters break one at a time, under
 * `<file>.break`.
 */
async function breakStale(file: string, seen: Seen, graceMs: number): Promise<boolean> {
  const brk = `${file}.break`;
  try {
    await writeFile(brk, '', { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A breaker killed in these few milliseconds leaves its file behind; it is stale after the grace period.
    const st = await stat(brk).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > graceMs) await rm(brk, { force: true });
    return false;
  }
  try {
    const [st, raw] = await Promise.all([stat(file).catch(() => undefined), readFile(file, 'utf8').catch(() => undefined)]);
    if (st && st.ino === seen.ino && raw === seen.raw) await rm(file, { force: true });
    return true;
  } finally {
    await rm(brk, { force: true });
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * Creates the lock file with its whole content, or finds that one exists. The content goes to `tmp`, which
 * is hard-linked to `file` (atomic, fails if it exists) and removed: `tmp` lives only for that moment, so a
 * run killed while waiting leaves nothing behind. Where hard links are not supported, an exclusive create.
 */
async function create(file: string, tmp: string, content: string, linkable: boolean): Promise<'made' | 'exists' | 'no-links'> {
  try {
    if (linkable) {
      // Fault points (io/faults.ts): a full disk as the temporary is written, a kill before the link.
      try {
        if (faultPoint('write', tmp)) {
          await writeFile(tmp, '');
          throw diskFull('write', tmp);
        }
        await writeFile(tmp, content);
      } catch (err) {
        // A full disk leaves a partial temporary: it must not outlive this attempt.
        await rm(tmp, { force: true }).catch(() => undefined);
        throw err;
      }
      try {
        if (faultPoint('rename', file)) throw diskFull('link', file);
        await link(tmp, file);
      } finally {
        await rm(tmp, { force: true });
      }
    } else {
      const fh = await open(file, 'wx');
      try {
        await fh.writeFile(content);
      } finally {
        await fh.close();
      }
    }
    return 'made';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return 'exists';
    if (linkable && (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS')) return 'no-links';
    throw new InputError(`${file}: cannot take the lock (${code ?? (err as Error).message})`, 'ERR_FILE');
  }
}

/**
 * Removes the temporary files of waiters killed inside the few milliseconds around their link: at once
 * when the pid in the name is gone (or is ours, from before this process started), else after a minute
 * (a live waiter is between its write and its link for no longer). Names without a pid are an older version's.
 */
async function sweep(file: string): Promise<void> {
  const name = basename(file);
  const names = await readdir(dirname(file)).catch(() => [] as string[]);
  for (const n of names) {
    const m = n.startsWith(`${name}.`) ? /^\.(?:(\d+)-)?[0-9a-f]{24}\.tmp$/.exec(n.slice(name.length)) : null;
    if (!m) continue;
    const p = join(dirname(file), n);
    const st = await stat(p).catch(() => undefined);
    if (!st) continue;
    const pid = m[1] === undefined ? undefined : Number(m[1]);
    const gone = pid !== undefined && (pid === process.pid ? st.mtimeMs < performance.timeOrigin : !pidAlive(pid));
    if (gone || Date.now() - st.mtimeMs > 60_000) await rm(p, { force: true });
  }
}

/** Runs `fn` holding the lock `<path>.lock` (see the module comment). */
export async function withLock<T>(path: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  return withLockFile(`${path}.lock`, fn, opts);
}

/** Runs `fn` holding the lock file `file`. */
export async function withLockFile<T>(file: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const graceMs = opts.graceMs ?? DEFAULTS.graceMs;
  const maxAgeMs = opts.maxAgeMs ?? DEFAULTS.maxAgeMs;
  const pollMs = opts.pollMs ?? DEFAULTS.pollMs;
  const timeoutMs = opts.timeoutMs ?? defaultTimeout();
  const what = opts.what ?? `the lock ${file}`;
  const token = randomBytes(12).toString('hex');
  const rec: LockRecord = { ...identity(), token, since: new Date().toISOString(), what };
  // The pid lets the next run remove the file at once if this one dies between writing and linking it.
  const tmp = `${file}.${process.pid}-${token}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
  } catch (err) {
    throw new InputError(`${dirname(file)}: cannot create (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_FILE');
  }
  const t0 = performance.now();
  let told: string | undefined;
  let lastWait: LockWait | undefined;
  // The file as we last saw it, and since when (our monotonic clock) it has been unchanged.
  let seen: Seen | undefined;
  let seenSince = 0;
  // Ours from before the link: a waiter of this process that reads the new lock must see it as live.
  held.add(token);
  let acquired = false;
  try {
    let linkable = true;
    for (;;) {
      if (opts.signal?.aborted) throw new CancelledError('cancelled while waiting for another run');
      // Try only when there is no lock: a waiter writes nothing while it waits.
      if (!(await exists(file))) {
        const made = await create(file, tmp, `${JSON.stringify(rec)}\n`, linkable);
        if (made === 'no-links') {
          linkable = false;
          continue;
        }
        if (made === 'made') {
          acquired = true;
          break;
        }
      }
      const [st, raw] = await Promise.all([stat(file).catch(() => undefined), readFile(file, 'utf8').catch(() => undefined)]);
      if (!st || raw === undefined) continue; // released this instant
      const now = performance.now();
      if (!seen || seen.ino !== st.ino || seen.mtimeMs !== st.mtimeMs || seen.raw !== raw) {
        seen = { raw, ino: st.ino, mtimeMs: st.mtimeMs };
        seenSince = now;
      }
      const unchanged = now - seenSince;
      const owner = parse(raw);
      const verdict = judge(owner);
      let stale = verdict.kind === 'stale';
      if (verdict.kind === 'unreadable') stale = Math.max(unchanged, Date.now() - st.mtimeMs) >= graceMs;
      if (verdict.kind === 'unverifiable') stale = unchanged >= maxAgeMs;
      if (stale) {
        // Another waiter breaking it at the same time: give it a moment.
        if (!(await breakStale(file, seen, graceMs))) await sleep(20, opts.signal);
        continue;
      }
      const pid = owner === null ? null : 'legacyPid' in owner ? owner.legacyPid : owner.pid;
      const host = owner && 'host' in owner ? owner.host : null;
      const since = owner && 'since' in owner ? owner.since : new Date(st.mtimeMs).toISOString();
      const tail = `if no clip-topo run is active, delete ${file}`;
      let message: string;
      if (verdict.kind === 'unreadable') {
        message = `waiting for ${what}: its lock ${file} cannot be read (empty or garbage); taking it over in ${Math.ceil(graceMs / 1000)} s unless it changes; ${tail}`;
      } else {
        const by = `pid ${pid}${host && host !== identity().host ? ` on ${host}` : ''}${pid === process.pid ? ' (this process)' : ''}`;
        const note = verdict.kind === 'unverifiable' ? ` (${verdict.why}; taken over if not refreshed for ${Math.ceil(maxAgeMs / 1000)} s)` : '';
        message = `waiting for ${what} held by ${by} since ${time(since)}${note}; ${tail}`;
      }
      lastWait = { file, pid, host, since, message };
      if (told !== raw) {
        told = raw;
        if (opts.onWait) opts.onWait(pid ?? 0, lastWait);
        else process.stderr.write(`clip-topo: ${message}\n`);
      }
      if (timeoutMs > 0 && now - t0 >= timeoutMs) {
        const holder = lastWait.pid === null ? `its lock ${file} cannot be read` : `held by pid ${lastWait.pid} since ${time(lastWait.since)}`;
        throw new LockTimeoutError(`gave up after ${Math.round(timeoutMs / 1000)} s waiting for ${what} (${holder}); ${tail}`);
      }
      await sleep(Math.min(pollMs, timeoutMs > 0 ? Math.max(1, t0 + timeoutMs - now) : pollMs), opts.signal);
    }
  } finally {
    if (!acquired) held.delete(token);
  }
  await sweep(file).catch(() => undefined);
  const beat = setInterval(() => {
    const t = new Date();
    utimes(file, t, t).catch(() => undefined);
  }, opts.heartbeatMs ?? DEFAULTS.heartbeatMs);
  beat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(beat);
    held.delete(token);
    // Only our own lock: one taken over from us (we looked stale from another host) stays.
    const raw = await readFile(file, 'utf8').catch(() => '');
    const owner = parse(raw);
    if (owner && 'token' in owner && owner.token === token && !faultPoint('remove', file)) await rm(file, { force: true });
  }
}
