/**
 * The image list the CLIP commands embed: a DTD-layout dataset (with its split and partition) or an
 * image folder `root/<class>/<images>`, or `root/<split>/<class>/<images>` when that split folder exists.
 * Files are only checked to exist: decoding happens once, in the embedding pipeline, which skips
 * undecodable files with their reason.
 */
import { detectFormat } from './detect.js';
import { loadDtd } from './dtd.js';
import { shownPath } from '../io/rawpath.js';
import { UsageError } from '../errors.js';
import { loadSplitFolder } from './folder.js';
import { DatasetError, SPLITS, type Dataset, type Split } from './types.js';

export interface ImageDatasetOptions {
  split?: string;
  partition?: number;
}

export async function loadImageDataset(path: string, options: ImageDatasetOptions = {}): Promise<Dataset> {
  const format = await detectFormat(path);
  const split = options.split ?? 'test';
  if (format === 'embeddings') {
    throw new DatasetError(`${path} holds precomputed embeddings; this command needs images (a DTD folder or root/<class>/<images>)`);
  }
  if (format === 'dtd') {
    if (!(SPLITS as readonly string[]).includes(split))
      // A misspelt split is a wrong argument, not a bad dataset (exit 2, as for the synthetic set).
      throw new UsageError(`unknown split '${split}' for the DTD layout in ${path}; use ${SPLITS.join(', ')}`);
    return loadDtd(path, { split: split as Split, partition: options.partition ?? 1, check: 'exists' });
  }
  return loadSplitFolder(path, split as Split, { check: 'exists' });
}

/**
 * Refuses a listing with no image to embed: without this, an empty DTD label file or a folder of
 * non-images gave "0 of 0 images embedded" and exit 0, an empty result passed for a result.
 */
export function requireImages(ds: Dataset, path: string): void {
  if (ds.items.length > 0) return;
  const where = ds.format === 'dtd' ? `split ${ds.split} of partition ${ds.partition ?? 1}` : `split ${ds.split}`;
  const first = ds.skipped[0];
  const why = first
    ? ` (${ds.skipped.length} file(s) skipped, e.g. ${shownPath(first.path)}: ${first.reason})`
    : ds.format === 'dtd'
      ? ` (is labels/${ds.split}${ds.partition ?? 1}.txt empty?)`
      : '';
  throw new DatasetError(`${path}: no images to use in ${where}${why}; check the dataset with 'clip-topo dataset ${path}'`);
}
