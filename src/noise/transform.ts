/**
 * Seeded Gaussian noise as a TensorTransform for the embedding pipeline: applied to each preprocessed
 * CHW tensor, keyed by (seed, image id, σ) so the noise of an image does not depend on batching, and
 * described by a spec that goes into the embedding cache key.
 */
import type { TensorTransform } from '../clip/embed.js';
import { addGaussianNoise, type NoiseSpace } from './gaussian.js';

export interface NoiseSpec {
  kind: 'gaussian';
  sigma: number;
  space: NoiseSpace;
  seed: number;
}

export function gaussianNoiseTransform(
  spec: Omit<NoiseSpec, 'kind'>,
  /** The preprocessing the tensors went through (pixel-space noise undoes and redoes it). */
  preprocess: { size: number; mean: readonly number[]; std: readonly number[] },
  /** A stable id per image (e.g. its path relative to the dataset root). */
  idOf: (item: { path: string }) => string,
): TensorTransform {
  const full: NoiseSpec = { kind: 'gaussian', ...spec };
  const shape = { channels: 3, height: preprocess.size, width: preprocess.size };
  return {
    spec: full,
    apply(tensor, item) {
      tensor.set(
        addGaussianNoise(tensor, shape, idOf(item), { sigma: spec.sigma, seed: spec.seed, space: spec.space, mean: preprocess.mean, std: preprocess.std }),
      );
    },
    portable: {
      kind: 'gaussian-noise',
      noise: { sigma: spec.sigma, space: spec.space, seed: spec.seed },
      preprocess: { size: preprocess.size, mean: preprocess.mean, std: preprocess.std },
      idOf,
    },
  };
}

/** Noise ids: an image's path relative to its dataset root (`class/file.jpg`), so a copied dataset gets the same noise. */
export function imageIds(dataset: { items: ReadonlyArray<{ path: string; rel: string }> }): (item: { path: string }) => string {
  const rel = new Map(dataset.items.map((i) => [i.path, i.rel]));
  return (item) => rel.get(item.path) ?? item.path;
}
