import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { embedTexts } from '../src/clip/embed.js';
import { openTextTower, readModelCard } from '../src/clip/model.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';

const TINY = join(ROOT, 'models', 'tiny-random');
const REPO = '/Xenova/clip-vit-base-patch32/resolve/main';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

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

let server: Server;
let host = '';
const ranges: string[] = [];
/** Files whose declared sha256 the server lies about (to test the check). */
const lying = new Set<string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = decodeURIComponent(req.url ?? '').replace(REPO + '/', '');
    const body = files[path];
    if (!req.url?.startsWith(REPO) || !body) {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = {};
    if (path.endsWith('.onnx')) headers['x-linked-etag'] = `"${lying.has(path) ? sha(Buffer.from('other')) : sha(body)}"`;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      ranges.push(`${path} ${req.headers.range}`);
      const from = Number(range[1]);
      if (from >= body.length) {
        res.writeHead(416, headers).end();
        return;
      }
      res.writeHead(206, { ...headers, 'content-length': String(body.length - from), 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` });
      res.end(body.subarray(from));
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': String(body.length) });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('clip-topo model fetch (against a local HTTP server on 127.0.0.1)', () => {
  it('downloads the Hugging Face layout, checks sha256, and the result loads and embeds', async () => {
    const to = join(tempDir(), 'm');
    const r = await runCli(['model', 'fetch', 'clip-vit-base-patch32', '--to', to, '--mirror', host]);
    expect(r.code, r.stderr).toBe(0);
    for (const [p, b] of Object.entries(files)) expect(sha(readFileSync(join(to, p)))).toBe(sha(b));
    const lock = JSON.parse(readFileSync(join(to, 'fetch.json'), 'utf8'));
    expect(lock.files.find((f: { path: string }) => f.path === 'onnx/text_model.onnx').sha256).toBe(sha(files['onnx/text_model.onnx']));
    const card = readModelCard(to);
    expect(card.layout).toBe('huggingface');
    const { dim } = await embedTexts(await openTextTower(card), card.tokenizer(), ['a photo of a grid texture.'], card.contextLength);
    expect(dim).toBe(16);
  });

  it('resumes a partial download with an HTTP Range request', async () => {
    const to = join(tempDir(), 'm');
    mkdirSync(join(to, 'onnx'), { recursive: true });
    writeFileSync(join(to, 'onnx', 'vision_model.onnx.part'), files['onnx/vision_model.onnx'].subarray(0, 1000));
    ranges.length = 0;
    const r = await runCli(['model', 'fetch', 'clip-vit-base-patch32', '--to', to, '--mirror', host]);
    expect(r.code, r.stderr).toBe(0);
    expect(ranges).toEqual(['onnx/vision_model.onnx bytes=1000-']);
    expect(r.stderr).toMatch(/vision_model\.onnx sha256 [0-9a-f]{64} \(resumed\)/);
    expect(sha(readFileSync(join(to, 'onnx', 'vision_model.onnx')))).toBe(sha(files['onnx/vision_model.onnx']));
  });

  it('refuses a file whose sha256 differs from the declared one, and keeps nothing of it', async () => {
    const to = join(tempDir(), 'm');
    lying.add('onnx/vision_model.onnx');
    try {
      const r = await runCli(['model', 'fetch', 'clip-vit-base-patch32', '--to', to, '--mirror', host]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/sha256 .* expected/);
      expect(existsSync(join(to, 'onnx', 'vision_model.onnx'))).toBe(false);
      expect(existsSync(join(to, 'onnx', 'vision_model.onnx.part'))).toBe(false);
    } finally {
      lying.clear();
    }
  });

  it('without network: one clear line, exit 1', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await runCli(['model', 'fetch', 'clip-vit-base-patch32', '--to', join(tempDir(), 'm'), '--mirror', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): model fetch needs network access/);
  });

  it('unknown names are a usage error listing the known ones', async () => {
    const r = await runCli(['model', 'fetch', 'nope', '--to', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/clip-vit-base-patch32/);
  });
});
