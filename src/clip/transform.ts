/**
 * What the embedding pipeline may do to each preprocessed CHW tensor before inference, and the one such
 * transform clip-topo has: seeded Gaussian noise (noise/ does the arithmetic; this adapter gives it the
 * model's preprocessing constants and the id of each image). Noise is keyed by (seed, image id, σ), so an
 * image's noise does not depend on batching, and its spec goes into the embedding cache key.
 */
import { addGaussianNoise, type NoiseSpace } from '../noise/gaussian.js';

/** One image to embed; `label` is the class index (the dataset's business, carried through). */
export interface ImageItem {
  path: string;
  label?: number;
}

/** A perturbation of the preprocessed CHW tensor (e.g. seeded noise); `spec` goes into cache keys. */
export interface TensorTransform {
  spec: unknown;
  apply(tensor: Float32Array, item: ImageItem, index: number): void;
  /**
   * The same transform as plain data, if it has one, so that the preparation workers can apply it
   * themselves (off the main thread, where inference runs): seeded noise and the id of every image.
   */
  portable?: PortableTransform;
}

export interface PortableTransform {
  kind: 'gaussian-noise';
  noise: { sigma: number; space: 'normalized' | 'pixel'; seed: number };
  preprocess: { size: number; mean: readonly number[]; std: readonly number[] };
  idOf: (item: { path: string }) => string;
}

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
