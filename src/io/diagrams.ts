/**
 * Persistence diagram files: clip-topo's JSON (`{ "diagrams": [{ "dim", "pairs": [[b, d|null]] }] }`,
 * null = an essential bar) or a two-column text file ("birth death" per line, `inf` allowed, `#`
 * comments), as hera and persim read them.
 */
import { readFile } from 'node:fs/promises';

import { InputError } from '../errors.js';

export interface DiagramData {
  dim: number;
  /** Flat (birth, death) pairs; death = Infinity for an essential bar. */
  pairs: Float64Array;
}

function checkPair(b: number, d: number, where: string): void {
  if (!Number.isFinite(b)) throw new InputError(`${where}: birth ${b} is not a finite number`);
  if (Number.isNaN(d) || d === -Infinity) throw new InputError(`${where}: death ${d} is not a number or +inf`);
  if (d < b) throw new InputError(`${where}: death ${d} is before birth ${b}`);
}

export function parseDiagramJson(text: string, path: string): DiagramData[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  const list = (doc as { diagrams?: unknown })?.diagrams;
  if (!Array.isArray(list)) throw new InputError(`${path}: no "diagrams" array (expected clip-topo's diagram JSON)`);
  return list.map((entry: unknown, k: number) => {
    const { dim, pairs } = (entry ?? {}) as { dim?: unknown; pairs?: unknown };
    if (!Number.isInteger(dim) || (dim as number) < 0) throw new InputError(`${path}: diagrams[${k}].dim is not a non-negative integer`);
    if (!Array.isArray(pairs)) throw new InputError(`${path}: diagrams[${k}].pairs is not an array`);
    const flat = new Float64Array(pairs.length * 2);
    pairs.forEach((p: unknown, i: number) => {
      const where = `${path}: diagrams[${k}].pairs[${i}]`;
      if (!Array.isArray(p) || p.length !== 2) throw new InputError(`${where} is not a [birth, death] pair`);
      const b = p[0];
      const d = p[1] === null ? Infinity : p[1];
      if (typeof b !== 'number' || typeof d !== 'number') throw new InputError(`${where} has a non-numeric value`);
      checkPair(b, d, where);
      flat[2 * i] = b;
      flat[2 * i + 1] = d;
    });
    return { dim: dim as number, pairs: flat };
  });
}

function parseNumber(token: string): number {
  const t = token.toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return token.trim() === '' ? NaN : Number(token);
}

export function parseDiagramText(text: string, path: string, dim = 0): DiagramData {
  const values: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const tokens = line.split(/[\s,]+/);
    const where = `${path}:${i + 1}`;
    if (tokens.length !== 2) throw new InputError(`${where}: expected "birth death", found ${tokens.length} value(s): "${raw.trim()}"`);
    const [b, d] = tokens.map(parseNumber);
    if (Number.isNaN(b) || Number.isNaN(d)) throw new InputError(`${where}: not a number: "${raw.trim()}"`);
    checkPair(b, d, where);
    values.push(b, d);
  });
  return { dim, pairs: Float64Array.from(values) };
}

export async function readDiagrams(path: string): Promise<DiagramData[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_FILE');
  }
  return text.trimStart().startsWith('{') ? parseDiagramJson(text, path) : [parseDiagramText(text, path)];
}

/** The diagram of one dimension; without `dim`, the file must hold exactly one. */
export function selectDiagram(diagrams: DiagramData[], path: string, dim?: number): DiagramData {
  if (dim === undefined) {
    if (diagrams.length === 1) return diagrams[0];
    throw new InputError(`${path} holds diagrams of dimensions ${diagrams.map((d) => d.dim).join(', ')}: choose one with --dim`);
  }
  const found = diagrams.find((d) => d.dim === dim);
  if (!found) throw new InputError(`${path} has no H${dim} diagram (it has ${diagrams.map((d) => `H${d.dim}`).join(', ') || 'none'})`);
  return found;
}
