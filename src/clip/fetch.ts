/**
 * `clip-topo model fetch`: downloads a public CLIP ONNX export into a model directory, resumably
 * (HTTP Range on a `.part` file) and with sha256 checks: against the catalogue's pin when there is one,
 * otherwise against the sha256 the Hugging Face hub declares for large files (`X-Linked-ETag` on its
 * first, redirecting answer), and always recorded in `<dir>/fetch.json` so a rerun can verify and skip.
 *
 * How the hub answers `GET <repo>/resolve/main/<file>`: a large (LFS) file gets a 302 carrying
 * `X-Linked-ETag: "<sha256>"` and `X-Linked-Size`, and a `Location` on a storage host whose own ETag is
 * not the sha256; a small file gets a 200 whose ETag is a git blob sha1. So redirects are followed by
 * hand, the sha256 is taken from the hub's headers only, and no ETag is ever read as a sha256.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { CancelledError, ClipTopoError, InputError } from '../errors.js';
import { sha256File } from '../io/hash.js';

export interface RemoteFile {
  /** Path under the repository root, also the path written under the target directory. */
  path: string;
  /**
   * A pinned sha256, checked instead of the hub's declaration. Set only when known for certain (never
   * guessed): without it the hub's X-Linked-ETag is the check for large files.
   */
  sha256?: string;
}

export interface CatalogueEntry {
  description: string;
  /** Repository root URL on the default host; `{host}` is replaced by the mirror when one is given. */
  base: string;
  files: RemoteFile[];
}

const HF_LAYOUT: RemoteFile[] = [
  { path: 'config.json' },
  { path: 'preprocessor_config.json' },
  { path: 'tokenizer.json' },
  { path: 'onnx/vision_model.onnx' },
  { path: 'onnx/text_model.onnx' },
];

/** Public ONNX exports of OpenAI's CLIP weights in the Hugging Face layout (transformers.js conversions). */
export const CATALOGUE: Record<string, CatalogueEntry> = {
  'clip-vit-base-patch32': {
    description: 'OpenAI CLIP ViT-B/32, ONNX export (Xenova/clip-vit-base-patch32), ~600 MB',
    base: '{host}/Xenova/clip-vit-base-patch32/resolve/main',
    files: HF_LAYOUT,
  },
  'clip-vit-base-patch16': {
    description: 'OpenAI CLIP ViT-B/16, ONNX export (Xenova/clip-vit-base-patch16), ~600 MB',
    base: '{host}/Xenova/clip-vit-base-patch16/resolve/main',
    files: HF_LAYOUT,
  },
  'clip-vit-large-patch14': {
    description: 'OpenAI CLIP ViT-L/14, ONNX export (Xenova/clip-vit-large-patch14), ~1.7 GB',
    base: '{host}/Xenova/clip-vit-large-patch14/resolve/main',
    files: HF_LAYOUT,
  },
};

export const DEFAULT_HOST = 'https://huggingface.co';

/** Redirect hops followed per file (the hub sends one, a renamed repository one more). */
const MAX_HOPS = 5;

export interface FetchOptions {
  /** Replaces the default host (as HF_ENDPOINT does for Hugging Face tools). */
  host?: string;
  signal?: AbortSignal;
  onProgress?: (file: string, done: number, total: number) => void;
}

/** What a file's sha256 was checked against: the catalogue's pin, the hub's declaration, `fetch.json`, or nothing. */
export type CheckedAgainst = 'pinned' | 'server' | 'recorded' | 'none';

export interface FetchedFile {
  path: string;
  sha256: string;
  /** The download continued a `.part` left by an earlier run. */
  resumed: boolean;
  /** The file was already complete and verified: nothing was downloaded. */
  skipped: boolean;
  checked: CheckedAgainst;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function networkError(url: string, err: unknown): ClipTopoError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  return new ClipTopoError(
    `cannot reach ${hostOf(url)} (${why}): model fetch needs network access; elsewhere, copy a model directory by hand (see models/README.md)`,
    'ERR_NETWORK',
    1,
  );
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** The transfer broke after some bytes: the `.part` stays, so the same command continues from there. */
function droppedError(dest: string, done: number, total: number): ClipTopoError {
  return new ClipTopoError(
    `${dest}: connection dropped after ${mb(done)}${total > 0 ? ` of ${mb(total)}` : ''}; run the same command again to resume`,
    'ERR_NETWORK_DROPPED',
    1,
  );
}

/** The sha256 the hub vouches for. Only X-Linked-ETag: a plain ETag is a git sha1 (hub) or the storage host's own tag. */
function linkedSha(res: Response): string | undefined {
  const v = res.headers.get('x-linked-etag')?.replace(/^W\//, '').replace(/"/g, '').toLowerCase();
  return v && /^[0-9a-f]{64}$/.test(v) ? v : undefined;
}

function linkedSize(res: Response): number | undefined {
  const v = Number(res.headers.get('x-linked-size') ?? Number.NaN);
  return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

interface Opened {
  res: Response;
  /** URL that answered with the bytes (after redirects). */
  url: string;
  declared?: string;
  size?: number;
}

async function request(url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<Response> {
  try {
    // identity: byte counts and ranges must refer to the file itself, not to a compressed transfer.
    return await fetch(url, { ...init, redirect: 'manual', signal, headers: { 'accept-encoding': 'identity', ...init.headers } });
  } catch (err) {
    if (signal?.aborted) throw new CancelledError();
    throw networkError(url, err);
  }
}

/**
 * GETs `url` following redirects by hand, so the hub's X-Linked-ETag / X-Linked-Size are read from the
 * answer that carries them (the first one found wins) and never from the storage host's.
 */
async function openFile(url: string, from: number, signal: AbortSignal | undefined): Promise<Opened> {
  let current = url;
  let declared: string | undefined;
  let size: number | undefined;
  for (let hop = 0; ; hop++) {
    const res = await request(current, { headers: from > 0 ? { range: `bytes=${from}-` } : {} }, signal);
    declared ??= linkedSha(res);
    size ??= linkedSize(res);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return { res, url: current, declared, size };
    await res.body?.cancel();
    if (hop + 1 >= MAX_HOPS) throw new ClipTopoError(`${url}: more than ${MAX_HOPS} redirects`, 'ERR_NETWORK', 1);
    current = new URL(location, current).href;
  }
}

/**
 * The hub's current sha256 for a file, from a HEAD that does not follow the redirect (no bytes move).
 * Undefined for small files (the hub declares none) and when the host cannot be reached: the caller then
 * falls back to what `fetch.json` recorded.
 */
async function probeDeclared(url: string, signal: AbortSignal | undefined): Promise<string | undefined> {
  try {
    return linkedSha(await request(url, { method: 'HEAD' }, signal));
  } catch (err) {
    if (err instanceof CancelledError) throw err;
    return undefined;
  }
}

/** Where a ranged answer starts, from `Content-Range: bytes <start>-<end>/<size>`. */
function rangeStart(res: Response): number | undefined {
  const m = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Appends the body to `part`; a stream that breaks or ends short keeps the part for a resume. */
async function writeBody(res: Response, part: string, dest: string, offset: number, total: number, opts: FetchOptions): Promise<void> {
  const fh = await open(part, offset > 0 ? 'a' : 'w');
  let done = offset;
  let writing = false;
  try {
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        writing = true;
        await fh.write(chunk);
        writing = false;
        done += chunk.length;
        opts.onProgress?.(dest, done, total);
      }
    }
  } catch (err) {
    if (opts.signal?.aborted) throw new CancelledError();
    // A full disk is not a dropped connection.
    if (writing) throw new ClipTopoError(`${part}: cannot write (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_FILE', 1);
    throw droppedError(dest, done, total);
  } finally {
    await fh.close();
  }
  // A server that closes cleanly but early (no or wrong Content-Length) is a dropped connection too.
  if (total > 0 && done < total) throw droppedError(dest, done, total);
}

/**
 * Downloads one file to `dest`, resuming `dest.part` when the server supports ranges, and checks it
 * against `pinned`, else against the sha256 the hub declares. Returns the sha256 and what it was checked against.
 */
export async function fetchFile(
  url: string,
  dest: string,
  pinned: string | undefined,
  opts: FetchOptions = {},
): Promise<{ sha256: string; resumed: boolean; checked: CheckedAgainst }> {
  await mkdir(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const have = existsSync(part) ? (await stat(part)).size : 0;
  const { res, url: from, declared, size } = await openFile(url, have, opts.signal);
  const expected = pinned ?? declared;
  let offset = 0;
  if (have > 0 && res.status === 206) {
    const start = rangeStart(res);
    if (start !== have) {
      await res.body?.cancel();
      await rm(part, { force: true });
      throw new ClipTopoError(
        `${url}: asked ${hostOf(from)} for bytes from ${have}, got a range from ${start ?? '?'}; removed the partial file, run the command again`,
        'ERR_NETWORK',
        1,
      );
    }
    offset = have;
  } else if (have > 0 && res.status === 416) {
    await res.body?.cancel();
    // Nothing to check a supposedly complete part against (a small file), or it is longer than the
    // declared size: fetch it whole instead.
    if (!expected || (size !== undefined && have !== size)) {
      await rm(part, { force: true });
      return fetchFile(url, dest, pinned, opts);
    }
    // The part already holds the whole file: only the check remains.
    offset = have;
  } else if (res.status !== 200) {
    await res.body?.cancel();
    // The answering URL may be a signed storage link: name only its host.
    const via = from === url ? '' : ` (from ${hostOf(from)})`;
    throw new ClipTopoError(`${url}: HTTP ${res.status} ${res.statusText}${via}`, 'ERR_NETWORK', 1);
  }
  // A 200 to a ranged request means the server ignored the range: start over (offset 0 truncates the part).
  if (res.status !== 416) {
    const total = size ?? offset + Number(res.headers.get('content-length') ?? 0);
    await writeBody(res, part, dest, offset, total, opts);
  }
  const sha256 = await sha256File(part);
  if (expected && sha256 !== expected) {
    await rm(part, { force: true });
    const by = pinned ? 'pinned in the catalogue' : 'declared by the server';
    throw new InputError(`${url}: downloaded file has sha256 ${sha256}, expected ${expected} (${by}); removed it, run the command again`, 'ERR_CHECKSUM');
  }
  await rename(part, dest);
  return { sha256, resumed: offset > 0, checked: pinned ? 'pinned' : declared ? 'server' : 'none' };
}

interface FetchRecord {
  name: string;
  source: string;
  files: { path: string; sha256: string; checked?: CheckedAgainst }[];
}

/** sha256s an earlier fetch of the same model recorded in `<dir>/fetch.json` (none if absent, unreadable or another model's). */
async function readRecord(file: string, name: string): Promise<Map<string, string>> {
  try {
    const r = JSON.parse(await readFile(file, 'utf8')) as FetchRecord;
    if (r.name !== name || !Array.isArray(r.files)) return new Map();
    return new Map(r.files.filter((f) => typeof f.sha256 === 'string').map((f) => [f.path, f.sha256]));
  } catch {
    return new Map();
  }
}

/** Written after every file (through a rename), so a run cut short still records what it completed. */
async function writeRecord(file: string, record: FetchRecord): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(record, null, 1) + '\n');
  await rename(`${file}.tmp`, file);
}

/**
 * Is `dest` already the wanted file? The reference is the pin, else the hub's current declaration (so a
 * file changed upstream is fetched again), else the sha256 `fetch.json` recorded. No reference: fetch it.
 */
async function alreadyComplete(url: string, dest: string, pinned: string | undefined, recorded: string | undefined, opts: FetchOptions) {
  if (!existsSync(dest)) return undefined;
  const declared = pinned ? undefined : await probeDeclared(url, opts.signal);
  const reference = pinned ?? declared ?? recorded;
  if (!reference) return undefined;
  // Changed upstream since it was recorded: no need to hash the old file.
  if (recorded && recorded !== reference && !pinned) return undefined;
  if ((await sha256File(dest)) !== reference) return undefined;
  const checked: CheckedAgainst = pinned ? 'pinned' : declared ? 'server' : 'recorded';
  return { sha256: reference, checked };
}

export async function fetchModel(name: string, to: string, opts: FetchOptions = {}): Promise<{ files: FetchedFile[] }> {
  const entry = CATALOGUE[name];
  if (!entry) {
    throw new ClipTopoError(`unknown model "${name}"; known: ${Object.keys(CATALOGUE).join(', ')}`, 'ERR_USAGE', 2);
  }
  const base = entry.base.replace('{host}', (opts.host ?? process.env.HF_ENDPOINT ?? DEFAULT_HOST).replace(/\/$/, ''));
  const recordFile = join(to, 'fetch.json');
  const recorded = await readRecord(recordFile, name);
  await mkdir(to, { recursive: true });
  const files: FetchedFile[] = [];
  for (const f of entry.files) {
    const url = `${base}/${f.path}`;
    const dest = join(to, f.path);
    const done = await alreadyComplete(url, dest, f.sha256, recorded.get(f.path), opts);
    if (done) {
      files.push({ path: f.path, ...done, resumed: false, skipped: true });
    } else {
      const r = await fetchFile(url, dest, f.sha256, opts);
      files.push({ path: f.path, ...r, skipped: false });
    }
    // Keep the records of files not reached yet, so an interrupted run loses nothing it knew.
    const known = new Map(recorded);
    for (const g of files) known.set(g.path, g.sha256);
    const checkedOf = new Map(files.map((g) => [g.path, g.checked]));
    await writeRecord(recordFile, {
      name,
      source: base,
      files: entry.files
        .filter((g) => known.has(g.path))
        .map((g) => ({ path: g.path, sha256: known.get(g.path)!, ...(checkedOf.has(g.path) ? { checked: checkedOf.get(g.path) } : {}) })),
    });
  }
  return { files };
}
