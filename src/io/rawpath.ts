/**
 * File names that are not valid UTF-8 (Linux allows any bytes but '/' and NUL; old archives and
 * Windows-1252 unzips make them). Node decodes such names lossily (each bad byte becomes U+FFFD), so
 * the path it hands back no longer names the file: every later open fails with ENOENT.
 *
 * The convention is Python's "surrogateescape" (PEP 383): a byte that is not part of a valid UTF-8
 * sequence becomes the lone surrogate U+DC80 + (byte − 0x80). Valid UTF-8 never decodes to a lone
 * surrogate, so the mapping is reversible: the string path travels through the program (maps, JSON,
 * worker messages keep lone surrogates), and `diskPath` turns it back into the exact bytes at the
 * moment the file system is asked. `shownPath` is the form for people: each raw byte as \xHH.
 */
import { readdir } from 'node:fs/promises';

const strict = new TextDecoder('utf-8', { fatal: true });

/** A lone surrogate of the escape range (the `u` flag makes a valid surrogate pair never match). */
const ESCAPED = /[\udc80-\udcff]/u;
const ESCAPED_ALL = /[\udc80-\udcff]/gu;

/** Length of the UTF-8 sequence a lead byte starts (0: the byte cannot start one). */
function sequenceLength(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/** Decodes a file name's bytes, escaping the bytes that are not valid UTF-8 (see the module comment). */
export function nameFromBytes(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    // Fall through to the byte-by-byte decode: rare, so its cost does not matter.
  }
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes[i]);
    if (n > 0 && i + n <= bytes.length) {
      try {
        // The strict decoder rejects overlong forms, surrogates and values above U+10FFFF for us.
        out += strict.decode(bytes.subarray(i, i + n));
        i += n;
        continue;
      } catch {
        // not a valid sequence: escape its first byte and go on
      }
    }
    out += String.fromCharCode(0xdc00 + bytes[i]);
    i++;
  }
  return out;
}

/** True when the path holds escaped bytes, i.e. must reach the file system as a Buffer. */
export function hasRawBytes(p: string): boolean {
  return ESCAPED.test(p);
}

/** The path as the file system must see it: the string itself, or its exact bytes when it holds escapes. */
export function diskPath(p: string): string | Buffer {
  if (!hasRawBytes(p)) return p;
  const parts: Buffer[] = [];
  let run = '';
  for (const ch of p) {
    const c = ch.codePointAt(0)!;
    if (c >= 0xdc80 && c <= 0xdcff) {
      if (run) parts.push(Buffer.from(run, 'utf8'));
      run = '';
      parts.push(Buffer.from([c - 0xdc00]));
    } else run += ch;
  }
  if (run) parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** The path for messages, reports and CSV: each raw byte written as \xHH. */
export function shownPath(p: string): string {
  return hasRawBytes(p) ? p.replace(ESCAPED_ALL, (s) => `\\x${(s.charCodeAt(0) - 0xdc00).toString(16).toUpperCase().padStart(2, '0')}`) : p;
}

export interface RawDirent {
  /** The entry's name, escaped where its bytes are not UTF-8. */
  name: string;
  isDirectory(): boolean;
  isFile(): boolean;
  isSymbolicLink(): boolean;
}

/** readdir with file types that keeps names which are not UTF-8 (see the module comment). */
export async function readdirRaw(dir: string): Promise<RawDirent[]> {
  const entries = await readdir(diskPath(dir), { withFileTypes: true, encoding: 'buffer' });
  return entries.map((e) => ({
    name: nameFromBytes(e.name),
    isDirectory: () => e.isDirectory(),
    isFile: () => e.isFile(),
    isSymbolicLink: () => e.isSymbolicLink(),
  }));
}

/** readdir of names only, keeping names which are not UTF-8. */
export async function readdirNames(dir: string): Promise<string[]> {
  return (await readdirRaw(dir)).map((e) => e.name);
}
