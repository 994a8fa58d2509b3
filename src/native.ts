/**
 * The only importer of the native addon. Wraps each call so that core errors (messages starting with
 * `[CODE]`) become ClipTopoErrors with that code, and AbortSignals reach the kernel as a cancel token.
 */
import { createRequire } from 'node:module';

import { CancelledError, ClipTopoError, InputError } from './errors.js';

type Addon = typeof import('../native/index.cjs');

let cached: Addon | undefined;

/** Loads the addon lazily so that commands which need no kernel still work without it. */
export function addon(): Addon {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  try {
    cached = require('../native/index.cjs') as Addon;
  } catch (err) {
    throw new ClipTopoError(
      `the native addon for ${process.platform}-${process.arch} could not be loaded (${(err as Error).message.split('\n')[0]}); ` +
        'reinstall clip-topo, or build it from a clone with `npm run build`',
      'ERR_NATIVE_MISSING',
    );
  }
  return cached;
}

/** The addon file that was loaded (for cache keys: results follow the code that made them). */
export function addonFile(): string | undefined {
  addon();
  const require = createRequire(import.meta.url);
  return Object.keys(require.cache).find((k) => k.endsWith('.node') && /clip-topo/.test(k));
}

export type ProgressFn = (stage: string, done: number, total: number) => void;

export interface Hooks {
  onProgress?: ProgressFn;
  signal?: AbortSignal;
}

const CODE = /^\[(ERR_[A-Z_]+)\] ([\s\S]*)$/;

function mapError(err: unknown): Error {
  if (!(err instanceof Error)) return new ClipTopoError(String(err));
  const m = CODE.exec(err.message);
  if (!m) return err;
  const [, code, message] = m;
  if (code === 'ERR_CANCELLED') return new CancelledError();
  if (code === 'ERR_INVALID_INPUT') return new InputError(message, code);
  return new ClipTopoError(message, code);
}

/**
 * Runs one native call with cancellation wired up: `start(token, progress)` must start the call and
 * return its promise. An already-aborted signal rejects before any work starts.
 */
export async function callNative<T>(
  hooks: Hooks | undefined,
  start: (token: InstanceType<Addon['CancelToken']> | undefined, progress: ProgressFn | undefined) => Promise<T>,
): Promise<T> {
  const signal = hooks?.signal;
  if (signal?.aborted) throw new CancelledError();
  const token = signal ? new (addon().CancelToken)() : undefined;
  const onAbort = () => token?.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await start(token, hooks?.onProgress);
  } catch (err) {
    throw mapError(err);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Runs one synchronous native call (no cancellation: meant for short calls on worker threads). */
export function callNativeSync<T>(call: (native: Addon) => T): T {
  try {
    return call(addon());
  } catch (err) {
    throw mapError(err);
  }
}
