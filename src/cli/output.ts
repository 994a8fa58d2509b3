import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import { InputError } from '../errors.js';

/** Writes to a file (atomically: temp file then rename) or, without a path, to stdout. */
export async function writeOutput(path: string | undefined, text: string | Buffer): Promise<void> {
  if (path === undefined || path === '-') {
    process.stdout.write(text);
    return;
  }
  try {
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (err) {
    throw new InputError(`${path}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_FILE');
  }
}
