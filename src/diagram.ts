/**
 * The one persistence-diagram type of the TypeScript side, as crates/core/src/diagram.rs is for the core:
 * a diagram of one homology dimension is a list of (birth, death) pairs, death = Infinity for an
 * essential class. Kernels return it, io/ reads and writes it (death `null` in JSON), analysis uses it.
 */
import { InputError } from './errors.js';

/** [birth, death]; death is Infinity for an essential class. */
export type Pair = [number, number];

export interface PersistenceDiagram {
  dim: number;
  pairs: Pair[];
}

/** What the distance and summary kernels accept: flat (birth, death) pairs, or a list of [birth, death | null]. */
export type DiagramInput = Float64Array | ReadonlyArray<readonly [number, number | null]>;

/** JSON has no Infinity: essential deaths are written `null`. */
export function jsonPairs(pairs: ReadonlyArray<Pair>): [number, number | null][] {
  return pairs.map(([b, d]) => [b, Number.isFinite(d) ? d : null]);
}

/** Flat pairs for a native call; null deaths become Infinity. `what` names the diagram in errors. */
export function flattenDiagram(d: DiagramInput, what: string): Float64Array {
  if (d instanceof Float64Array) {
    if (d.length % 2 !== 0) throw new InputError(`diagram ${what}: ${d.length} numbers do not form (birth, death) pairs`);
    return d;
  }
  const out = new Float64Array(d.length * 2);
  d.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2) throw new InputError(`diagram ${what}, pair ${i}: expected [birth, death]`);
    out[2 * i] = p[0];
    out[2 * i + 1] = p[1] === null ? Infinity : p[1];
  });
  return out;
}

/**
 * What a farthest-point sample promises: it lies within Hausdorff distance r of the full cloud, so its
 * Rips diagrams are within 2r of the full cloud's in bottleneck distance (Rips stability:
 * d_B ≤ 2·d_GH ≤ 2·d_H, with the filtration value of an edge = its length).
 */
export function sampleGuarantee(hausdorffRadius: number, threshold?: number): string {
  const bound = `bottleneck distance to the diagrams of all points ≤ 2 × Hausdorff radius = ${2 * hausdorffRadius}`;
  // on data without small-scale structure (isotropic clouds) the sample is as far from the rest as the points
  // are from each other, and the bound says nothing: say so wherever it is shown
  if (threshold !== undefined && 2 * hausdorffRadius >= threshold) {
    return `${bound} — not less than the threshold ${threshold}, so it does not constrain the diagrams of all points`;
  }
  return bound;
}
