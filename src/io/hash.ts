/**
 * Every hash clip-topo takes, in one place: sha256 of files (streamed: model graphs run to hundreds of
 * megabytes), of bytes and typed arrays, and of settings as canonical JSON (cache keys).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

import { mapLimit } from '../concurrency.js';
import { diskPath } from './rawpath.js';

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** sha256 (hex) of strings, byte buffers and typed arrays, hashed one after another. */
export function sha256Hex(...parts: (string | ArrayBufferView)[]): string {
  return sha256Bytes(...parts).toString('hex');
}

export function sha256Bytes(...parts: (string | ArrayBufferView)[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest();
}

/** Canonical JSON (sorted keys) so that equal settings give equal keys whatever their key order. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** A cache key: sha256 of the canonical JSON of everything a result depends on. */
export function keyOf(parts: unknown): string {
  return sha256Hex(canonical(parts));
}

/**
 * sha256 of each file's bytes ("" for a file that cannot be read; the caller reports it when decoding).
 * Eight at a time: reading thousands at once would open as many descriptors (macOS allows 256 by
 * default), and a refused open would pass for an unreadable file.
 */
export async function hashFiles(paths: string[]): Promise<string[]> {
  return mapLimit(paths, 8, async (p) => {
    try {
      return sha256Hex(await readFile(diskPath(p)));
    } catch {
      return '';
    }
  });
}
