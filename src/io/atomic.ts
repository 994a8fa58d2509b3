/**
 * Atomic writes: the data goes to a temporary file beside the target, which is then renamed over it, so
 * a reader sees the old file or the new one, never half of one. A failed write removes its temporary file.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { InputError } from '../errors.js';

let counter = 0;

export async function writeAtomic(path: string, data: string | Uint8Array, options: { mkdir?: boolean } = {}): Promise<void> {
  // pid + time + a counter: two writes of one process in the same millisecond get different names.
  const tmp = `${path}.${process.pid}.${Date.now()}.${counter++}.tmp`;
  try {
    if (options.mkdir) await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new InputError(`${path}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_FILE');
  }
}
