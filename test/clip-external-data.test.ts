/**
 * Graphs whose weights live in external data files (issue 17, item 3): the embedding cache must key on
 * those files too. The fixture is tiny-random's image graph saved by onnx itself with every tensor in
 * image.onnx.data (test/fixtures/clip/make_external.py).
 */
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { externalDataFiles } from '../src/clip/onnx-files.js';
import { embedDataset } from '../src/clip/pipeline.js';
import { loadImageDataset } from '../src/data/images.js';
import { ROOT, fixture, runCli, tempDir } from './helpers/cli.js';
import { synthSet } from './helpers/synth-set.js';

const TINY = join(ROOT, 'models', 'tiny-random');
const EXT = fixture('clip', 'external');

/** tiny-random with its image graph replaced by the external-data one (no pin: the file differs). */
function modelDir(): string {
  const dir = tempDir('clip-topo-extmodel-');
  copyFileSync(join(TINY, 'text.onnx'), join(dir, 'text.onnx'));
  copyFileSync(join(EXT, 'image.onnx'), join(dir, 'image.onnx'));
  copyFileSync(join(EXT, 'image.onnx.data'), join(dir, 'image.onnx.data'));
  const card = JSON.parse(readFileSync(join(TINY, 'model.json'), 'utf8'));
  delete card.image.sha256;
  writeFileSync(join(dir, 'model.json'), JSON.stringify(card));
  return dir;
}

describe('external data files of an ONNX graph', () => {
  it('are the ones onnx lists, and none for a graph with its weights inside', async () => {
    const want = readFileSync(join(EXT, 'locations.txt'), 'utf8').trim().split('\n');
    expect(await externalDataFiles(join(EXT, 'image.onnx'))).toEqual(want);
    expect(await externalDataFiles(join(TINY, 'image.onnx'))).toEqual([]);
    expect(await externalDataFiles(join(TINY, 'text.onnx'))).toEqual([]);
  });

  it('a file that is not a graph is one error, not a crash', async () => {
    const bad = join(tempDir(), 'bad.onnx');
    writeFileSync(bad, Buffer.from([0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    await expect(externalDataFiles(bad)).rejects.toThrow(/bad\.onnx: not an ONNX graph/);
  });

  it('new weights in image.onnx.data under the same image.onnx are embedded again, not reused', async () => {
    const data = await synthSet({ prefix: 'clip-topo-ext-data-', classes: ['banded', 'dotted'], perClass: 6, size: 48, seed: 2 });
    const dataset = await loadImageDataset(data, { split: 'test' });
    const model = modelDir();
    const out = join(tempDir(), 'emb');
    const first = await embedDataset({ model, dataset, out, batchSize: 2, threads: 1 });
    // The same weights as tiny-random's inline graph: the same embeddings.
    const inline = await embedDataset({ model: TINY, dataset, out: join(tempDir(), 'inline'), batchSize: 2, threads: 1 });
    for (let i = 0; i < first.embeddings.length; i++) expect(first.embeddings[i]).toBeCloseTo(inline.embeddings[i], 6);
    expect((await embedDataset({ model, dataset, out, batchSize: 2, threads: 1 })).reusedBatches).toBe(Math.ceil(dataset.items.length / 2));

    // Other weights, same graph file: scale every float of the data file's second half.
    const file = join(model, 'image.onnx.data');
    const bytes = readFileSync(file);
    const f = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
    for (let i = f.length >> 1; i < f.length; i++) f[i] *= 1.5;
    writeFileSync(file, bytes);
    const again = await embedDataset({ model, dataset, out, batchSize: 2, threads: 1 });
    expect(again.reusedBatches).toBe(0);
    expect(again.manifest.key).not.toBe(first.manifest.key);
    let moved = 0;
    for (let i = 0; i < again.embeddings.length; i++) moved = Math.max(moved, Math.abs(again.embeddings[i] - first.embeddings[i]));
    expect(moved).toBeGreaterThan(1e-3);
  }, 120_000);

  it('a graph whose data file is missing is one line naming it', async () => {
    const model = modelDir();
    rmSync(join(model, 'image.onnx.data'));
    const data = await synthSet({ prefix: 'clip-topo-ext-missing-', classes: ['banded', 'dotted'], perClass: 3, size: 48, seed: 2 });
    const r = await runCli(['embed', '--dataset', data, '--model', model, '--out', join(tempDir(), 'e'), '--threads', '1']);
    expect(r.code, r.stderr).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/image\.onnx: its weights are in image\.onnx\.data, which is not beside it/);
  }, 60_000);
});
