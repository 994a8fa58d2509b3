/**
 * Model graphs as they come (issue 17, items 5 and 6): graphs exported with a fixed batch size, the file
 * variants of transformers.js exports (quantized, fp16, …), optimum's combined graph, preprocessor configs
 * that are not CLIP's transform, and float16 inputs. Fixtures: test/fixtures/clip/make_variants.py.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';

import { embedTexts, float16Bits, float16Value, prepareBatch, runImageBatch } from '../src/clip/embed.js';
import { type ModelCard, openImageTower, openTextTower, readModelCard } from '../src/clip/model.js';
import { parseNpy } from '../src/io/npy.js';
import { fixture, ROOT, runCli, tempDir } from './helpers/cli.js';
import { cosine } from './helpers/reference-embeddings.js';

const TINY = join(ROOT, 'models', 'tiny-random');
const VARIANTS = fixture('clip', 'variants');
const ref = JSON.parse(readFileSync(fixture('clip', 'tiny_embeddings.json'), 'utf8')) as {
  images: { file: string }[];
  prompts: { text: string }[];
};
const IMAGES = ref.images.slice(0, 5).map((r) => fixture('clip', 'images', r.file));
const PROMPTS = ref.prompts.slice(0, 5).map((p) => p.text);

// --- a minimal protobuf editor: enough to rewrite the batch dimension of an ONNX graph's inputs and outputs ---

function readVarint(b: Uint8Array, i: number): [number, number] {
  let v = 0;
  let mul = 1;
  let c: number;
  do {
    c = b[i++];
    v += (c & 0x7f) * mul;
    mul *= 128;
  } while (c & 0x80);
  return [v, i];
}

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** The message `b` re-encoded, each length-delimited field replaced by what `fn` returns for its body (undefined: kept). */
function edit(b: Uint8Array, fn: (field: number, body: Uint8Array, nth: number) => Uint8Array | undefined): Uint8Array {
  const parts: Uint8Array[] = [];
  const seen = new Map<number, number>();
  let i = 0;
  while (i < b.length) {
    const start = i;
    const [tag, j] = readVarint(b, i);
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    i = j;
    if (wt === 0) i = readVarint(b, i)[1];
    else if (wt === 1) i += 8;
    else if (wt === 5) i += 4;
    else if (wt !== 2) throw new Error(`wire type ${wt}`);
    if (wt !== 2) {
      parts.push(b.subarray(start, i));
      continue;
    }
    const [len, k] = readVarint(b, i);
    i = k + len;
    const nth = seen.get(no) ?? 0;
    seen.set(no, nth + 1);
    const body = fn(no, b.subarray(k, i), nth);
    if (body === undefined) parts.push(b.subarray(start, i));
    else parts.push(Uint8Array.from([...varint(no * 8 + 2), ...varint(body.length)]), body);
  }
  return Buffer.concat(parts);
}

/**
 * ModelProto.graph (7) → GraphProto.input (11) / output (12) → ValueInfoProto.type (2) → TypeProto.tensor_type (1)
 * → shape (2) → the first dim (1) becomes { dim_value (1): n }: what make_variants.py does with onnx.
 */
function fixBatch(model: Uint8Array, n: number): Uint8Array {
  const shape = (s: Uint8Array) => edit(s, (f, _b, nth) => (f === 1 && nth === 0 ? Uint8Array.from([0x08, ...varint(n)]) : undefined));
  const tensor = (t: Uint8Array) => edit(t, (f, b) => (f === 2 ? shape(b) : undefined));
  const type = (t: Uint8Array) => edit(t, (f, b) => (f === 1 ? tensor(b) : undefined));
  const valueInfo = (v: Uint8Array) => edit(v, (f, b) => (f === 2 ? type(b) : undefined));
  const graph = (g: Uint8Array) => edit(g, (f, b) => (f === 11 || f === 12 ? valueInfo(b) : undefined));
  return edit(model, (f, b) => (f === 7 ? graph(b) : undefined));
}

const digests = JSON.parse(readFileSync(join(VARIANTS, 'sha256.json'), 'utf8')) as Record<string, string>;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A bare image.onnx + text.onnx pair: tiny-random's graphs with batch size n (bytes checked against onnx's). */
function fixedPair(n: number): string {
  const dir = tempDir('clip-topo-fixed-');
  for (const tower of ['image', 'text']) {
    const bytes = fixBatch(readFileSync(join(TINY, `${tower}.onnx`)), n);
    expect(sha256(bytes), `${tower}_b${n}.onnx as onnx 1.17 writes it`).toBe(digests[`${tower}_b${n}.onnx`]);
    writeFileSync(join(dir, `${tower}.onnx`), bytes);
  }
  return dir;
}

async function imageEmbeddings(card: ModelCard, paths = IMAGES): Promise<{ data: Float32Array; dim: number; batch?: number }> {
  const tower = await openImageTower(card, { threads: 1 });
  try {
    const batch = await prepareBatch(
      paths.map((path) => ({ path })),
      0,
      paths.length,
      card.preprocess,
    );
    expect(batch.skipped).toEqual([]);
    return { ...(await runImageBatch(tower, batch.tensor, card.preprocess.size)), batch: tower.batch };
  } finally {
    await tower.session.release();
  }
}

function expectSameRows(a: Float32Array, b: Float32Array, dim: number, rows: number, tol: number): void {
  expect(a.length).toBe(rows * dim);
  expect(b.length).toBe(rows * dim);
  for (let r = 0; r < rows; r++)
    expect(1 - cosine(a.subarray(r * dim, (r + 1) * dim), b.subarray(r * dim, (r + 1) * dim)), `row ${r}`).toBeLessThanOrEqual(tol);
}

/** The error of `f` (sync or async): its message, asserted to be one line. */
async function oneLine(f: () => unknown): Promise<string> {
  let message: string | undefined;
  try {
    await f();
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message, 'an error').toBeDefined();
  expect(message).not.toMatch(/\n/);
  return message!;
}

/** A CLI run that fails: exit code ≠ 0, exactly one line on stderr, no stack. */
function expectOneLineFailure(r: { code: number; stderr: string }): string {
  expect(r.code).not.toBe(0);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/i);
  return lines[0];
}

let dataset: string;
beforeAll(() => {
  dataset = tempDir('clip-topo-variants-data-');
  IMAGES.forEach((p, i) => {
    const cls = join(dataset, i < 3 ? 'banded' : 'blotchy');
    mkdirSync(cls, { recursive: true });
    copyFileSync(p, join(cls, p.split('/').pop()!));
  });
});

describe('graphs exported with a fixed batch size (issue 17, item 5)', () => {
  it.each([1, 3])('image graph with batch %i: the same embeddings as the symbolic-batch graph for 5 images', async (n) => {
    const symbolic = await imageEmbeddings(readModelCard(TINY));
    expect(symbolic.batch).toBeUndefined();
    const fixed = await imageEmbeddings(readModelCard(fixedPair(n)));
    expect(fixed.batch).toBe(n);
    expectSameRows(fixed.data, symbolic.data, symbolic.dim, 5, 1e-6);
  });

  it('the fixed graph itself takes no other batch size (why batching to it is needed)', async () => {
    const dir = fixedPair(3);
    const s = await ort.InferenceSession.create(join(dir, 'image.onnx'));
    try {
      expect(s.inputMetadata[0]).toMatchObject({ name: 'pixel_values', isTensor: true, shape: [3, 3, 224, 224] });
      await expect(s.run({ pixel_values: new ort.Tensor('float32', new Float32Array(5 * 3 * 224 * 224), [5, 3, 224, 224]) })).rejects.toThrow(
        /invalid dimensions/,
      );
    } finally {
      await s.release();
    }
  });

  it('an inference onnxruntime refuses is one line (here: the batch-3 graph run without batching to it)', async () => {
    const card = readModelCard(fixedPair(3));
    const tower = await openImageTower(card, { threads: 1 });
    try {
      const msg = await oneLine(() => runImageBatch({ ...tower, batch: undefined }, new Float32Array(5 * 3 * 224 * 224), 224));
      expect(msg).toMatch(/^image graph image_embeds: onnxruntime failed \(Got invalid dimensions for input: pixel_values .*Got: 5 Expected: 3/);
    } finally {
      await tower.session.release();
    }
  });

  it.each([1, 3])('text graph with batch %i: the same embeddings as the symbolic-batch graph for 5 prompts', async (n) => {
    const embed = async (card: ModelCard) => {
      const tower = await openTextTower(card, { threads: 1 });
      try {
        return { ...(await embedTexts(tower, card.tokenizer(), PROMPTS, card.contextLength)), batch: tower.batch };
      } finally {
        await tower.session.release();
      }
    };
    const symbolic = await embed(readModelCard(TINY));
    const fixed = await embed(readModelCard(fixedPair(n)));
    expect(symbolic.batch).toBeUndefined();
    expect(fixed.batch).toBe(n);
    expectSameRows(fixed.data, symbolic.data, symbolic.dim, 5, 1e-6);
  });

  it('embed (CLI) with a batch-3 graph and --batch-size 4: batches of 3, padded, equal to the symbolic graph', async () => {
    const out = tempDir('clip-topo-fixed-out-');
    const r = await runCli(['embed', '--dataset', dataset, '--model', fixedPair(3), '--batch-size', '4', '--out', out, '--threads', '1']);
    expect(r.code, r.stderr).toBe(0);
    const got = parseNpy(readFileSync(join(out, 'embeddings.npy')), 'embeddings.npy');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { items: { path: string }[] };
    const symbolic = await imageEmbeddings(
      readModelCard(TINY),
      manifest.items.map((i) => i.path),
    );
    expect(got.shape).toEqual([5, symbolic.dim]);
    expectSameRows(Float32Array.from(got.data as Float32Array), symbolic.data, symbolic.dim, 5, 1e-6);
  });
});

/** A Hugging Face layout folder with tiny-random's graphs under the given onnx/ names. */
function hfDir(files: Record<string, 'image' | 'text'>, preprocessor?: object): string {
  const dir = tempDir('clip-topo-hf-');
  mkdirSync(join(dir, 'onnx'));
  for (const [name, tower] of Object.entries(files)) copyFileSync(join(TINY, `${tower}.onnx`), join(dir, 'onnx', name));
  if (preprocessor) writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify(preprocessor));
  return dir;
}

describe('Hugging Face export variants (issue 17, item 6)', () => {
  it('only vision_model_quantized.onnx: one line naming the files found and --variant quantized; with the variant it loads', async () => {
    const dir = hfDir({ 'vision_model_quantized.onnx': 'image', 'text_model_quantized.onnx': 'text' });
    const msg = await oneLine(() => readModelCard(dir));
    expect(msg).toContain('no onnx/vision_model.onnx (the fp32 graph)');
    expect(msg).toContain('found onnx/text_model_quantized.onnx, onnx/vision_model_quantized.onnx: pass --variant quantized (or name the graphs');
    const card = readModelCard(dir, { variant: 'quantized' });
    expect(card.imagePath).toBe(join(dir, 'onnx', 'vision_model_quantized.onnx'));
    expect(card.textPath).toBe(join(dir, 'onnx', 'text_model_quantized.onnx'));
    const symbolic = await imageEmbeddings(readModelCard(TINY));
    expectSameRows((await imageEmbeddings(card)).data, symbolic.data, symbolic.dim, 5, 1e-6);

    expectOneLineFailure(await runCli(['embed', '--dataset', dataset, '--model', dir, '--out', tempDir()]));
    const ok = await runCli(['embed', '--dataset', dataset, '--model', dir, '--variant', 'quantized', '--out', tempDir(), '--threads', '1']);
    expect(ok.code, ok.stderr).toBe(0);
    // analyze takes the same flag: without it one line, with it the whole study.
    const study = (...more: string[]) => [
      'analyze',
      '--dataset',
      dataset,
      '--model',
      dir,
      '--out',
      join(tempDir(), 'an'),
      '--noise',
      '1',
      '--threads',
      '1',
      ...more,
    ];
    expectOneLineFailure(await runCli(study()));
    const an = await runCli(study('--variant', 'quantized'));
    expect(an.code, an.stderr).toBe(0);
  }, 120_000);

  it('every transformers.js suffix is a variant; a missing text graph of the variant names what is there', async () => {
    for (const v of ['fp16', 'int8', 'uint8', 'q4', 'bnb4'] as const) {
      const dir = hfDir({ [`vision_model_${v}.onnx`]: 'image' });
      expect(await oneLine(() => readModelCard(dir))).toContain(`pass --variant ${v}`);
      expect(readModelCard(dir, { variant: v }).imagePath).toBe(join(dir, 'onnx', `vision_model_${v}.onnx`));
    }
    const dir = hfDir({ 'vision_model_quantized.onnx': 'image', 'text_model.onnx': 'text' });
    const card = readModelCard(dir, { variant: 'quantized' });
    const msg = await oneLine(() => openTextTower(card));
    expect(msg).toContain('text_model_quantized.onnx: graph file not found (--variant quantized)');
    expect(msg).toContain('holds text_model.onnx, vision_model_quantized.onnx: pass --variant fp32');
    // --variant only means something for the Hugging Face layout.
    expect(await oneLine(() => readModelCard(TINY, { variant: 'fp16' }))).toMatch(/not one$/);
  });

  it("optimum's combined model.onnx: one line saying to export the towers separately", async () => {
    for (const where of ['onnx', '.']) {
      const dir = tempDir('clip-topo-combined-');
      mkdirSync(join(dir, where), { recursive: true });
      copyFileSync(join(VARIANTS, 'combined.onnx'), join(dir, where, 'model.onnx'));
      const msg = await oneLine(() => readModelCard(dir));
      expect(msg).toMatch(/combined CLIP graph .*export the vision and text towers as separate graphs/);
      const line = expectOneLineFailure(await runCli(['embed', '--dataset', dataset, '--model', dir, '--out', tempDir()]));
      expect(line).toContain('export the vision and text towers as separate graphs');
    }
    // The same graph named as a tower in model.json is recognised from its inputs.
    const dir = tempDir('clip-topo-combined-');
    copyFileSync(join(VARIANTS, 'combined.onnx'), join(dir, 'model.onnx'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ name: 'combined', image: { file: 'model.onnx' }, text: { file: 'model.onnx' } }));
    const card = readModelCard(dir);
    expect(await oneLine(() => openImageTower(card))).toMatch(/a combined CLIP graph \(inputs input_ids, pixel_values, attention_mask\)/);
    expect(await oneLine(() => openTextTower(card))).toMatch(/a combined CLIP graph/);
  });

  it('preprocessor_config.json that is not CLIP’s transform is refused in one line, never run as shortest side + crop', async () => {
    const tower = { 'vision_model.onnx': 'image', 'text_model.onnx': 'text' } as const;
    const refused: [object, RegExp][] = [
      [
        { size: { height: 200, width: 240 }, do_center_crop: false },
        /resizes every image to exactly 200×240 \(height×width, aspect ratio not kept\) and do_center_crop is false/,
      ],
      [{ size: { height: 224, width: 224 }, crop_size: { height: 224, width: 224 } }, /exactly 224×224/],
      [{ size: { shortest_edge: 224 }, do_center_crop: false }, /do_center_crop is false/],
      [{ size: { shortest_edge: 224 }, crop_size: { height: 200, width: 240 } }, /crop_size .* is not a square/],
      [{ do_resize: false }, /do_resize is false/],
    ];
    for (const [pre, why] of refused) {
      const dir = hfDir(tower, pre);
      expect(await oneLine(() => readModelCard(dir))).toMatch(why);
    }
    const line = expectOneLineFailure(await runCli(['embed', '--dataset', dataset, '--model', hfDir(tower, refused[0][0]), '--out', tempDir()]));
    expect(line).toMatch(/preprocessor_config\.json: size \{"height":200,"width":240\} resizes every image to exactly 200×240/);
    // CLIP's own forms still load: {shortest_edge} + square crop dict, and the old integers.
    expect(readModelCard(hfDir(tower, { size: { shortest_edge: 224 }, crop_size: { height: 224, width: 224 }, do_center_crop: true })).preprocess.size).toBe(
      224,
    );
    expect(readModelCard(hfDir(tower, { size: 224, crop_size: 224 })).preprocess.size).toBe(224);
  });

  it('a graph whose fixed image side differs from the model directory’s is one line', async () => {
    const dir = tempDir('clip-topo-side-');
    copyFileSync(join(TINY, 'image.onnx'), join(dir, 'image.onnx'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ name: 'x', image_size: 200 }));
    expect(await oneLine(() => openImageTower(readModelCard(dir)))).toMatch(/has shape \[batch, 3, 224, 224\], but the model directory describes 200×200/);
  });
});

describe('float16 graphs', () => {
  it('float16 bits: every half value round-trips, ties go to even, overflow and underflow saturate', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = float16Value(h);
      if (Number.isNaN(v)) expect(Number.isNaN(float16Value(float16Bits(v)))).toBe(true);
      else expect(float16Bits(v), `0x${h.toString(16)}`).toBe(h);
    }
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway between 1 and the next half: to even
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(float16Bits(65520)).toBe(0x7c00);
    expect(float16Bits(-1e6)).toBe(0xfc00);
    expect(float16Bits(2 ** -26)).toBe(0);
    expect(float16Bits(3 * 2 ** -26)).toBe(1); // above half the smallest subnormal
    expect(float16Bits(0.1)).toBe(0x2e66);
  });

  it('an image graph taking and giving float16: fed float16 pixels, its float16 output widened', async () => {
    const dir = tempDir('clip-topo-fp16-');
    copyFileSync(join(VARIANTS, 'fp16_io.onnx'), join(dir, 'image.onnx'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ name: 'fp16' }));
    const card = readModelCard(dir);
    const tower = await openImageTower(card, { threads: 1 });
    expect(tower.pixelType).toBe('float16');
    const batch = await prepareBatch(
      IMAGES.map((path) => ({ path })),
      0,
      IMAGES.length,
      card.preprocess,
    );
    const { data, dim } = await runImageBatch(tower, batch.tensor, card.preprocess.size);
    await tower.session.release();
    expect(dim).toBe(3);
    // The graph's embedding is the per-channel mean of the image.
    const n = 224 * 224;
    const want = new Float32Array(15);
    for (let r = 0; r < 5; r++)
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += batch.tensor[(r * 3 + c) * n + i];
        want[r * 3 + c] = s / n;
      }
    expectSameRows(data, want, 3, 5, 1e-5);
  });
});
