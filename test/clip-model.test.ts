import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { embedTexts } from '../src/clip/embed.js';
import { checkedSha256, openImageTower, openTextTower, readModelCard } from '../src/clip/model.js';
import { cosine, embedImageFiles } from './helpers/reference-embeddings.js';
import { ROOT, fixture, tempDir } from './helpers/cli.js';

const TINY = join(ROOT, 'models', 'tiny-random');
interface Ref {
  images: { file: string; embedding: number[] }[];
  prompts: { text: string; embedding: number[] }[];
}
const ref = JSON.parse(readFileSync(fixture('clip', 'tiny_embeddings.json'), 'utf8')) as Ref;

describe('tiny-random CLIP: TS pipeline vs PyTorch (models/tiny-random/make.py), 1 − cos ≤ 1e-5', () => {
  it('every fixture image, preprocessed and embedded in one batch', async () => {
    const card = readModelCard(TINY);
    const { data, dim, skipped } = await embedImageFiles(
      card,
      ref.images.map((r) => fixture('clip', 'images', r.file)),
    );
    expect(skipped).toBe(0);
    expect(dim).toBe(ref.images[0].embedding.length);
    ref.images.forEach((r, i) => {
      const c = cosine(data.subarray(i * dim, (i + 1) * dim), r.embedding);
      expect(1 - c, r.file).toBeLessThanOrEqual(1e-5);
    });
  });

  it('every fixture prompt', async () => {
    const card = readModelCard(TINY);
    const tower = await openTextTower(card, { threads: 1 });
    const { data, dim } = await embedTexts(
      tower,
      card.tokenizer(),
      ref.prompts.map((p) => p.text),
      card.contextLength,
    );
    ref.prompts.forEach((p, i) => {
      const c = cosine(data.subarray(i * dim, (i + 1) * dim), p.embedding);
      expect(1 - c, p.text).toBeLessThanOrEqual(1e-5);
    });
  });
});

describe('model directories', () => {
  it('loads a bare torch.onnx.export pair (no model.json) with CLIP defaults and a warning', async () => {
    const dir = tempDir();
    copyFileSync(join(TINY, 'image.onnx'), join(dir, 'image.onnx'));
    copyFileSync(join(TINY, 'text.onnx'), join(dir, 'text.onnx'));
    const card = readModelCard(dir);
    expect(card.layout).toBe('onnx-pair');
    expect(card.warnings.join(' ')).toMatch(/no model\.json/);
    expect((await openImageTower(card)).names).toEqual({ input: 'pixel_values', output: 'image_embeds' });
  });

  it('loads the Hugging Face layout (onnx/, merges.txt + vocab.json, preprocessor_config.json)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'onnx'));
    copyFileSync(join(TINY, 'image.onnx'), join(dir, 'onnx', 'vision_model.onnx'));
    copyFileSync(join(TINY, 'text.onnx'), join(dir, 'onnx', 'text_model.onnx'));
    writeFileSync(
      join(dir, 'preprocessor_config.json'),
      JSON.stringify({
        crop_size: { height: 224, width: 224 },
        size: { shortest_edge: 224 },
        resample: 3,
        image_mean: [0.48145466, 0.4578275, 0.40821073],
        image_std: [0.26862954, 0.26130258, 0.27577711],
      }),
    );
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ projection_dim: 16, text_config: { max_position_embeddings: 77 } }));
    const { gunzipSync } = await import('node:zlib');
    const merges = gunzipSync(readFileSync(join(ROOT, 'models', 'vocab', 'bpe_simple_vocab_16e6.txt.gz')))
      .toString('utf8')
      .split('\n')
      .slice(1, 48895);
    writeFileSync(join(dir, 'merges.txt'), ['#version: 0.2', ...merges].join('\n') + '\n');
    writeFileSync(join(dir, 'vocab.json'), JSON.stringify({ '<|endoftext|>': 49407, 'a</w>': 320 }));
    const card = readModelCard(dir);
    expect(card.layout).toBe('huggingface');
    const tower = await openTextTower(card);
    const { data, dim } = await embedTexts(tower, card.tokenizer(), [ref.prompts[0].text], card.contextLength);
    expect(1 - cosine(data.subarray(0, dim), ref.prompts[0].embedding)).toBeLessThanOrEqual(1e-5);
    writeFileSync(join(dir, 'vocab.json'), JSON.stringify({ 'a</w>': 321 }));
    expect(() => readModelCard(dir).tokenizer()).toThrow(/not a CLIP vocabulary/);
  });

  it('names what it expected and found when the graph does not fit', async () => {
    const dir = tempDir();
    copyFileSync(join(TINY, 'text.onnx'), join(dir, 'image.onnx'));
    copyFileSync(join(TINY, 'text.onnx'), join(dir, 'text.onnx'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ name: 'x', image: { file: 'image.onnx', input: 'pixel_values' } }));
    await expect(openImageTower(readModelCard(dir))).rejects.toThrow(
      /expected an image input "pixel_values" .*found inputs \[input_ids\], outputs \[text_embeds\]/,
    );
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ name: 'x', image: { sha256: '00' } }));
    await expect(openImageTower(readModelCard(dir))).rejects.toThrow(/sha256 is [0-9a-f]{64}, model\.json says 00/);
    expect(() => readModelCard(tempDir())).toThrow(/not a CLIP model directory/);
  });

  it('creating the session while the hash is computed: the hash is checked first and its error wins', async () => {
    const card = readModelCard(TINY);
    const real = await checkedSha256(card.imagePath);
    const tower = await openImageTower(card, { threads: 1, sha256: checkedSha256(card.imagePath) });
    expect(tower.sha256).toBe(real);
    await tower.session.release();
    // A damaged graph with a pin: onnxruntime cannot load it either, but the report is the hash mismatch.
    const dir = tempDir();
    writeFileSync(join(dir, 'image.onnx'), 'not a graph');
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ name: 'x', image: { sha256: '00' } }));
    const bad = readModelCard(dir);
    await expect(openImageTower(bad, { sha256: checkedSha256(bad.imagePath, bad.imageSha256) })).rejects.toThrow(/sha256 is [0-9a-f]{64}, model\.json says 00/);
    await expect(openImageTower(bad, { sha256: checkedSha256(bad.imagePath) })).rejects.toThrow(/onnxruntime cannot load it/);
  });
});
