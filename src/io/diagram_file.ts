/**
 * clip-topo's diagram files. Writes `clip-topo/diagrams@1` JSON (the one writer: `rips --out` and
 * analyze's diagrams/ both use it) and Ripser's text format. Reads one persistence diagram from a file: clip-topo diagram JSON
 * (`{ "diagrams": [ { "dim": k, "pairs": [[birth, death | null], …] } ] }`, or one `{ "dim", "pairs" }`)
 * or a two-column text file ("birth death" per line, `inf` allowed, `#` comments), as hera and persim read.
 */
import { readFile } from 'node:fs/promises';

import { jsonPairs, type PersistenceDiagram, sampleGuarantee } from '../diagram.js';
import { InputError, UsageError } from '../errors.js';

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
}

/** The `clip-topo/diagrams@1` JSON document (essential deaths as null). */
export function diagramsToJson(r: RipsDiagrams): Record<string, unknown> {
  const doc = diagramsDocument(r, r.diagrams);
  if (r.sample) {
    doc.sample = {
      n: r.sample.indices.length,
      hausdorff_radius: r.sample.hausdorffRadius,
      guarantee: sampleGuarantee(r.sample.hausdorffRadius),
      indices: Array.from(r.sample.indices),
    };
  }
  if (r.approx) doc.approx = { epsilon: r.approx.epsilon, edges: r.approx.edges, kept_fraction: r.approx.keptFraction, guarantee: r.approx.guarantee };
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
    if (parts.length !== 2) throw new InputError(`${where}: expected two numbers "birth death", got "${raw.trim()}"`);
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

/** Picks one diagram from clip-topo diagram JSON; `dim` is required when it holds several. */
export function parseDiagramJson(text: string, name: string, dim?: number): DiagramFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${name}: not valid JSON (${(err as Error).message})`);
  }
  const obj = doc as { diagrams?: unknown } & JsonDiagram;
  const list: JsonDiagram[] = Array.isArray(obj?.diagrams) ? (obj.diagrams as JsonDiagram[]) : obj && 'pairs' in obj ? [obj] : [];
  if (list.length === 0) throw new InputError(`${name}: expected { "diagrams": [ { "dim", "pairs" } ] } or { "dim", "pairs" }`);
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
export async function readDiagramFile(path: string, dim?: number): Promise<DiagramFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_FILE');
  }
  return text.trimStart().startsWith('{') ? parseDiagramJson(text, path, dim) : parseDiagramText(text, path);
}

/** Every diagram in a file: each dimension of clip-topo diagram JSON, or the one diagram of a text file. */
export async function readDiagramFiles(path: string): Promise<DiagramFile[]> {
  const first = await readDiagramFile(path).catch((err: unknown) => {
    // Several dimensions: read each one by its dimension instead.
    if (err instanceof UsageError) return null;
    throw err;
  });
  if (first) return [first];
  const text = await readFile(path, 'utf8');
  const list = (JSON.parse(text) as { diagrams: JsonDiagram[] }).diagrams;
  return list.map((d) => parseDiagramJson(text, path, d.dim as number));
}
