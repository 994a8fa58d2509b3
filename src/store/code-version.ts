/**
 * Which code made a cached result. Every cache key (embeddings and analysis steps) includes this, so a
 * result is reused only by the code that computed it: another package version, a rebuilt addon or any
 * changed module recomputes instead of silently returning the old code's numbers. Computed once per
 * process: sha256 of the package version, the loaded native addon and every module of the running tree
 * (dist/*.js in a package, src/*.ts when run from the sources).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { sha256Hex } from '../io/hash.js';
import { addonFile } from '../native.js';

let memo: string | undefined;

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return modules(p);
      return /\.(js|ts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
    })
    .sort();
}

export function codeVersion(): string {
  if (memo) return memo;
  // store/ sits one level below the tree's root (src/ or dist/), which sits below the package root.
  const tree = fileURLToPath(new URL('..', import.meta.url));
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const parts: (string | Buffer)[] = [`clip-topo ${pkg.version}\n`];
  const native = addonFile();
  parts.push(native ? readFileSync(native) : 'no addon');
  for (const f of modules(tree)) parts.push(f.slice(tree.length), readFileSync(f));
  memo = `${pkg.version}+${sha256Hex(...parts).slice(0, 16)}`;
  return memo;
}
