import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { embedTexts } from '../src/clip/embed.js';
import { CATALOGUE, fetchFile, fetchModel } from '../src/clip/fetch.js';
import { openTextTower, readModelCard } from '../src/clip/model.js';
import { CancelledError } from '../src/errors.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

/**
 * Two servers on 127.0.0.1 that behave like the Hugging Face hub and its storage host: the hub answers
 * small files itself (ETag = git sha1) and redirects .onnx files with X-Linked-ETag / X-Linked-Size to
 * the storage host, which serves the bytes (with Range) under an ETag of its own that is NOT the sha256.
 */
const TINY = join(ROOT, 'models', 'tiny-random');
const REPO = '/Xenova/clip-vit-base-patch32/resolve/main';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('hex');
const OTHER = sha(Buffer.from('other'));

const merges = gunzipSync(readFileSync(join(ROOT, 'models', 'vocab', 'bpe_simple_vocab_16e6.txt.gz')))
  .toString('utf8')
  .split('\n')
  .slice(1, 48895);
const files: Record<string, Buffer> = {
  'config.json': Buffer.from(JSON.stringify({ projection_dim: 16, text_config: { max_position_embeddings: 77 } })),
  'preprocessor_config.json': Buffer.from(JSON.stringify({ crop_size: 224, size: 224, resample: 3 })),
  'tokenizer.json': Buffer.from(JSON.stringify({ model: { type: 'BPE', merges } })),
  'onnx/vision_model.onnx': readFileSync(join(TINY, 'image.onnx')),
  'onnx/text_model.onnx': readFileSync(join(TINY, 'text.onnx')),
};
const original = { ...files };
const VISION = 'onnx/vision_model.onnx';
const TEXT = 'onnx/text_model.onnx';

let hub: Server;
let storage: Server;
let hubUrl = '';
let storageUrl = '';
/** `<method> <path>` of every hub request. */
const hubLog: string[] = [];
/** `<method> <path> <range>` of every storage request. */
const storageLog: string[] = [];
/** Files whose sha256 the hub lies about (to test the check). */
const lying = new Set<string>();
/** Files the storage host stops sending after this many bytes: `drop` destroys the socket, `short` ends cleanly without a length. */
const cut = new Map<string, { after: number; how: 'drop' | 'short' }>();
/** When set, the storage host's ETag is the file's true sha256 (so trusting it would hide the hub's lie). */
let storageEtagIsSha = false;

afterEach(() => {
  lying.clear();
  cut.clear();
  storageEtagIsSha = false;
  Object.assign(files, original);
  hubLog.length = 0;
  storageLog.length = 0;
});

/** 200, or 206/416 for `Range: bytes=N-`. */
function serve(req: IncomingMessage, res: ServerResponse, body: Buffer, headers: Record<string, string>): void {
  const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  const from = range ? Number(range[1]) : 0;
  if (range && from >= body.length) {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${body.length}` }).end();
    return;
  }
  const status = range ? 206 : 200;
  const extra: Record<string, string> = range ? { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } : {};
  res.writeHead(status, { ...headers, ...extra, 'content-length': String(body.length - from) });
  res.end(req.method === 'HEAD' ? undefined : body.subarray(from));
}

function hubHandler(req: IncomingMessage, res: ServerResponse): void {
  const url = decodeURIComponent(req.url ?? '');
  if (url === '/loop') {
    res.writeHead(302, { location: '/loop' }).end();
    return;
  }
  // Second hop of a relative redirect (as for a renamed repository): it declares a different sha256,
  // which the client must ignore because the first answer already declared one.
  const hop = /^\/second-hop\/(.+)$/.exec(url);
  if (hop) {
    hubLog.push(`${req.method} ${url}`);
    res.writeHead(302, { 'x-linked-etag': `"${OTHER}"`, location: `${storageUrl}/blobs/${hop[1]}` }).end();
    return;
  }
  const path = url.replace(REPO + '/', '');
  const body = files[path];
  hubLog.push(`${req.method} ${path}`);
  if (!url.startsWith(REPO) || !body) {
    res.writeHead(404).end();
    return;
  }
  if (!path.endsWith('.onnx')) {
    serve(req, res, body, { etag: `"${sha1(body)}"` });
    return;
  }
  const location = path === TEXT ? `/second-hop/${path}` : `${storageUrl}/blobs/${path}?signature=xyz`;
  res
    .writeHead(302, {
      'x-linked-etag': `"${lying.has(path) ? OTHER : sha(body)}"`,
      'x-linked-size': String(body.length),
      etag: `"${sha1(body)}"`,
      location,
    })
    .end();
}

function storageHandler(req: IncomingMessage, res: ServerResponse): void {
  const path = decodeURIComponent(new URL(req.url ?? '', storageUrl).pathname).replace(/^\/blobs\//, '');
  storageLog.push(`${req.method} ${path} ${req.headers.range ?? ''}`.trim());
  const body = files[path];
  if (!body) {
    res.writeHead(404).end();
    return;
  }
  const headers = { etag: `"${storageEtagIsSha ? sha(body) : randomBytes(32).toString('hex')}"` };
  const c = cut.get(path);
  if (c && !req.headers.range) {
    if (c.how === 'short') {
      res.writeHead(200, headers);
      res.end(body.subarray(0, c.after));
    } else {
      res.writeHead(200, { ...headers, 'content-length': String(body.length) });
      res.write(body.subarray(0, c.after), () => req.socket.destroy());
    }
    return;
  }
  serve(req, res, body, headers);
}

const listen = async (s: Server) => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
};

beforeAll(async () => {
  hub = createServer(hubHandler);
  storage = createServer(storageHandler);
  hubUrl = await listen(hub);
  storageUrl = await listen(storage);
});
afterAll(async () => {
  await new Promise<void>((r) => hub.close(() => r()));
  await new Promise<void>((r) => storage.close(() => r()));
});

const fetchCli = (to: string) => runCli(['model', 'fetch', 'clip-vit-base-patch32', '--to', to, '--mirror', hubUrl]);
const record = (to: string) => JSON.parse(readFileSync(join(to, 'fetch.json'), 'utf8')) as { files: { path: string; sha256: string; checked?: string }[] };
const lines = (s: string) => s.trim().split('\n');

describe('clip-topo model fetch (against a fake hub and storage host on 127.0.0.1)', () => {
  it('follows the redirects, checks the sha256 the hub declares (not the storage ETag), and the result loads and embeds', async () => {
    const to = join(tempDir(), 'm');
    const r = await fetchCli(to);
    expect(r.code, r.stderr).toBe(0);
    for (const [p, b] of Object.entries(files)) expect(sha(readFileSync(join(to, p))), p).toBe(sha(b));
    // The bytes came from the storage host, once each, whole.
    expect(storageLog.sort()).toEqual([`GET ${TEXT}`, `GET ${VISION}`]);
    const rec = record(to);
    for (const f of rec.files) expect(f.sha256, f.path).toBe(sha(files[f.path]));
    // Large files were checked against the hub's X-Linked-ETag; small ones (git sha1 ETag) only recorded.
    expect(Object.fromEntries(rec.files.map((f) => [f.path, f.checked]))).toEqual({
      'config.json': 'none',
      'preprocessor_config.json': 'none',
      'tokenizer.json': 'none',
      [VISION]: 'server',
      [TEXT]: 'server',
    });
    const card = readModelCard(to);
    expect(card.layout).toBe('huggingface');
    const { dim } = await embedTexts(await openTextTower(card), card.tokenizer(), ['a photo of a grid texture.'], card.contextLength);
    expect(dim).toBe(16);
  });

  it('a rerun on a complete folder verifies and downloads nothing', async () => {
    const to = join(tempDir(), 'm');
    await fetchModel('clip-vit-base-patch32', to, { host: hubUrl });
    hubLog.length = 0;
    storageLog.length = 0;
    const r = await fetchCli(to);
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stderr)).toEqual(['clip-topo model fetch: 5 files already complete, verified (sha256)']);
    expect(storageLog).toEqual([]);
    // Only header-only requests to the hub (to compare its current sha256), no body.
    expect(hubLog.every((l) => l.startsWith('HEAD '))).toBe(true);
  });

  it('a rerun fetches again a file that changed upstream, and only that one', async () => {
    const to = join(tempDir(), 'm');
    await fetchModel('clip-vit-base-patch32', to, { host: hubUrl });
    storageLog.length = 0;
    files[TEXT] = Buffer.concat([original[TEXT], Buffer.from('v2')]);
    const r = await fetchCli(to);
    expect(r.code, r.stderr).toBe(0);
    expect(storageLog).toEqual([`GET ${TEXT}`]);
    expect(r.stderr).toContain(`${TEXT} sha256 ${sha(files[TEXT])}`);
    expect(r.stderr).toContain('4 files already complete, verified');
    expect(sha(readFileSync(join(to, TEXT)))).toBe(sha(files[TEXT]));
    expect(record(to).files.find((f) => f.path === TEXT)?.sha256).toBe(sha(files[TEXT]));
  });

  it('a dropped connection keeps the .part and says a rerun resumes; the rerun resumes with Range', async () => {
    const to = join(tempDir(), 'm');
    cut.set(VISION, { after: 200_000, how: 'drop' });
    const r = await fetchCli(to);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/onnx\/vision_model\.onnx: connection dropped after 0\.\d MB of 0\.6 MB; run the same command again to resume$/m);
    expect(r.stderr).not.toMatch(/network access/);
    const part = join(to, 'onnx', 'vision_model.onnx.part');
    const have = statSync(part).size;
    expect(have).toBeGreaterThan(0);
    expect(have).toBeLessThan(files[VISION].length);
    expect(existsSync(join(to, VISION))).toBe(false);
    // The small files done before the drop are recorded already.
    expect(record(to).files.map((f) => f.path)).toEqual(['config.json', 'preprocessor_config.json', 'tokenizer.json']);

    cut.clear();
    storageLog.length = 0;
    const again = await fetchCli(to);
    expect(again.code, again.stderr).toBe(0);
    expect(storageLog).toContain(`GET ${VISION} bytes=${have}-`);
    expect(again.stderr).toContain(`${VISION} sha256 ${sha(files[VISION])} (resumed)`);
    expect(again.stderr).toContain('3 files already complete, verified');
    expect(sha(readFileSync(join(to, VISION)))).toBe(sha(files[VISION]));
    expect(existsSync(part)).toBe(false);
  });

  it('a server that ends cleanly but short of X-Linked-Size is a dropped connection too', async () => {
    const to = join(tempDir(), 'm');
    cut.set(VISION, { after: 1000, how: 'short' });
    await expect(fetchModel('clip-vit-base-patch32', to, { host: hubUrl })).rejects.toThrow(
      /vision_model\.onnx: connection dropped after 0\.0 MB of 0\.6 MB; run the same command again to resume/,
    );
    expect(statSync(join(to, 'onnx', 'vision_model.onnx.part')).size).toBe(1000);
  });

  it('a .part that already holds the whole file is only checked; one longer than X-Linked-Size is fetched again', async () => {
    const to = join(tempDir(), 'm');
    mkdirSync(join(to, 'onnx'), { recursive: true });
    writeFileSync(join(to, `${VISION}.part`), files[VISION]);
    writeFileSync(join(to, `${TEXT}.part`), Buffer.concat([files[TEXT], Buffer.from('junk')]));
    const r = await fetchModel('clip-vit-base-patch32', to, { host: hubUrl });
    expect(storageLog).toEqual([`GET ${VISION} bytes=${files[VISION].length}-`, `GET ${TEXT} bytes=${files[TEXT].length + 4}-`, `GET ${TEXT}`]);
    expect(r.files.find((f) => f.path === VISION)).toMatchObject({ resumed: true, checked: 'server' });
    expect(r.files.find((f) => f.path === TEXT)).toMatchObject({ resumed: false, checked: 'server' });
    for (const p of [VISION, TEXT]) expect(sha(readFileSync(join(to, p)))).toBe(sha(files[p]));
  });

  it('refuses a file whose sha256 differs from the hub declaration even when the storage ETag matches it, and keeps nothing of it', async () => {
    const to = join(tempDir(), 'm');
    lying.add(VISION);
    storageEtagIsSha = true;
    const r = await fetchCli(to);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toContain(
      `${hubUrl}${REPO}/${VISION}: downloaded file has sha256 ${sha(files[VISION])}, expected ${OTHER} (declared by the server); removed it, run the command again`,
    );
    expect(existsSync(join(to, VISION))).toBe(false);
    expect(existsSync(join(to, `${VISION}.part`))).toBe(false);
  });

  it('cancelling through the AbortSignal stops the download and keeps the .part', async () => {
    const to = join(tempDir(), 'm');
    const ac = new AbortController();
    const run = fetchModel('clip-vit-base-patch32', to, {
      host: hubUrl,
      signal: ac.signal,
      onProgress: (file) => {
        if (file.endsWith('vision_model.onnx')) ac.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(existsSync(join(to, `${VISION}.part`))).toBe(true);
    expect(existsSync(join(to, VISION))).toBe(false);
  });

  it('offline, a rerun on a complete folder verifies against fetch.json', async () => {
    const to = join(tempDir(), 'm');
    await fetchModel('clip-vit-base-patch32', to, { host: hubUrl });
    const closed = createServer();
    const gone = await listen(closed);
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await fetchModel('clip-vit-base-patch32', to, { host: gone });
    expect(r.files.map((f) => [f.skipped, f.checked])).toEqual(Array(5).fill([true, 'recorded']));
  });

  it('a sha256 pinned in the catalogue is checked instead of the hub declaration', async () => {
    const base = `{host}${REPO}`;
    try {
      CATALOGUE['test-pinned'] = { description: 'test', base, files: [{ path: VISION, sha256: sha(files[VISION]) }] };
      lying.add(VISION);
      const ok = await fetchModel('test-pinned', join(tempDir(), 'm'), { host: hubUrl });
      expect(ok.files[0]).toMatchObject({ sha256: sha(files[VISION]), checked: 'pinned', skipped: false });
      CATALOGUE['test-pinned'] = { description: 'test', base, files: [{ path: VISION, sha256: OTHER }] };
      lying.clear();
      await expect(fetchModel('test-pinned', join(tempDir(), 'm'), { host: hubUrl })).rejects.toThrow(`expected ${OTHER} (pinned in the catalogue)`);
    } finally {
      delete CATALOGUE['test-pinned'];
    }
  });

  it('gives up after 5 redirects', async () => {
    await expect(fetchFile(`${hubUrl}/loop`, join(tempDir(), 'x'), undefined)).rejects.toThrow(/more than 5 redirects/);
  });

  it('without network: one clear line, exit 1', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await runCli(['model', 'fetch', 'clip-vit-base-patch32', '--to', join(tempDir(), 'm'), '--mirror', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(lines(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): model fetch needs network access/);
  });

  it('unknown names are a usage error listing the known ones', async () => {
    const r = await runCli(['model', 'fetch', 'nope', '--to', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/clip-vit-base-patch32/);
  });
});
