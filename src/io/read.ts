/**
 * Reading an input file whole. A FIFO waits for a writer for ever and a device such as /dev/zero never
 * ends, so what is not a regular file (or a folder, which gives its own EISDIR) is refused before the read.
 */
import { readFile, stat } from 'node:fs/promises';

import { InputError } from '../errors.js';
import { diskPath, shownPath } from './rawpath.js';

export async function readInput(path: string): Promise<Buffer>;
export async function readInput(path: string, encoding: 'utf8'): Promise<string>;
export async function readInput(path: string, encoding?: 'utf8'): Promise<Buffer | string> {
  const where = diskPath(path);
  try {
    const st = await stat(where);
    if (!st.isFile() && !st.isDirectory()) throw new InputError(`${shownPath(path)}: not a regular file (a device, pipe or socket); give a file`, 'ERR_FILE');
    return encoding ? await readFile(where, encoding) : await readFile(where);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${shownPath(path)}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_FILE', { cause: err });
  }
}
