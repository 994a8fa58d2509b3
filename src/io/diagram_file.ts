/**
 * clip-topo's diagram files. Writes `clip-topo/diagrams@1` JSON (the one writer: `rips --out` and
 * analyze's diagrams/ both use it) and Ripser's text format. Reads one persistence diagram from a file: clip-topo diagram JSON
 * (`{ "diagrams": [ { "dim": k, "pairs": [[birth, death | null], …] } ] }`, or one `{ "dim", "pairs" }`)
 * or a two-column text file ("birth death" per line, `inf` allowed, `#` comments), as hera and persim read.
 */

import { jsonPairs, type PersistenceDiagram, sampleGuarantee } from '../diagram.js';
import { InputError, UsageError } from '../errors.js';
import { shownPath } from './rawpath.js';
import { readInput } from './read.js';

export interface DiagramFile {
  /** Flat (birth, death) pairs; death = Infinity for essential bars. */
  pairs: Float64Array;
  /** The dimension, when the file says. */
  dim: number | null;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const POS_INF = /^\+?inf(inity)?$/i;
const NEG_INF = /^-inf(inity)?$/i;

function checkPair(b: number, d: number, where: string): void {
  if (Number.isNaN(b) || Number.isNaN(d)) throw new InputError(`${where}: NaN is not a birth or death value`);
  if (!Number.isFinite(b)) throw new InputError(`${where}: birth ${b} must be finite (only death may be inf)`);
  if (d === -Infinity) throw new InputError(`${where}: death -inf is not allowed (deaths are finite or inf)`);
  if (d < b) throw new InputError(`${where}: death ${d} < birth ${b}`);
}

function token(t: string, where: string): number {
  if (NUMBER.test(t)) return Number(t);
  if (POS_INF.test(t)) return Infinity;
  if (NEG_INF.test(t)) return -Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  throw new InputError(`${where}: "${t}" is not a number`);
}

export const DIAGRAMS_FORMAT = 'clip-topo/diagrams@1';
export const RIPS_CONVENTIONS = 'Vietoris–Rips; filtration value of an edge = its length (Ripser); zero-persistence pairs omitted; death null = essential';

/** What a diagrams@1 document says about the complex the diagrams came from. */
export interface DiagramsHead {
  metric: string;
  /** Infinity when none (written null). */
  threshold: number;
  maxdim: number;
  coeff: number;
  /** Vertices of the complex. */
  n: number;
}

/** The `clip-topo/diagrams@1` document; `extra` fields follow the diagrams. */
export function diagramsDocument(head: DiagramsHead, diagrams: PersistenceDiagram[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format: DIAGRAMS_FORMAT,
    metric: head.metric,
    threshold: Number.isFinite(head.threshold) ? head.threshold : null,
    maxdim: head.maxdim,
    coeff: head.coeff,
    n: head.n,
    conventions: RIPS_CONVENTIONS,
    diagrams: diagrams.map((d) => ({ dim: d.dim, pairs: jsonPairs(d.pairs) })),
    ...extra,
  };
}

/** A Rips result as the writers need it (kernels/rips.ts's Diagrams has this shape). */
export interface RipsDiagrams extends DiagramsHead {
  diagrams: PersistenceDiagram[];
  sample?: { indices: Uint32Array; hausdorffRadius: number };
  approx?: { epsilon: number; edges: number; keptFraction: number; guarantee: string };
  estimate?: { points: number; seconds: number; bytes: number; pilotSeconds: number; pilots: { points: number }[] };
  fallback?: string;
  cost?: { seconds: number; bytes: number };
}

/** The `clip-topo/diagrams@1` JSON document (essential deaths as null). */
export function diagramsToJson(r: RipsDiagrams): Record<string, unknown> {
  const doc = diagramsDocument(r, r.diagrams);
  if (r.sample) {
    doc.sample = {
      n: r.sample.indices.length,
      hausdorff_radius: r.sample.hausdorffRadius,
      guarantee: sampleGuarantee(r.sample.hausdorffRadius, r.threshold),
      indices: Array.from(r.sample.indices),
    };
  }
  if (r.approx) doc.approx = { epsilon: r.approx.epsilon, edges: r.approx.edges, kept_fraction: r.approx.keptFraction, guarantee: r.approx.guarantee };
  // a budgeted run says what it expected and what it got, and why it sampled
  if (r.estimate) {
    doc.estimate = {
      points: r.estimate.points,
      seconds: r.estimate.seconds,
      bytes: r.estimate.bytes,
      pilot_seconds: r.estimate.pilotSeconds,
      pilot_points: r.estimate.pilots.map((p) => p.points),
    };
    if (r.cost) doc.measured = { seconds: r.cost.seconds, bytes: r.cost.bytes, of: r.fallback ? 'the sample' : 'the exact run' };
  }
  if (r.fallback) doc.fallback = r.fallback;
  return doc;
}

/** A number as C++ iostreams print it by default (6 significant digits, %g). */
export function formatG(x: number): string {
  if (x === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(x)));
  if (exp < -4 || exp >= 6) {
    const [m, e] = x.toExponential(5).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const ev = Number(e);
    return `${mant}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  }
  const s = x.toPrecision(6);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** Ripser's text output: `persistence intervals in dim k:` then ` [birth,death)` lines (` [birth, )` if essential). */
export function diagramsToRipserText(r: { diagrams: PersistenceDiagram[] }): string {
  const lines: string[] = [];
  for (const d of r.diagrams) {
    lines.push(`persistence intervals in dim ${d.dim}:`);
    for (const [b, e] of d.pairs) lines.push(Number.isFinite(e) ? ` [${formatG(b)},${formatG(e)})` : ` [${formatG(b)}, )`);
  }
  return lines.join('\n') + '\n';
}

/** Parses "birth death" lines; errors name the line. */
export function parseDiagramText(text: string, name: string): DiagramFile {
  const out: number[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const where = `${name} line ${i + 1}`;
    const parts = line.split(/[\s,]+/);
    // The line as one line of message: a lone CR or U+2028 inside it would break the message in two.
    if (parts.length !== 2) throw new InputError(`${where}: expected two numbers "birth death", got "${line.replace(/\s+/g, ' ')}"`);
    const b = token(parts[0], where);
    const d = token(parts[1], where);
    checkPair(b, d, where);
    out.push(b, d);
  });
  return { pairs: Float64Array.from(out), dim: null };
}

interface JsonDiagram {
  dim?: unknown;
  pairs?: unknown;
}

export const CLASS_DIAGRAMS_FORMAT = 'clip-topo/class-diagrams@1';

/** Names shown in a message: the first few, then how many more. */
function someNames(names: string[]): string {
  const shown = names.slice(0, 8).map((n) => JSON.stringify(n));
  return names.length > 8 ? `${shown.join(', ')} and ${names.length - 8} more` : shown.join(', ');
}

/**
 * The diagrams of a parsed document: its `diagrams`, a lone `{ dim, pairs }`, or — in analyze's per-class
 * files (`clip-topo/class-diagrams@1`, diagrams/classes/*.json) — those of the class `cls`.
 */
function diagramList(doc: unknown, name: string, cls?: string): JsonDiagram[] {
  const obj = doc as { diagrams?: unknown; classes?: unknown; format?: unknown } & JsonDiagram;
  const isObject = obj !== null && typeof obj === 'object';
  let list: unknown[];
  if (isObject && (obj.format === CLASS_DIAGRAMS_FORMAT || Array.isArray(obj.classes))) {
    const entries = (Array.isArray(obj.classes) ? obj.classes : []) as { class?: unknown; diagrams?: unknown }[];
    // A class folder named in bytes that are not UTF-8 is shown as \xHH: either spelling picks it.
    const names = entries.map((e) => shownPath(String(e?.class)));
    if (cls === undefined) throw new UsageError(`${name} holds the diagrams of ${entries.length} classes (${someNames(names)}): choose one class`);
    const found = entries.find((e, i) => e?.class === cls || names[i] === cls);
    if (!found) throw new UsageError(`${name} has no class ${JSON.stringify(cls)} (classes: ${someNames(names)})`);
    if (!Array.isArray(found.diagrams)) throw new InputError(`${name}: class ${JSON.stringify(cls)} has no "diagrams" array`);
    list = found.diagrams;
  } else {
    if (cls !== undefined) throw new UsageError(`${name} is not a per-class diagram file (${CLASS_DIAGRAMS_FORMAT}): there is no class to choose`);
    list = isObject && Array.isArray(obj.diagrams) ? obj.diagrams : isObject && 'pairs' in obj ? [obj] : [];
    if (list.length === 0) throw new InputError(`${name}: expected { "diagrams": [ { "dim", "pairs" } ] } or { "dim", "pairs" }`);
  }
  const odd = list.findIndex((d) => d === null || typeof d !== 'object' || Array.isArray(d));
  if (odd >= 0) {
    const v = list[odd];
    const what = v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
    throw new InputError(`${name}: diagram ${odd} is ${what}, not an object { "dim", "pairs" }`);
  }
  return list as JsonDiagram[];
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // V8 quotes the source around the error, line breaks included: folded to one line.
    throw new InputError(`${name}: not valid JSON (${(err as Error).message.replace(/\s+/g, ' ')})`);
  }
}

/**
 * Picks one diagram from clip-topo diagram JSON; `dim` is required when it holds several, `cls` (a class
 * name) when it is a per-class file.
 */
export function parseDiagramJson(text: string, name: string, dim?: number, cls?: string): DiagramFile {
  const list = diagramList(parseJson(text, name), name, cls);
  const dims = list.map((d) => d?.dim);
  let chosen: JsonDiagram;
  if (dim === undefined) {
    if (list.length > 1) {
      throw new UsageError(`${name} holds diagrams of dimensions ${dims.join(', ')}: choose one dimension`);
    }
    chosen = list[0];
  } else {
    const found = list.filter((d) => d?.dim === dim);
    if (found.length !== 1) {
      throw new UsageError(`${name} has ${found.length === 0 ? 'no' : 'several'} diagram(s) of dimension ${dim} (dimensions: ${dims.join(', ')})`);
    }
    chosen = found[0];
  }
  if (!Array.isArray(chosen.pairs)) throw new InputError(`${name}: diagram of dimension ${String(chosen.dim)} has no "pairs" array`);
  const pairs = chosen.pairs as unknown[];
  const out = new Float64Array(pairs.length * 2);
  pairs.forEach((p, i) => {
    const where = `${name}, dimension ${String(chosen.dim)}, pair ${i}`;
    if (!Array.isArray(p) || p.length !== 2) throw new InputError(`${where}: expected [birth, death]`);
    const [b, d] = p as unknown[];
    if (typeof b !== 'number') throw new InputError(`${where}: birth ${JSON.stringify(b)} is not a number`);
    if (d !== null && typeof d !== 'number') throw new InputError(`${where}: death ${JSON.stringify(d)} is not a number or null`);
    const death = d === null ? Infinity : d;
    checkPair(b, death, where);
    out[2 * i] = b;
    out[2 * i + 1] = death;
  });
  return { pairs: out, dim: typeof chosen.dim === 'number' ? chosen.dim : null };
}

/** Reads a diagram file; JSON when the content starts with "{", two-column text otherwise. */
export async function readDiagramFile(path: string, dim?: number, cls?: string): Promise<DiagramFile> {
  const text = await readInput(path, 'utf8');
  if (text.trimStart().startsWith('{')) return parseDiagramJson(text, path, dim, cls);
  if (cls !== undefined)
    throw new UsageError(`${path} is a text diagram, not a per-class diagram file (${CLASS_DIAGRAMS_FORMAT}): there is no class to choose`);
  return parseDiagramText(text, path);
}

/** Every diagram in a file (of class `cls` in a per-class file): each dimension of diagram JSON, or the one diagram of a text file. */
export async function readDiagramFiles(path: string, cls?: string): Promise<DiagramFile[]> {
  const first = await readDiagramFile(path, undefined, cls).catch((err: unknown) => {
    // Several dimensions: read each one by its dimension instead.
    if (err instanceof UsageError && / choose one dimension$/.test(err.message)) return null;
    throw err;
  });
  if (first) return [first];
  const text = await readInput(path, 'utf8');
  return diagramList(parseJson(text, path), path, cls).map((d) => parseDiagramJson(text, path, d.dim as number, cls));
}
