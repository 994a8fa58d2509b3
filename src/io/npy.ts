/**
 * NumPy `.npy` files (format versions 1–3): read 1-D/2-D numeric arrays, write float32/float64/int
 * arrays that `numpy.load` reads back. Only C-order little-endian data is accepted; anything else is
 * refused with a message that says how to convert it.
 */

import { InputError } from '../errors.js';
import { shownPath } from './rawpath.js';
import { readInput } from './read.js';

export type NpyData = Float32Array | Float64Array | Int32Array | Uint32Array | BigInt64Array | Uint8Array | Int8Array | Int16Array | Uint16Array;

export interface NpyArray {
  dtype: string;
  shape: number[];
  data: NpyData;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

const DTYPES: Record<string, { bytes: number; make: (buf: ArrayBuffer, off: number, len: number) => NpyData }> = {
  '<f4': { bytes: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  '<f8': { bytes: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  // Node 20 has no Float16Array: half floats arrive widened to float32.
  '<f2': { bytes: 2, make: (b, o, n) => widenHalf(new Uint16Array(b, o, n)) },
  '<i4': { bytes: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  '<u4': { bytes: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  '<i8': { bytes: 8, make: (b, o, n) => new BigInt64Array(b, o, n) },
  '<i2': { bytes: 2, make: (b, o, n) => new Int16Array(b, o, n) },
  '<u2': { bytes: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  '|u1': { bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  '|i1': { bytes: 1, make: (b, o, n) => new Int8Array(b, o, n) },
};

/** Header text is the file's own bytes: fold its line breaks so that a message quoting it stays one line. */
const oneLine = (s: string) => s.replace(/\s+/g, ' ');

/** Where a .npy file's data starts and what it holds: the header alone, so rows can be read without the rest. */
export interface NpyHeader {
  /** The dtype as stored, little-endian normalised ('<f4', '<f2', …). */
  dtype: string;
  shape: number[];
  /** Byte offset of the first element. */
  dataStart: number;
  /** Bytes per element. */
  itemBytes: number;
}

/** float16 bits → float32 value (IEEE 754 half: 1 sign, 5 exponent, 10 fraction bits). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Widens float16 data (clip-retrieval stores its embeddings so) to float32: exact, every half is a float. */
export function widenHalf(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfToFloat(bits[i]);
  return out;
}

/** Parses the header of a .npy file from its first bytes (at least the header); `where` names it in errors. */
export function parseNpyHeader(bytes: Uint8Array, where: string): NpyHeader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) {
    throw new InputError(`${where}: not a .npy file (no \\x93NUMPY magic); save the array with numpy.save`);
  }
  const major = buf[6];
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new InputError(`${where}: truncated .npy header`);
    headerLen = buf.readUInt32LE(8);
    start = 12;
  } else {
    throw new InputError(`${where}: .npy format version ${major} is not supported (1–3 are)`);
  }
  if (start + headerLen > buf.length) throw new InputError(`${where}: truncated .npy header`);
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen);
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) {
    throw new InputError(`${where}: malformed .npy header: ${oneLine(header.trim())}`);
  }
  if (fortran === 'True') {
    throw new InputError(`${where}: array is stored in Fortran order; save numpy.ascontiguousarray(x) instead`);
  }
  const normalized = descr === '<f4' || descr === '|u1' || descr === '|i1' ? descr : descr.replace(/^=/, '<');
  const dt = DTYPES[normalized];
  if (!dt) {
    const hint = descr.startsWith('>')
      ? ' (big-endian: use x.astype("<f4"))'
      : descr.startsWith('|O')
        ? ' (object arrays, e.g. ragged lists, cannot be read)'
        : '';
    throw new InputError(`${where}: dtype ${oneLine(descr)} is not supported${hint}; use float32, float64 or integers`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) throw new InputError(`${where}: bad shape (${oneLine(shapeText)})`);
  return { dtype: normalized, shape, dataStart: start + headerLen, itemBytes: dt.bytes };
}

/** Parses the bytes of a .npy file; `where` names it in error messages. float16 is widened to float32. */
export function parseNpy(bytes: Uint8Array, where: string): NpyArray {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = parseNpyHeader(bytes, where);
  const { shape, dataStart } = h;
  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * h.itemBytes;
  if (buf.length - dataStart < need) {
    throw new InputError(
      `${where}: holds ${buf.length - dataStart} data bytes, but shape (${shape.join(', ')}) × ${h.dtype} needs ${need}: the file is truncated`,
    );
  }
  // Copy into a fresh, aligned buffer: the file buffer's offset is rarely a multiple of 8.
  const copy = new ArrayBuffer(need);
  new Uint8Array(copy).set(buf.subarray(dataStart, dataStart + need));
  return { dtype: h.dtype, shape, data: DTYPES[h.dtype].make(copy, 0, count) };
}

export async function readNpy(path: string): Promise<NpyArray> {
  return parseNpy(await readInput(path), shownPath(path));
}

/** A 2-D float matrix (n×d) from a .npy file; refuses other shapes and dtypes. */
export async function readMatrix(path: string): Promise<{ data: Float32Array | Float64Array; rows: number; cols: number }> {
  const arr = await readNpy(path);
  if (arr.shape.length !== 2) {
    throw new InputError(`${path}: expected a 2-D array (n × d), found shape (${arr.shape.join(', ')})`);
  }
  if (!(arr.data instanceof Float32Array || arr.data instanceof Float64Array)) {
    throw new InputError(`${path}: expected float32 or float64 values, found ${arr.dtype}; convert with x.astype("float32")`);
  }
  return { data: arr.data, rows: arr.shape[0], cols: arr.shape[1] };
}

function descrOf(data: NpyData): string {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Uint32Array) return '<u4';
  if (data instanceof BigInt64Array) return '<i8';
  if (data instanceof Int16Array) return '<i2';
  if (data instanceof Uint16Array) return '<u2';
  if (data instanceof Int8Array) return '|i1';
  return '|u1';
}

/** Encodes an array as .npy version 1.0 bytes (header padded to 64 bytes, as numpy writes it). */
export function encodeNpy(data: NpyData, shape: number[]): Buffer {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`encodeNpy: shape (${shape.join(', ')}) does not hold ${data.length} values`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  MAGIC.copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), body]);
}
