/**
 * Output folders named on the command line, made before any work so a bad `--out` costs nothing: one line
 * when the path is a file, sits under a file, or cannot be created. The folders are made one level at a
 * time because Node's recursive mkdir never returns on a parent that refuses children with ENOENT (e.g.
 * a path under /proc).
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import { InputError } from '../errors.js';

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'no space left on the device (ENOSPC)';
  return code ?? (err as Error).message;
}

/** Makes `path` (and missing parents) a folder; `flag` names the option it came from, for the message. */
export async function makeOutputFolder(path: string, flag = '--out'): Promise<void> {
  const full = resolve(path);
  const missing: string[] = [];
  let p = full;
  for (;;) {
    const st = await stat(p).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
      throw new InputError(`${flag} ${path}: cannot look at ${p} (${reason(err)}); choose another folder`, 'ERR_FILE', { cause: err });
    });
    if (st) {
      if (!st.isDirectory()) {
        const where = p === full ? 'is a file' : `lies under the file ${p}`;
        throw new InputError(`${flag} ${path} ${where}, not a folder; give a folder to write into`, 'ERR_FILE');
      }
      break;
    }
    missing.push(p);
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await stat(dir)).isDirectory()) continue; // made meanwhile by another run
      throw new InputError(`${flag} ${path}: cannot create the folder ${dir} (${reason(err)}); choose another folder`, 'ERR_FILE', { cause: err });
    }
  }
}
