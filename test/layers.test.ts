/**
 * The layers of src/ (README, "Layout"): every relative import points to the same folder or to a lower
 * layer, and no module reaches itself through its imports. Read from the sources with TypeScript's own
 * import scanner, so comments and strings that merely look like imports do not count.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

import { ROOT } from './helpers/cli.js';

const SRC = join(ROOT, 'src');

/** Bottom first. A module is named by its top-level folder under src/, or by its file name there. */
const LAYERS: string[][] = [
  ['errors', 'concurrency'],
  ['diagram'],
  ['io'],
  ['native'],
  ['kernels'],
  ['noise', 'data', 'store'],
  ['clip'],
  ['analysis'],
  ['report'],
  ['analyze'],
  ['cli'],
  ['index'],
];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** src-relative path → src-relative paths it imports (relative imports only; packages are outside the layering). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((f) => f.startsWith('.'))
      .map((f) => relative(SRC, resolve(dirname(file), f.replace(/\.js$/, '.ts'))));
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

/** The layer group of a src-relative path: `cli.ts` belongs with `cli/`. */
function group(path: string): string {
  const top = path.split(/[\\/]/)[0];
  return top.replace(/\.ts$/, '');
}

function rank(g: string): number {
  const r = LAYERS.findIndex((l) => l.includes(g));
  return r;
}

describe('layers of src/', () => {
  const graph = importGraph();

  it('knows every top-level module', () => {
    const unknown = [...new Set([...graph.keys()].map(group))].filter((g) => rank(g) < 0);
    expect(unknown, 'add new top-level modules to LAYERS (and to the README layout)').toEqual([]);
  });

  it('imports only point down (or within one folder)', () => {
    const upward: string[] = [];
    for (const [from, targets] of graph) {
      for (const to of targets) {
        if (to.startsWith('..')) continue; // the generated addon loader (native/index.cjs)
        const a = group(from);
        const b = group(to);
        if (a !== b && rank(b) >= rank(a)) upward.push(`${from} → ${to}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import circle', () => {
    // Depth-first search; a back edge closes a circle.
    const state = new Map<string, 'open' | 'done'>();
    const circles: string[] = [];
    const visit = (v: string, path: string[]) => {
      state.set(v, 'open');
      for (const w of graph.get(v) ?? []) {
        if (!graph.has(w)) continue;
        if (state.get(w) === 'open') circles.push([...path.slice(path.indexOf(w)), w].join(' → '));
        else if (!state.has(w)) visit(w, [...path, w]);
      }
      state.set(v, 'done');
    };
    for (const v of graph.keys()) if (!state.has(v)) visit(v, [v]);
    expect(circles).toEqual([]);
  });

  it('catches an upward import and a circle (the checks themselves)', () => {
    const g = new Map([
      ['io/a.ts', ['io/b.ts']],
      ['io/b.ts', ['io/a.ts', 'report/x.ts']],
    ]);
    const up = [...g].flatMap(([f, ts]) => ts.filter((t) => group(f) !== group(t) && rank(group(t)) >= rank(group(f))));
    expect(up).toEqual(['report/x.ts']);
  });
});
