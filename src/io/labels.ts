/**
 * Class labels for embeddings: a .npy integer array, or a text file with one label (a name or an
 * integer) per line. Integer labels name classes "0" … "K−1" (K = max + 1, so a missing integer is
 * an empty class the kernel reports); names are sorted, which gives DTD's canonical class order.
 */
import { InputError } from '../errors.js';
import { readNpy } from './npy.js';
import { readInput } from './read.js';

export interface Labels {
  /** Class index of each row. */
  indices: Uint32Array;
  /** Class names by index. */
  names: string[];
}

/** More classes than this is a corrupt or foreign label file, not a dataset. */
const MAX_CLASSES = 1 << 20;

export function labelsFromIntegers(values: ArrayLike<number>, where: string): Labels {
  let max = -1;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0) {
      throw new InputError(`${where}: label ${v} at position ${i} is not a non-negative integer`);
    }
    // Integer labels are class indices 0…K−1 and every class gets a name: one stray large value would
    // otherwise allocate billions of names and take the process down.
    if (v >= MAX_CLASSES) throw new InputError(`${where}: label ${v} at position ${i} is too large (class indices must be below ${MAX_CLASSES})`);
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
  const text = await readInput(path, 'utf8');
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const blank = lines.findIndex((l) => l.trim() === '');
  if (blank >= 0) throw new InputError(`${path}:${blank + 1}: empty label line (one label per line, one line per embedding)`);
  const values = lines.map((l) => l.trim());
  if (values.length === 0) throw new InputError(`${path}: no labels`);
  if (values.every((v) => /^\d+$/.test(v))) return labelsFromIntegers(values.map(Number), path);
  return labelsFromNames(values);
}

/**
 * Class names by index from a text file, one per line (analyze's embeddings/classes.txt): line k names
 * class k. Blank and repeated names are refused with their line.
 */
export async function readClassNames(path: string): Promise<string[]> {
  const text = await readInput(path, 'utf8');
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const seen = new Map<string, number>();
  for (const [k, raw] of lines.entries()) {
    const name = raw.trim();
    if (name === '') throw new InputError(`${path}:${k + 1}: empty class name (one name per line, line k names class k)`);
    const first = seen.get(name);
    if (first !== undefined) throw new InputError(`${path}:${k + 1}: class "${name}" is already named on line ${first + 1}`);
    seen.set(name, k);
  }
  if (lines.length === 0) throw new InputError(`${path}: no class names`);
  return lines.map((l) => l.trim());
}

/**
 * Labels with the class names of `names` (from `namesPath`): integer label k becomes names[k]; name labels
 * take the file's order. A label the file does not name is refused, naming both files.
 */
export function withClassNames(labels: Labels, names: string[], labelsPath: string, namesPath: string): Labels {
  const integers = labels.names.every((n, i) => n === String(i));
  if (integers) {
    if (labels.names.length > names.length)
      throw new InputError(
        `${labelsPath}: label ${labels.names.length - 1} has no name in ${namesPath}, which names ${names.length} classes (0 to ${names.length - 1})`,
      );
    return { indices: labels.indices, names: [...names] };
  }
  const index = new Map(names.map((n, i) => [n, i]));
  const remap = labels.names.map((n) => {
    const i = index.get(n);
    if (i === undefined) throw new InputError(`${labelsPath}: class "${n}" is not named in ${namesPath}`);
    return i;
  });
  return { indices: labels.indices.map((i) => remap[i]), names: [...names] };
}
