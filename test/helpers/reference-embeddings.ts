/** Shared by the model tests that compare the TS pipeline with PyTorch's reference embeddings. */
import { prepareBatch, runImageBatch } from '../../src/clip/embed.js';
import { openImageTower, type ModelCard } from '../../src/clip/model.js';

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

/** The images through the real preprocessing and image tower, as one batch (none may be skipped). */
export async function embedImageFiles(card: ModelCard, paths: string[]): Promise<{ data: Float32Array; dim: number; skipped: number }> {
  const tower = await openImageTower(card, { threads: 1 });
  const batch = await prepareBatch(
    paths.map((path) => ({ path })),
    0,
    paths.length,
    card.preprocess,
  );
  const { data, dim } = await runImageBatch(tower, batch.tensor, card.preprocess.size);
  return { data, dim, skipped: batch.skipped.length };
}
