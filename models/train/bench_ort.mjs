// Throughput of a model directory's image tower in onnxruntime-node (what `clip-topo embed` runs):
// preprocessed random tensors in batches, intra-op threads as given, best of a few rounds.
// Usage: node models/train/bench_ort.mjs <model dir> [threads=2] [batch=32] [images=512]
import { join } from 'node:path';

import * as ort from 'onnxruntime-node';

const [dir, threads = '2', batch = '32', total = '512'] = process.argv.slice(2);
const B = Number(batch);
const session = await ort.InferenceSession.create(join(dir, 'image.onnx'), {
  intraOpNumThreads: Number(threads), interOpNumThreads: 1, executionMode: 'sequential',
  extra: { session: { intra_op: { allow_spinning: '0' } } },
});
const data = new Float32Array(B * 3 * 224 * 224);
for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898) * 1.5;
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, [B, 3, 224, 224]) };
await session.run(feeds); // warm-up
let best = Infinity;
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  for (let done = 0; done < Number(total); done += B) await session.run(feeds);
  best = Math.min(best, (performance.now() - t0) / 1000);
}
console.log(JSON.stringify({ dir, threads: Number(threads), batch: B, images: Number(total), seconds: best, imagesPerSecond: Number(total) / best }));
