/**
 * Class labels for embeddings: a .npy integer array, or a text file with one label (a name or an
 * integer) per line. Integer labels name classes "0" … "K−1" (K = max + 1, so a missing integer is
 * an empty class the kernel reports); names are sorted, which gives DTD's canonical class order.
 */
import { readFile } from 'node:fs/promises';

import { InputError } from '../errors.js';
import { readNpy } from './npy.js';

export interface Labels {
  /** Class index of each row. */
  indices: Uint32Array;
  /** Class names by index. */
  names: string[];
}

export function labelsFromIntegers(values: ArrayLike<number>, where: string): Labels {
  let max = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0) {
      throw new InputError(`${where}: label ${v} at position ${i} is not a non-negative integer`);
    }
    if (v > 0xffffffff) throw new InputError(`${where}: label ${v} at position ${i} is too large`);
    if (v > max) max = v;
  }
  return { indices: Uint32Array.from(values), names: Array.from({ length: max + 1 }, (_, i) => String(i)) };
}

export function labelsFromNames(values: string[]): Labels {
  const names = [...new Set(values)].sort();
  const index = new Map(names.map((n, i) => [n, i]));
  return { indices: Uint32Array.from(values, (v) => index.get(v)!), names };
}

export async function readLabels(path: string): Promise<Labels> {
  if (path.toLowerCase().endsWith('.npy')) {
    const arr = await readNpy(path);
    if (arr.shape.length !== 1) throw new InputError(`${path}: labels must be a 1-D array, found shape (${arr.shape.join(', ')})`);
    if (arr.data instanceof Float32Array || arr.data instanceof Float64Array) {
      throw new InputError(`${path}: labels must be integers, found ${arr.dtype}; save them with x.astype("int64")`);
    }
    const values = arr.data instanceof BigInt64Array ? Array.from(arr.data, (v) => Number(v)) : Array.from(arr.data as ArrayLike<number>);
    return labelsFromIntegers(values, path);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_FILE');
  }
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const blank = lines.findIndex((l) => l.trim() === '');
  if (blank >= 0) throw new InputError(`${path}:${blank + 1}: empty label line (one label per line, one line per embedding)`);
  const values = lines.map((l) => l.trim());
  if (values.length === 0) throw new InputError(`${path}: no labels`);
  if (values.every((v) => /^\d+$/.test(v))) return labelsFromIntegers(values.map(Number), path);
  return labelsFromNames(values);
}
