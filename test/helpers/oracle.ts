/**
 * Brute-force references for the property tests: slow, obviously correct versions of what the Rust core
 * computes fast. They are only ever run on inputs of a handful of points.
 */

/** Finite pairs and the number of essential classes of one homology dimension. */
export interface OracleDiagram {
  finite: [number, number][];
  essential: number;
}

interface Simplex {
  dim: number;
  value: number;
  /** Faces one dimension down, as indices into the filtration order (filled after sorting). */
  faces: number[];
  verts: number[];
}

/** Euclidean distance as the core stores it: computed in float64, rounded once to float32. */
export function f32Distance(points: Float32Array, dim: number, i: number, j: number): number {
  let s = 0;
  for (let l = 0; l < dim; l++) {
    const t = points[i * dim + l] - points[j * dim + l];
    s += t * t;
  }
  return Math.fround(Math.sqrt(s));
}

const F32_EPSILON = 2 ** -23;

/**
 * Whether a pair counts as persistent. Ripser, and the core after it (crates/core/src/rips/engine.rs), keep a
 * pair only when death > birth · (1 + ε) in float32: a bar one ulp long is rounding, not topology.
 */
export function persists(birth: number, death: number): boolean {
  return death > Math.fround(birth * Math.fround(1 + F32_EPSILON));
}

/**
 * H0 and H1 of the full Vietoris–Rips filtration (every edge, every triangle) by the standard Z/2
 * column reduction. No threshold is needed: the full complex is a simplex, so it gives the same diagram
 * as cutting at the enclosing radius (beyond which the complex is a cone, and nothing more happens).
 */
export function ripsOracle(points: Float32Array, n: number, dim: number): [OracleDiagram, OracleDiagram] {
  const dist = (i: number, j: number) => f32Distance(points, dim, i, j);
  const list: Simplex[] = [];
  for (let i = 0; i < n; i++) list.push({ dim: 0, value: 0, faces: [], verts: [i] });
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) list.push({ dim: 1, value: dist(i, j), faces: [], verts: [i, j] });
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      for (let k = j + 1; k < n; k++) list.push({ dim: 2, value: Math.max(dist(i, j), dist(i, k), dist(j, k)), faces: [], verts: [i, j, k] });
  // Faces must come before cofaces at equal value; among equals, the creation order is a stable tie rule.
  const order = list.map((_, i) => i).sort((a, b) => list[a].value - list[b].value || list[a].dim - list[b].dim || a - b);
  const sorted = order.map((i) => list[i]);
  const pos = new Map(sorted.map((s, i) => [s.verts.join(','), i]));
  for (const s of sorted) {
    if (s.dim === 0) continue;
    s.faces = s.verts.map((_, drop) => pos.get(s.verts.filter((__, q) => q !== drop).join(','))!);
  }
  // Columns as sets of row indices; reduce left to right, clearing pivots already taken (Z/2: symmetric difference).
  const cols = sorted.map((s) => new Set(s.faces));
  const pivotOwner = new Map<number, number>();
  const paired = new Set<number>();
  const out: [OracleDiagram, OracleDiagram] = [
    { finite: [], essential: 0 },
    { finite: [], essential: 0 },
  ];
  for (let j = 0; j < cols.length; j++) {
    const col = cols[j];
    for (;;) {
      if (col.size === 0) break;
      const low = Math.max(...col);
      const owner = pivotOwner.get(low);
      if (owner === undefined) {
        pivotOwner.set(low, j);
        paired.add(low);
        paired.add(j);
        const birth = sorted[low].value;
        const death = sorted[j].value;
        if (persists(birth, death) && sorted[low].dim <= 1) out[sorted[low].dim].finite.push([birth, death]);
        break;
      }
      for (const r of cols[owner]) {
        if (col.has(r)) col.delete(r);
        else col.add(r);
      }
    }
  }
  for (let j = 0; j < sorted.length; j++) {
    if (!paired.has(j) && cols[j].size === 0 && sorted[j].dim <= 1) out[sorted[j].dim].essential++;
  }
  return out;
}

/** A persistence pair; Infinity deaths are not used by the matching oracles. */
export type FinitePair = readonly [number, number];

const linf = (p: FinitePair, q: FinitePair) => Math.max(Math.abs(p[0] - q[0]), Math.abs(p[1] - q[1]));
const toDiagonal = (p: FinitePair) => (p[1] - p[0]) / 2;

/**
 * Calls `visit(costs)` with the ground costs of every partial matching between `a` and `b`: each point of
 * `a` goes to a distinct point of `b` or to the diagonal, and the points of `b` left over go to the diagonal.
 * With the L∞ ground metric and diagonal distance (d − b)/2, this covers every matching that matters.
 */
function forEachMatching(a: readonly FinitePair[], b: readonly FinitePair[], visit: (costs: number[]) => void): void {
  const used = new Array<boolean>(b.length).fill(false);
  const costs: number[] = [];
  const rec = (i: number) => {
    if (i === a.length) {
      const rest = b.filter((_, j) => !used[j]).map(toDiagonal);
      visit([...costs, ...rest]);
      return;
    }
    costs.push(toDiagonal(a[i]));
    rec(i + 1);
    costs.pop();
    for (let j = 0; j < b.length; j++) {
      if (used[j]) continue;
      used[j] = true;
      costs.push(linf(a[i], b[j]));
      rec(i + 1);
      costs.pop();
      used[j] = false;
    }
  };
  rec(0);
}

/** Bottleneck distance of two finite diagrams by enumerating every matching. */
export function bottleneckOracle(a: readonly FinitePair[], b: readonly FinitePair[]): number {
  let best = Infinity;
  forEachMatching(a, b, (c) => {
    best = Math.min(best, Math.max(0, ...c));
  });
  return best;
}

/** p-Wasserstein distance (L∞ ground metric) of two finite diagrams by enumerating every matching. */
export function wassersteinOracle(a: readonly FinitePair[], b: readonly FinitePair[], p: number): number {
  let best = Infinity;
  forEachMatching(a, b, (c) => {
    best = Math.min(
      best,
      c.reduce((s, x) => s + x ** p, 0),
    );
  });
  return best ** (1 / p);
}
