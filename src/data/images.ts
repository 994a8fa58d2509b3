/**
 * The image list the CLIP commands embed: a DTD-layout dataset (with its split and partition) or an
 * image folder `root/<class>/<images>`, or `root/<split>/<class>/<images>` when that split folder exists.
 * Files are only checked to exist: decoding happens once, in the embedding pipeline, which skips
 * undecodable files with their reason.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

import { detectFormat } from './detect.js';
import { loadDtd } from './dtd.js';
import { loadFolder } from './folder.js';
import { DatasetError, SPLITS, type Dataset, type Split } from './types.js';

export interface ImageDatasetOptions {
  split?: string;
  partition?: number;
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

export async function loadImageDataset(path: string, options: ImageDatasetOptions = {}): Promise<Dataset> {
  const format = await detectFormat(path);
  const split = options.split ?? 'test';
  if (format === 'embeddings') {
    throw new DatasetError(`${path} holds precomputed embeddings; this command needs images (a DTD folder or root/<class>/<images>)`);
  }
  if (format === 'dtd') {
    if (!(SPLITS as readonly string[]).includes(split))
      throw new DatasetError(`unknown split '${split}' for the DTD layout in ${path}; use ${SPLITS.join(', ')}`);
    return loadDtd(path, { split: split as Split, partition: options.partition ?? 1, check: 'exists' });
  }
  const base = (await isDir(join(path, split))) ? join(path, split) : path;
  return loadFolder(base, { check: 'exists' });
}
