/**
 * A small reader for MATLAB level-5 MAT-files (the format `save -v7` and scipy.io.savemat write),
 * written for this project: enough for DTD's imdb.mat and similar metadata files — numeric, logical,
 * char, cell and struct arrays, compressed (miCOMPRESSED, zlib) or not. Sparse, object and
 * function-handle arrays are reported as unsupported. HDF5-based v7.3 files are a different format.
 */
import { inflateSync } from 'node:zlib';

import { InputError } from '../errors.js';

export class MatError extends InputError {
  constructor(message: string) {
    // Messages quote variable and field names, which are the file's own bytes: keep them to one line.
    super(message.replace(/[\r\n\u2028\u2029]+/g, ' '), 'ERR_MAT_FORMAT');
    this.name = 'MatError';
  }
}

export type MatNumericClass = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

export type MatValue =
  | { kind: 'numeric'; class: MatNumericClass; dims: number[]; logical: boolean; real: Float64Array; imag?: Float64Array }
  | { kind: 'char'; dims: number[]; rows: string[] }
  | { kind: 'cell'; dims: number[]; cells: MatValue[] }
  | { kind: 'struct'; dims: number[]; fields: string[]; elements: Array<Record<string, MatValue>> };

const NUMERIC_CLASSES: Record<number, MatNumericClass> = {
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
};
const CLASS_NAMES: Record<number, string> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  16: 'function handle',
  17: 'opaque',
};

// Data element types (MAT-file format, table 1-1).
const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;
const ELEMENT_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8, 16: 1, 17: 2, 18: 4 };

/**
 * Elements that carry no bytes (those of a struct array without fields, the empty rows of an N×0 char
 * array): nothing in the file bounds their count, so this does, against corrupt dimensions.
 */
const MAX_EMPTY_ELEMENTS = 1 << 20;

export interface ReadMatOptions {
  /** Upper bound on the size of one decompressed variable, against zlib bombs. Default 1 GiB. */
  maxInflatedBytes?: number;
  /** Name used in error messages. */
  source?: string;
}

interface Element {
  type: number;
  data: Buffer;
  next: number;
}

class Reader {
  constructor(
    readonly le: boolean,
    readonly src: string,
    readonly maxInflated: number,
  ) {}

  u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }

  element(b: Buffer, off: number, where: string): Element {
    if (off + 8 > b.length) throw new MatError(`${this.src}: truncated data element tag at byte ${off} (${where}); the file is incomplete`);
    const first = this.u32(b, off);
    // Small data element: the byte count sits in the upper 16 bits and the data in the next 4 bytes.
    if (first >>> 16 !== 0) {
      const type = first & 0xffff;
      const n = first >>> 16;
      if (n > 4) throw new MatError(`${this.src}: malformed small data element at byte ${off} (${where})`);
      return { type, data: b.subarray(off + 4, off + 4 + n), next: off + 8 };
    }
    const n = this.u32(b, off + 4);
    const end = off + 8 + n;
    if (end > b.length)
      throw new MatError(`${this.src}: data element at byte ${off} claims ${n} bytes but only ${b.length - off - 8} remain (${where}); the file is truncated`);
    // Compressed elements are not padded; all others are padded to 8 bytes.
    const next = first === MI.COMPRESSED ? end : off + 8 + Math.ceil(n / 8) * 8;
    return { type: first, data: b.subarray(off + 8, end), next: Math.min(next, Math.max(end, b.length)) };
  }

  numbers(e: Element, where: string): Float64Array {
    const size = ELEMENT_SIZE[e.type];
    if (!size || e.type === MI.UTF8 || e.type === MI.UTF16 || e.type === MI.UTF32) {
      throw new MatError(`${this.src}: expected numeric data for ${where}, found data type ${e.type}`);
    }
    if (e.data.length % size !== 0) throw new MatError(`${this.src}: ${where} has ${e.data.length} bytes, not a multiple of ${size}`);
    const n = e.data.length / size;
    const out = new Float64Array(n);
    const d = e.data;
    const le = this.le;
    for (let i = 0; i < n; i++) {
      const o = i * size;
      switch (e.type) {
        case MI.INT8:
          out[i] = d.readInt8(o);
          break;
        case MI.UINT8:
          out[i] = d[o];
          break;
        case MI.INT16:
          out[i] = le ? d.readInt16LE(o) : d.readInt16BE(o);
          break;
        case MI.UINT16:
          out[i] = le ? d.readUInt16LE(o) : d.readUInt16BE(o);
          break;
        case MI.INT32:
          out[i] = le ? d.readInt32LE(o) : d.readInt32BE(o);
          break;
        case MI.UINT32:
          out[i] = le ? d.readUInt32LE(o) : d.readUInt32BE(o);
          break;
        case MI.SINGLE:
          out[i] = le ? d.readFloatLE(o) : d.readFloatBE(o);
          break;
        case MI.DOUBLE:
          out[i] = le ? d.readDoubleLE(o) : d.readDoubleBE(o);
          break;
        // 64-bit integers above 2^53 lose precision; metadata files do not hold such values.
        case MI.INT64:
          out[i] = Number(le ? d.readBigInt64LE(o) : d.readBigInt64BE(o));
          break;
        case MI.UINT64:
          out[i] = Number(le ? d.readBigUInt64LE(o) : d.readBigUInt64BE(o));
          break;
      }
    }
    return out;
  }

  /** Characters of a char array's data element, as code points. */
  chars(e: Element): number[] {
    if (e.type === MI.UTF8) return Array.from(e.data.toString('utf8'), (c) => c.codePointAt(0)!);
    if (e.type === MI.UTF16) {
      const s = this.le ? e.data.toString('utf16le') : Buffer.from(e.data).swap16().toString('utf16le');
      return Array.from(s, (c) => c.codePointAt(0)!);
    }
    return Array.from(this.numbers(e, 'char data'));
  }

  /** Reads the top-level element at `off`; returns [name, value, next] or null for skipped elements. */
  topLevel(b: Buffer, off: number): { name: string; value: MatValue | null; next: number } {
    const e = this.element(b, off, 'top level');
    if (e.type === MI.COMPRESSED) {
      let inner: Buffer;
      try {
        inner = inflateSync(e.data, { maxOutputLength: this.maxInflated });
      } catch (err) {
        throw new MatError(`${this.src}: cannot decompress the variable at byte ${off}: ${(err as Error).message}`);
      }
      const r = this.topLevel(inner, 0);
      return { name: r.name, value: r.value, next: e.next };
    }
    if (e.type !== MI.MATRIX) return { name: '', value: null, next: e.next };
    const { name, value } = this.matrix(e.data, 'top level');
    return { name, value, next: e.next };
  }

  matrix(d: Buffer, where: string): { name: string; value: MatValue } {
    if (d.length === 0) return { name: '', value: { kind: 'numeric', class: 'double', dims: [0, 0], logical: false, real: new Float64Array(0) } };
    let off = 0;
    const flagsEl = this.element(d, off, `${where}: array flags`);
    off = flagsEl.next;
    if (flagsEl.data.length < 8) throw new MatError(`${this.src}: malformed array flags in ${where}`);
    const flags = this.u32(flagsEl.data, 0);
    const cls = flags & 0xff;
    const complex = (flags & 0x800) !== 0;
    const logical = (flags & 0x200) !== 0;
    const dimsEl = this.element(d, off, `${where}: dimensions`);
    off = dimsEl.next;
    const dims = Array.from(this.numbers(dimsEl, `${where} dimensions`));
    if (dims.some((x) => !Number.isInteger(x) || x < 0)) throw new MatError(`${this.src}: malformed dimensions ${dims.join('×')} in ${where}`);
    const nameEl = this.element(d, off, `${where}: array name`);
    off = nameEl.next;
    const name = nameEl.data.toString('latin1');
    const label = name ? `${where} → ${name}` : where;
    const count = dims.reduce((a, x) => a * x, 1);

    const numeric = NUMERIC_CLASSES[cls];
    if (numeric) {
      const re = this.element(d, off, `${label}: real part`);
      const real = this.numbers(re, label);
      let imag: Float64Array | undefined;
      if (complex) imag = this.numbers(this.element(d, re.next, `${label}: imaginary part`), label);
      if (real.length !== count) throw new MatError(`${this.src}: ${label} has ${real.length} values but dimensions ${dims.join('×')}`);
      if (imag && imag.length !== count) throw new MatError(`${this.src}: ${label} has ${imag.length} imaginary values but dimensions ${dims.join('×')}`);
      return { name, value: { kind: 'numeric', class: numeric, dims, logical, real, imag } };
    }
    if (cls === 4) {
      const codes = count === 0 ? [] : this.chars(this.element(d, off, `${label}: characters`));
      if (codes.length !== count) throw new MatError(`${this.src}: char array ${label} has ${codes.length} characters but dimensions ${dims.join('×')}`);
      // Numeric char data can hold anything (-1, 1.5): String.fromCodePoint would throw a RangeError on it.
      const bad = codes.find((c) => !Number.isInteger(c) || c < 0 || c > 0x10ffff);
      if (bad !== undefined) throw new MatError(`${this.src}: char array ${label} holds ${bad}, which is not a character code`);
      // Column-major: row r is codes[r], codes[r + rows], ...
      const rowsN = dims[0] ?? 0;
      const colsN = rowsN === 0 ? 0 : count / rowsN;
      if (colsN === 0 && rowsN > MAX_EMPTY_ELEMENTS)
        throw new MatError(`${this.src}: char array ${label} claims ${rowsN} empty rows (dimensions ${dims.join('×')})`);
      const rows: string[] = [];
      for (let r = 0; r < rowsN; r++) {
        let s = '';
        for (let c = 0; c < colsN; c++) s += String.fromCodePoint(codes[r + c * rowsN]);
        rows.push(s);
      }
      return { name, value: { kind: 'char', dims, rows } };
    }
    if (cls === 1) {
      const cells: MatValue[] = [];
      for (let i = 0; i < count; i++) {
        const c = this.element(d, off, `${label}{${i + 1}}`);
        if (c.type !== MI.MATRIX) throw new MatError(`${this.src}: cell ${i + 1} of ${label} is not an array element`);
        cells.push(this.matrix(c.data, `${label}{${i + 1}}`).value);
        off = c.next;
      }
      return { name, value: { kind: 'cell', dims, cells } };
    }
    if (cls === 2) {
      const lenEl = this.element(d, off, `${label}: field name length`);
      off = lenEl.next;
      const fieldLen = this.numbers(lenEl, `${label} field name length`)[0];
      const namesEl = this.element(d, off, `${label}: field names`);
      off = namesEl.next;
      if (!fieldLen || namesEl.data.length % fieldLen !== 0) throw new MatError(`${this.src}: malformed field names in ${label}`);
      const fields: string[] = [];
      for (let i = 0; i < namesEl.data.length / fieldLen; i++) {
        const raw = namesEl.data.subarray(i * fieldLen, (i + 1) * fieldLen);
        const z = raw.indexOf(0);
        fields.push(raw.subarray(0, z < 0 ? raw.length : z).toString('latin1'));
      }
      // With no fields the elements hold no data, so nothing else bounds a (corrupt) huge count.
      if (fields.length === 0 && count > MAX_EMPTY_ELEMENTS) {
        throw new MatError(`${this.src}: struct array ${label} without fields claims ${count} elements (dimensions ${dims.join('×')})`);
      }
      const elements: Array<Record<string, MatValue>> = [];
      for (let i = 0; i < count; i++) {
        const rec: Record<string, MatValue> = {};
        for (const f of fields) {
          const c = this.element(d, off, `${label}.${f}`);
          if (c.type !== MI.MATRIX) throw new MatError(`${this.src}: field ${f} of ${label} is not an array element`);
          rec[f] = this.matrix(c.data, `${label}.${f}`).value;
          off = c.next;
        }
        elements.push(rec);
      }
      return { name, value: { kind: 'struct', dims, fields, elements } };
    }
    throw new MatError(`${this.src}: ${label} is a ${CLASS_NAMES[cls] ?? `class-${cls}`} array, which this reader does not support`);
  }
}

/** Parses a level-5 MAT-file; returns its variables by name. */
export function readMat(buf: Buffer, options: ReadMatOptions = {}): Record<string, MatValue> {
  const src = options.source ?? 'MAT-file';
  if (buf.length < 128) throw new MatError(`${src}: too short for a MAT-file header (${buf.length} bytes)`);
  const text = buf.subarray(0, 116).toString('latin1');
  if (text.startsWith('MATLAB 7.3') || buf.subarray(0, 8).equals(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    throw new MatError(`${src}: this is an HDF5-based v7.3 MAT-file; re-save it with save(..., '-v7') or scipy.io.savemat`);
  }
  const endian = buf.subarray(126, 128).toString('latin1');
  if (endian !== 'IM' && endian !== 'MI') {
    throw new MatError(
      `${src}: not a level-5 MAT-file (no endian indicator at byte 126${text.startsWith('MATLAB') ? '' : '; header does not start with "MATLAB"'})`,
    );
  }
  const le = endian === 'IM';
  const r = new Reader(le, src, options.maxInflatedBytes ?? 2 ** 30);
  const out: Record<string, MatValue> = {};
  let off = 128;
  while (off < buf.length) {
    // Trailing zero padding after the last element is tolerated.
    if (buf.length - off < 8) {
      if (buf.subarray(off).some((x) => x !== 0)) throw new MatError(`${src}: ${buf.length - off} stray bytes at the end; the file is truncated`);
      break;
    }
    const { name, value, next } = r.topLevel(buf, off);
    if (value && name) out[name] = value;
    if (next <= off) break;
    off = next;
  }
  return out;
}

/**
 * Plain JavaScript view of a MAT value: 1×1 structs become objects, struct arrays arrays of objects,
 * cells arrays, single-row char arrays strings (multi-row: string[]), 1×1 numerics numbers and other
 * numerics flat column-major number arrays.
 */
export function matToJs(v: MatValue): unknown {
  switch (v.kind) {
    case 'numeric':
      return v.real.length === 1 ? v.real[0] : Array.from(v.real);
    case 'char':
      return v.rows.length === 1 ? v.rows[0] : v.rows.length === 0 ? '' : v.rows;
    case 'cell':
      return v.cells.map(matToJs);
    case 'struct': {
      const objs = v.elements.map((e) => Object.fromEntries(Object.entries(e).map(([k, x]) => [k, matToJs(x)])));
      return objs.length === 1 ? objs[0] : objs;
    }
  }
}
