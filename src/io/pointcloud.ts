/**
 * Ripser's text inputs: a point cloud (one point per line, values separated by commas and/or whitespace) and
 * distance matrices (full square, or the strict lower triangle, one row per line). Errors name the line.
 */
import { InputError } from '../errors.js';
import { readInput } from './read.js';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NONFINITE = /^[+-]?(nan|inf|infinity)$/i;

/** Rows of numbers with their 1-based line numbers; blank lines and `#` comments are skipped. */
export function parseRows(text: string, where: string): { rows: number[][]; lines: number[] } {
  const rows: number[][] = [];
  const lines: number[] = [];
  const all = text.split(/\r?\n/);
  for (let k = 0; k < all.length; k++) {
    const line = all[k].trim();
    if (line === '' || line.startsWith('#')) continue;
    const toks = line.split(/[\s,]+/).filter((t) => t !== '');
    const row = toks.map((t) => {
      if (NONFINITE.test(t)) throw new InputError(`${where}:${k + 1}: value "${t}" is not finite (NaN/Inf); remove or impute it`);
      if (!NUMBER.test(t)) throw new InputError(`${where}:${k + 1}: "${t}" is not a number`);
      const v = Number(t);
      if (!Number.isFinite(v)) throw new InputError(`${where}:${k + 1}: value "${t}" overflows to infinity`);
      return v;
    });
    rows.push(row);
    lines.push(k + 1);
  }
  return { rows, lines };
}

/** A point cloud: every line the same number of coordinates. Parsed straight into one growing array
 * (no per-row arrays), so large files cost little more than their float64 values. */
export async function readPointCloudCsv(path: string): Promise<{ data: Float64Array; rows: number; cols: number }> {
  const text = await readInput(path, 'utf8');
  let data = new Float64Array(1024);
  let len = 0;
  let rows = 0;
  let cols = -1;
  let firstLine = 0;
  let pos = 0;
  let lineNo = 0;
  while (pos <= text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(pos, end).trim();
    pos = end + 1;
    if (line === '' || line.startsWith('#')) continue;
    const toks = line.split(/[\s,]+/);
    let k = 0;
    for (const t of toks) {
      if (t === '') continue;
      if (NONFINITE.test(t)) throw new InputError(`${path}:${lineNo}: value "${t}" is not finite (NaN/Inf); remove or impute it`);
      if (!NUMBER.test(t)) throw new InputError(`${path}:${lineNo}: "${t}" is not a number`);
      const v = Number(t);
      // NUMBER admits 1e400, which Number() turns into Infinity: as non-finite as "inf" itself.
      if (!Number.isFinite(v)) throw new InputError(`${path}:${lineNo}: value "${t}" overflows to infinity`);
      if (len === data.length) {
        const grown = new Float64Array(data.length * 2);
        grown.set(data);
        data = grown;
      }
      data[len++] = v;
      k++;
    }
    if (cols < 0) {
      cols = k;
      firstLine = lineNo;
    } else if (k !== cols) {
      throw new InputError(`${path}:${lineNo}: ${k} values, but line ${firstLine} has ${cols}: every point needs the same number of coordinates`);
    }
    rows++;
  }
  if (rows === 0) throw new InputError(`${path}: empty file: no points`);
  return { data: data.slice(0, len), rows, cols };
}

/** A distance matrix: n lines of n values (full), or lines of 1, 2, …, n−1 values (lower triangle). */
export async function readDistanceCsv(path: string): Promise<{ values: Float64Array; n: number }> {
  const { rows } = parseRows(await readInput(path, 'utf8'), path);
  if (rows.length === 0) throw new InputError(`${path}: empty file: no distances`);
  if (rows.every((r) => r.length === rows.length)) return { values: Float64Array.from(rows.flat()), n: rows.length };
  const flat = rows.flat();
  const n = Math.round((1 + Math.sqrt(1 + 8 * flat.length)) / 2);
  if ((n * (n - 1)) / 2 === flat.length && rows.every((r, i) => r.length === i + 1)) return { values: Float64Array.from(flat), n };
  throw new InputError(
    `${path}: not a square distance matrix (${rows.length} lines with ${[...new Set(rows.map((r) => r.length))].slice(0, 4).join('/')} values) ` +
      'nor a lower triangle (lines of 1, 2, …, n−1 values)',
  );
}
