/**
 * `clip-topo model fetch`: downloads a public CLIP ONNX export into a model directory, resumably
 * (HTTP Range on a `.part` file) and with sha256 checks: against the catalogue's pin when there is one,
 * otherwise against the sha256 the Hugging Face server declares for large files (`X-Linked-ETag`), and
 * always recorded in `<dir>/fetch.json` so a later fetch or load can tell if a file changed.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { CancelledError, ClipTopoError, InputError } from '../errors.js';
import { sha256File } from '../io/hash.js';

export interface RemoteFile {
  /** Path under the repository root, also the path written under the target directory. */
  path: string;
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

export interface FetchOptions {
  /** Replaces the default host (as HF_ENDPOINT does for Hugging Face tools). */
  host?: string;
  signal?: AbortSignal;
  onProgress?: (file: string, done: number, total: number) => void;
}

function networkError(url: string, err: unknown): ClipTopoError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message;
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  return new ClipTopoError(
    `cannot reach ${host} (${why}): model fetch needs network access; elsewhere, copy a model directory by hand (see models/README.md)`,
    'ERR_NETWORK',
    1,
  );
}

/** The sha256 a server vouches for: Hugging Face sends it as X-Linked-ETag (or ETag) for large files. */
function declaredSha(res: Response): string | undefined {
  for (const h of ['x-linked-etag', 'etag']) {
    const v = res.headers.get(h)?.replace(/^W\//, '').replace(/"/g, '');
    if (v && /^[0-9a-f]{64}$/.test(v)) return v;
  }
  return undefined;
}

/** Downloads one file to `dest`, resuming `dest.part` when the server supports ranges. */
export async function fetchFile(url: string, dest: string, pinned: string | undefined, opts: FetchOptions = {}): Promise<{ sha256: string; resumed: boolean }> {
  await mkdir(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const have = existsSync(part) ? (await stat(part)).size : 0;
  let res: Response;
  try {
    res = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: opts.signal, redirect: 'follow' });
  } catch (err) {
    if (opts.signal?.aborted) throw new CancelledError();
    throw networkError(url, err);
  }
  let resumed = false;
  let offset = 0;
  if (res.status === 206 && have > 0) {
    resumed = true;
    offset = have;
  } else if (res.status === 416 && have > 0) {
    // The part is already complete: only the check remains.
    resumed = true;
    offset = have;
  } else if (!res.ok) {
    throw new ClipTopoError(`${url}: HTTP ${res.status} ${res.statusText}`, 'ERR_NETWORK', 1);
  }
  const expected = pinned ?? declaredSha(res);
  const total = offset + Number(res.headers.get('content-length') ?? 0);
  if (res.status !== 416 && res.body) {
    const fh = await open(part, resumed ? 'a' : 'w');
    let done = offset;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        await fh.write(chunk);
        done += chunk.length;
        opts.onProgress?.(dest, done, total);
      }
    } catch (err) {
      if (opts.signal?.aborted) throw new CancelledError();
      throw networkError(url, err);
    } finally {
      await fh.close();
    }
  } else {
    await res.body?.cancel();
  }
  const sha256 = await sha256File(part);
  if (expected && sha256 !== expected) {
    await rm(part, { force: true });
    throw new InputError(`${url}: downloaded file has sha256 ${sha256}, expected ${expected}; removed it, run the command again`, 'ERR_CHECKSUM');
  }
  await rename(part, dest);
  return { sha256, resumed };
}

export async function fetchModel(
  name: string,
  to: string,
  opts: FetchOptions = {},
): Promise<{ files: { path: string; sha256: string; resumed: boolean; skipped: boolean }[] }> {
  const entry = CATALOGUE[name];
  if (!entry) {
    throw new ClipTopoError(`unknown model "${name}"; known: ${Object.keys(CATALOGUE).join(', ')}`, 'ERR_USAGE', 2);
  }
  const base = entry.base.replace('{host}', (opts.host ?? process.env.HF_ENDPOINT ?? DEFAULT_HOST).replace(/\/$/, ''));
  const files = [];
  for (const f of entry.files) {
    const dest = join(to, f.path);
    if (existsSync(dest) && f.sha256 && (await sha256File(dest)) === f.sha256) {
      files.push({ path: f.path, sha256: f.sha256, resumed: false, skipped: true });
      continue;
    }
    const r = await fetchFile(`${base}/${f.path}`, dest, f.sha256, opts);
    files.push({ path: f.path, ...r, skipped: false });
  }
  await writeFile(
    join(to, 'fetch.json'),
    JSON.stringify({ name, source: base, files: files.map((f) => ({ path: f.path, sha256: f.sha256 })) }, null, 1) + '\n',
  );
  return { files };
}
