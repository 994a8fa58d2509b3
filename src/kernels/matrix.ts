import { InputError } from '../errors.js';

/** A row-major matrix as it crosses into the native core: flat data plus its shape. */
export interface Matrix {
  data: Float32Array | Float64Array;
  rows: number;
  cols: number;
}

export function checkShape(m: Matrix, what: string): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.rows < 0 || m.cols < 0) {
    throw new InputError(`${what}: shape ${m.rows}×${m.cols} is not a pair of non-negative integers`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new InputError(`${what}: ${m.data.length} values do not fill a ${m.rows}×${m.cols} matrix`);
  }
}
