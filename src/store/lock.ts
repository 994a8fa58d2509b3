/**
 * A lock file beside a cache entry, so two runs sharing a cache take turns on it instead of
 * interleaving: the second waits, then finds the first one's finished work and reuses it.
 * The lock holds the owner's pid; a lock whose process is gone is stale and is taken over.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

import { CancelledError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function withLock<T>(path: string, fn: () => Promise<T>, opts: { signal?: AbortSignal; onWait?: (pid: number) => void } = {}): Promise<T> {
  const lock = `${path}.lock`;
  let told = false;
  await mkdir(dirname(lock), { recursive: true });
  for (;;) {
    if (opts.signal?.aborted) throw new CancelledError('cancelled while waiting for another run');
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
    // An empty file is a lock being written this instant; only a dead owner makes it stale.
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) {
      await rm(lock, { force: true });
      continue;
    }
    if (!told && pid > 0) {
      opts.onWait?.(pid);
      told = true;
    }
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}
