import { writeAtomic } from '../io/atomic.js';

/** Writes to a file (atomically, creating its folder) or, without a path, to stdout. */
export async function writeOutput(path: string | undefined, text: string | Buffer): Promise<void> {
  if (path === undefined || path === '-') {
    process.stdout.write(text);
    return;
  }
  await writeAtomic(path, text, { mkdir: true });
}
