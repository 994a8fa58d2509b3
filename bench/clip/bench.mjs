// embed throughput vs a bare onnxruntime-node loop over pre-made tensors (same model, threads, batch).
// Usage: node bench/clip/bench.mjs <model dir> <work dir> [images=64] [threads=2] [batch=32] [reps=3]
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';

import * as ort from 'onnxruntime-node';
import sharp from 'sharp';

import { openImageTower, readModelCard } from '../../dist/clip/model.js';
import { embedDataset } from '../../dist/clip/pipeline.js';
import { loadImageDataset } from '../../dist/data/images.js';
import { prepareBatch } from '../../dist/clip/embed.js';

const [modelDir, work, nArg = '64', tArg = '2', bArg = '32', rArg = '3'] = process.argv.slice(2);
const N = Number(nArg),
  T = Number(tArg),
  B = Number(bArg),
  REPS = Number(rArg);
const SPIN = process.env.SPIN === '1';

// DTD-like inputs: JPEGs from 300 to 640 px a side, textured.
const data = join(work, 'data');
if (!existsSync(data)) {
  for (let i = 0; i < N; i++) {
    const w = 300 + ((i * 37) % 341),
      h = 300 + ((i * 53) % 341);
    const raw = Buffer.alloc(w * h * 3);
    let s = i + 1;
    for (let p = 0; p < raw.length; p++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      raw[p] = (((p / 3) % w) * 2 + Math.floor(p / 3 / w) + (s >> 24)) & 255;
    }
    const dir = join(data, `class${i % 4}`);
    mkdirSync(dir, { recursive: true });
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(join(dir, `img${String(i).padStart(4, '0')}.jpg`));
  }
}
const dataset = await loadImageDataset(data);
const card = readModelCard(modelDir);
const S = card.preprocess.size;

// Pre-made tensors for the bare loop (not timed).
const tensors = [];
for (let s = 0; s < dataset.items.length; s += B)
  tensors.push((await prepareBatch(dataset.items, s, Math.min(dataset.items.length, s + B), card.preprocess)).tensor);

async function bare() {
  // The same session options as embed (openImageTower), created outside the timing.
  const { session, names } = await openImageTower(card, { threads: T, spin: SPIN });
  const input = names.input;
  await session.run({ [input]: new ort.Tensor('float32', tensors[0].subarray(0, 3 * S * S), [1, 3, S, S]) }); // warm-up
  const t0 = performance.now();
  for (const t of tensors) await session.run({ [input]: new ort.Tensor('float32', t, [t.length / (3 * S * S), 3, S, S]) });
  const secs = (performance.now() - t0) / 1000;
  await session.release();
  return N / secs;
}

async function embed() {
  const out = join(work, 'out');
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  let first = 0;
  await embedDataset({
    model: card,
    dataset,
    out,
    batchSize: B,
    threads: T,
    spin: SPIN,
    onProgress: (done) => {
      if (done === 0 && !first) first = performance.now();
    },
  });
  const end = performance.now();
  // End to end includes hashing the 350 MB graph and creating the session (fixed costs); steady state starts at the first batch's preparation.
  return { endToEnd: N / ((end - t0) / 1000), steady: N / ((end - first) / 1000) };
}

const rows = [];
for (let r = 0; r < REPS; r++) {
  const b = await bare();
  const e = await embed();
  rows.push({ bare: b, embed_steady: e.steady, embed_end_to_end: e.endToEnd });
  console.log(
    `rep ${r + 1}: bare ${b.toFixed(2)} img/s, embed ${e.steady.toFixed(2)} img/s steady (${e.endToEnd.toFixed(2)} end to end), ratio ${(e.steady / b).toFixed(3)}`,
  );
}
const med = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
// The machine's speed drifts between repetitions (bare alone varies by ±5 % here), so the median of the
// paired per-repetition ratios (bare and embed measured back to back) is reported beside the ratio of medians.
for (const r of rows) r.ratio = r.embed_steady / r.bare;
console.log(
  JSON.stringify({
    spin: SPIN,
    images: N,
    threads: T,
    batch: B,
    reps: REPS,
    bare_median: med('bare'),
    embed_steady_median: med('embed_steady'),
    embed_end_to_end_median: med('embed_end_to_end'),
    ratio_steady: med('embed_steady') / med('bare'),
    ratio_end_to_end: med('embed_end_to_end') / med('bare'),
    ratio_steady_paired_median: med('ratio'),
  }),
);
