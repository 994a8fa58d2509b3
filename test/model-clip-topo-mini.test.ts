import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { embedTexts } from '../src/clip/embed.js';
import { DEFAULT_MODEL_DIR, openTextTower, readModelCard, resolveModelDir } from '../src/clip/model.js';
import { cosine, embedImageFiles } from './helpers/reference-embeddings.js';
import { ROOT, fixture } from './helpers/cli.js';

// clip-topo-mini, the packaged default model (models/train/train.py): the TS pipeline (sharp decoding,
// the Rust bicubic resampler, onnxruntime-node) must reproduce PyTorch's embeddings of held-out images
// (synth seed 0) and prompts, which train.py --fixture wrote after training.
const MINI = join(ROOT, 'models', 'clip-topo-mini');
interface Ref {
  images: { file: string; embedding: number[] }[];
  prompts: { text: string; ids: number[]; embedding: number[] }[];
}
const ref = JSON.parse(readFileSync(fixture('clip-topo-mini', 'embeddings.json'), 'utf8')) as Ref;

describe('clip-topo-mini: TS pipeline vs PyTorch, 1 − cos ≤ 1e-5', () => {
  it('held-out images', async () => {
    const card = readModelCard(MINI);
    const { data, dim, skipped } = await embedImageFiles(
      card,
      ref.images.map((r) => fixture('clip-topo-mini', r.file)),
    );
    expect(skipped).toBe(0);
    expect(dim).toBe(ref.images[0].embedding.length);
    ref.images.forEach((r, i) => {
      const c = cosine(data.subarray(i * dim, (i + 1) * dim), r.embedding);
      expect(1 - c, r.file).toBeLessThanOrEqual(1e-5);
    });
    // Different textures must not collapse to one direction (a dead tower would pass the check above).
    expect(cosine(data.subarray(0, dim), data.subarray(dim, 2 * dim))).toBeLessThan(0.99);
  });

  it('prompts, tokenized by clip-topo as in training', async () => {
    const card = readModelCard(MINI);
    const tok = card.tokenizer();
    const ids = tok.tokenize(ref.prompts.map((p) => p.text));
    ref.prompts.forEach((p, i) => expect(Array.from(ids[i]), p.text).toEqual(p.ids));
    const tower = await openTextTower(card, { threads: 1 });
    const { data, dim } = await embedTexts(
      tower,
      tok,
      ref.prompts.map((p) => p.text),
      card.contextLength,
    );
    ref.prompts.forEach((p, i) => {
      const c = cosine(data.subarray(i * dim, (i + 1) * dim), p.embedding);
      expect(1 - c, p.text).toBeLessThanOrEqual(1e-5);
    });
  });

  it('is the default model, with its trained logit scale, and stays small', () => {
    const saved = process.env.CLIP_TOPO_MODEL;
    delete process.env.CLIP_TOPO_MODEL;
    try {
      expect(resolveModelDir(undefined)).toBe(DEFAULT_MODEL_DIR);
      expect(DEFAULT_MODEL_DIR).toBe(MINI);
      expect(resolveModelDir('elsewhere')).toBe('elsewhere');
    } finally {
      if (saved !== undefined) process.env.CLIP_TOPO_MODEL = saved;
    }
    const card = readModelCard(MINI);
    expect(card.name).toBe('clip-topo-mini');
    expect(card.logitScale).toBeGreaterThan(1);
    expect(card.logitScale).toBeLessThanOrEqual(100);
    const bytes = readdirSync(MINI).reduce((s, f) => s + statSync(join(MINI, f)).size, 0);
    expect(bytes).toBeLessThanOrEqual(25 * 1024 * 1024);
  });
});
