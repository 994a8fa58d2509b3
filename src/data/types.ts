/** Shapes shared by the dataset loaders. */
import { InputError } from '../errors.js';

export type DatasetFormat = 'dtd' | 'folder' | 'embeddings';
export type Split = 'train' | 'val' | 'test' | 'trainval' | 'all';
export const SPLITS: readonly Split[] = ['train', 'val', 'test', 'trainval', 'all'];

/** How hard to look at each image file while listing. */
export type ImageCheck = 'exists' | 'header' | 'decode';

export interface ImageItem {
  /** Absolute path. */
  path: string;
  /** Path relative to the dataset root, with forward slashes (DTD: `class/class_NNNN.jpg`). */
  rel: string;
  /** Index into `classes`. */
  label: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
  /**
   * True for an image of the dataset that could not be used (refused by its check, or listed by the
   * split but missing); absent for other files the listing left out (not an image, outside the class folders).
   */
  image?: boolean;
}

export interface Dataset {
  format: DatasetFormat;
  root: string;
  classes: string[];
  /** The selected split's images (empty for embeddings). */
  items: ImageItem[];
  split: Split;
  partition?: number;
  /** Images per class for every split the format knows. */
  counts: Partial<Record<Split, Record<string, number>>>;
  skipped: SkippedFile[];
  /** Files on disk that no split lists (DTD), relative paths. */
  extra: string[];
  /** Things that are odd but not fatal (unequal counts, duplicates, unknown classes). */
  warnings: string[];
  /** Embeddings datasets only. */
  embeddings?: { data: Float32Array; n: number; d: number; labels: Int32Array };
}

/** A dataset cannot be used as given (layout, labels, options). */
export class DatasetError extends InputError {
  constructor(message: string) {
    super(message, 'ERR_DATASET');
    this.name = 'DatasetError';
  }
}

/** Code-point order, the order Python's `sorted` gives and DTD uses for its classes. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function countBy(items: ImageItem[], classes: string[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(classes.map((c) => [c, 0]));
  for (const it of items) out[classes[it.label]]++;
  return out;
}
