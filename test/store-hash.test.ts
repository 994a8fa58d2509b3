import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { mapLimit } from '../src/concurrency.js';
import { hashFiles } from '../src/io/hash.js';
import { ROOT, tempDir } from './helpers/cli.js';

describe('hashFiles', () => {
  // `ulimit` is a POSIX shell builtin (the child runs under bash); Windows has no such per-process limit to lower.
  it.skipIf(process.platform === 'win32')('hashes thousands of files under a low open-file limit (macOS default: 256) without losing any', () => {
    const dir = tempDir();
    const paths = Array.from({ length: 1500 }, (_, i) => join(dir, `img${i}.jpg`));
    paths.forEach((p, i) => writeFileSync(p, `image ${i}`));
    // A child process, so that its descriptor limit can be lowered (the compiled module, as the CLI runs it).
    const script = `import { hashFiles } from ${JSON.stringify(join(ROOT, 'dist', 'io', 'hash.js'))};
      const paths = JSON.parse(process.argv[1]);
      process.stdout.write(JSON.stringify(await hashFiles(paths)));`;
    const out = execFileSync('bash', ['-c', 'ulimit -n 64 && exec node --input-type=module -e "$0" "$1"', script, JSON.stringify(paths)], { encoding: 'utf8' });
    const got = JSON.parse(out) as string[];
    expect(got.filter((h) => h === '')).toEqual([]);
    expect(got).toEqual(paths.map((_, i) => createHash('sha256').update(`image ${i}`).digest('hex')));
  });

  it('gives "" for an unreadable file and keeps the order', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a'), 'a');
    const got = await hashFiles([join(dir, 'a'), join(dir, 'missing'), join(dir, 'a')]);
    expect(got[1]).toBe('');
    expect(got[0]).toBe(createHash('sha256').update('a').digest('hex'));
    expect(got[2]).toBe(got[0]);
  });
});

describe('mapLimit', () => {
  it('never has more than `limit` calls in flight and keeps the results in order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (ms, i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, ms));
      inFlight--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(most).toBe(3);
  });
});
