/**
 * Results of finished analysis steps, keyed by a hash of everything they depend on — the code that
 * computed them included — so a rerun or a resumed run reuses them, and a run of other code does not. One JSON file per step and key, written atomically; typed arrays survive the trip.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { writeAtomic } from '../io/atomic.js';
import { faultPoint } from '../io/faults.js';
import { keyOf } from '../io/hash.js';
import { codeVersion } from '../store/code-version.js';

export { keyOf };

type Typed = Float32Array | Float64Array | Int32Array | Uint32Array;
const TYPED: Record<string, new (v: number[]) => Typed> = { Float32Array, Float64Array, Int32Array, Uint32Array };

function encode(_k: string, v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    return { $typed: v.constructor.name, values: Array.from(v as Typed, (x) => (Number.isFinite(x) ? x : String(x))) };
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return { $num: String(v) };
  return v;
}

function decode(_k: string, v: unknown): unknown {
  if (v && typeof v === 'object') {
    const o = v as { $typed?: string; values?: (number | string)[]; $num?: string };
    if (o.$typed && o.values && TYPED[o.$typed]) return new TYPED[o.$typed](o.values.map(Number));
    if (o.$num !== undefined) return Number(o.$num);
  }
  return v;
}

export class StepCache {
  /** Steps answered from the cache in this run. */
  readonly reused: string[] = [];
  /** `read` false (--no-cache) recomputes every step but still records the results. */
  constructor(
    readonly dir: string,
    readonly read: boolean,
    /** The code computing the steps (store/code-version.ts): results of other code are never reused. */
    readonly code: string = codeVersion(),
  ) {}

  async run<T>(step: string, parts: unknown, compute: () => Promise<T>): Promise<{ value: T; cached: boolean }> {
    const file = join(this.dir, `${step}-${keyOf({ code: this.code, step, parts }).slice(0, 24)}.json`);
    if (this.read) {
      try {
        const value = JSON.parse(await readFile(file, 'utf8'), decode) as T;
        this.reused.push(step);
        return { value, cached: true };
      } catch {
        // Missing or unreadable (e.g. a torn file from an old crash): compute again.
      }
    }
    const value = await compute();
    await mkdir(this.dir, { recursive: true });
    await writeAtomic(file, JSON.stringify(value, encode));
    faultPoint('step', file);
    return { value, cached: false };
  }
}
