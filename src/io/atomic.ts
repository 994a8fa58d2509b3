/**
 * Atomic writes: the data goes to a temporary file beside the target, flushed to the disk, then renamed
 * over it, so a reader sees the old file or the new one, never half of one, and after a power cut a name
 * never points at data that was not yet on the disk. A failed write removes its temporary file; the
 * temporaries of runs that died before they could (a kill, a crash) are swept by `sweepTemps`.
 */
import { open, readdir, rename, rm, stat, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { InputError } from '../errors.js';
import { diskFull, faultPoint } from './faults.js';

let counter = 0;

/** Temporary files of writeAtomic: `<name>.<pid>.<ms>.<n>.tmp`. */
const TEMP = /\.(\d+)\.(\d+)\.(\d+)\.tmp$/;

/** The errno code of a failed fs call (ENOSPC, EACCES, …), else its message. */
export function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}

/** Writes data to path (not atomically) and flushes it; a full disk leaves what fitted, as the OS would. */
async function writeFlushed(path: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const full = faultPoint('write', path);
  const fh = await open(path, 'w');
  try {
    if (full) {
      await fh.write(bytes.subarray(0, bytes.length >> 1));
      throw diskFull('write', path);
    }
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export async function writeAtomic(path: string, data: string | Uint8Array, options: { mkdir?: boolean } = {}): Promise<void> {
  // pid + time + a counter: two writes of one process in the same millisecond get different names.
  const tmp = `${path}.${process.pid}.${Date.now()}.${counter++}.tmp`;
  try {
    if (options.mkdir) await mkdir(dirname(path), { recursive: true });
    await writeFlushed(tmp, data);
    if (faultPoint('rename', path)) throw diskFull('rename', path);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw new InputError(`${path}: cannot write (${errorCode(err)}); free space or fix permissions there, then run again (finished work is kept)`, 'ERR_FILE', {
      cause: err,
    });
  }
}

/** A plain write for files inside a folder that is itself renamed into place when complete; errors are one line. */
export async function writeChecked(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeFlushed(path, data);
  } catch (err) {
    throw new InputError(`${path}: cannot write (${errorCode(err)}); free space or fix permissions there, then run again`, 'ERR_FILE', { cause: err });
  }
}

/** Removes a file the tool wrote (a fault point for the suite); a missing file is fine. */
export async function removeFile(path: string): Promise<void> {
  try {
    if (faultPoint('remove', path)) throw diskFull('unlink', path);
    await rm(path, { force: true });
  } catch (err) {
    throw new InputError(`${path}: cannot remove (${errorCode(err)}); fix the folder's permissions or choose another --out`, 'ERR_FILE', { cause: err });
  }
}

/** Whether a process with this pid runs (EPERM: it does, as another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes writeAtomic's temporary files in `dir` left by runs that are gone: their pid is not running, or
 * they are older than a day (a pid reused by another process must not keep them forever). Temporaries of
 * live runs, and every other file, are left alone. Returns the names removed.
 */
export async function sweepTemps(dir: string, now = Date.now()): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    const path = join(dir, name);
    const old = await stat(path).then(
      (s) => now - s.mtimeMs > 86_400_000,
      () => false,
    );
    // Our own pid: a temporary named before this process started is a dead run's (containers reuse pid 1).
    if (pid === process.pid ? Number(m[2]) >= Math.floor(performance.timeOrigin) : pidAlive(pid) && !old) continue;
    await rm(path, { force: true }).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}
