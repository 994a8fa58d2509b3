import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { parseNpy } from '../src/io/npy.js';
import { fixture, ROOT, runCli, tempDir } from './helpers/cli.js';

const TINY = join(ROOT, 'models', 'tiny-random');

function dataset(): string {
  const root = tempDir('clip-topo-noise-');
  const files: Record<string, string[]> = {
    banded: ['gray_320x250.jpg', 'cmyk_320x256.jpg'],
    dotted: ['palette_300x250.png', 'la_300x280.png'],
  };
  for (const [cls, list] of Object.entries(files)) {
    mkdirSync(join(root, cls), { recursive: true });
    for (const f of list) copyFileSync(fixture('clip', 'images', f), join(root, cls, f));
  }
  return root;
}

async function embed(root: string, extra: string[]): Promise<{ x: Float32Array; manifest: Record<string, unknown> }> {
  const out = tempDir('clip-topo-noise-out-');
  const r = await runCli(['embed', '--dataset', root, '--model', TINY, '--out', out, '--threads', '1', ...extra]);
  expect(r.code, r.stderr).toBe(0);
  const x = parseNpy(readFileSync(join(out, 'embeddings.npy')), 'embeddings.npy').data as Float32Array;
  return { x, manifest: JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) };
}

describe('embed --noise', () => {
  it('is seeded: the same seed gives the same embeddings, another seed or no noise differs', async () => {
    const root = dataset();
    const clean = await embed(root, []);
    const a = await embed(root, ['--noise', '1', '--seed', '3']);
    const b = await embed(root, ['--noise', '1', '--seed', '3', '--batch-size', '1']);
    const c = await embed(root, ['--noise', '1', '--seed', '4']);
    const zero = await embed(root, ['--noise', '0']);
    expect(Buffer.from(a.x.buffer).equals(Buffer.from(b.x.buffer))).toBe(true); // independent of batching
    expect(Buffer.from(a.x.buffer).equals(Buffer.from(c.x.buffer))).toBe(false);
    expect(Buffer.from(a.x.buffer).equals(Buffer.from(clean.x.buffer))).toBe(false);
    expect(Buffer.from(zero.x.buffer).equals(Buffer.from(clean.x.buffer))).toBe(true);
    expect(a.manifest.noise).toEqual({ kind: 'gaussian', sigma: 1, space: 'normalized', seed: 3 });
    expect(clean.manifest.noise).toBeNull();
    const pixel = await embed(root, ['--noise', '0.1', '--noise-space', 'pixel']);
    expect((pixel.manifest.noise as { space: string }).space).toBe('pixel');
  });

  it('rejects a negative σ or an unknown space as usage errors', async () => {
    const root = dataset();
    expect((await runCli(['embed', '--dataset', root, '--model', TINY, '--noise', '-1'])).code).toBe(2);
    expect((await runCli(['embed', '--dataset', root, '--model', TINY, '--noise', '1', '--noise-space', 'lab'])).code).toBe(2);
  });

  it('zeroshot --json reports the noise it applied', async () => {
    const r = await runCli(['zeroshot', '--dataset', dataset(), '--model', TINY, '--json', '--threads', '1', '--noise', '2', '--seed', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).noise).toEqual({ sigma: 2, space: 'normalized', seed: 1 });
  });
});
