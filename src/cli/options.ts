/** Option parsers shared by commands: they reject bad values as usage errors (exit 2). */
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`"${value}" is not a positive integer.`);
  }
  return n;
}

/** Most worker threads a kernel takes (the native pools refuse more): a larger count is a typo, and building
 * a pool of millions of threads would not fail, only never finish. */
export const MAX_THREADS = 1024;

export function threadCount(value: string): number {
  const n = positiveInt(value);
  if (n > MAX_THREADS) throw new InvalidArgumentError(`"${value}" is more than ${MAX_THREADS} threads.`);
  return n;
}

export function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n <= 1)) throw new InvalidArgumentError(`"${value}" is not a fraction in (0, 1].`);
  return n;
}

export function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`"${value}" is not a finite number.`);
  return n;
}

/** A positive integer of at most `max`: counts past it are typos that would run for hours or exhaust memory. */
export function boundedInt(max: number, what: string): (value: string) => number {
  return (value: string) => {
    const n = positiveInt(value);
    if (n > max) throw new InvalidArgumentError(`"${value}" is more than ${max} ${what}.`);
    return n;
  };
}
