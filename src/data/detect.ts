/** Recognises a dataset by its layout, or loads it in the format named. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

import { readdirRaw } from '../io/rawpath.js';

import { findDtdRoot, loadDtd, type DtdOptions } from './dtd.js';
import { loadEmbeddings, type EmbeddingsOptions } from './embeddings.js';
import { loadSplitFolder, type FolderOptions } from './folder.js';
import { DatasetError, type Dataset, type DatasetFormat } from './types.js';

export async function detectFormat(path: string): Promise<DatasetFormat> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new DatasetError(`${path} does not exist`);
  if (st.isFile()) {
    if (path.toLowerCase().endsWith('.npy')) return 'embeddings';
    throw new DatasetError(`${path} is a file; a dataset is a DTD folder, an image folder (root/<class>/<images>) or an .npy embeddings file`);
  }
  if (!st.isDirectory())
    throw new DatasetError(
      `${path} is not a file or folder (a device, pipe or socket); a dataset is a DTD folder, an image folder (root/<class>/<images>) or an .npy embeddings file`,
    );
  if (await findDtdRoot(path)) return 'dtd';
  const entries = await readdirRaw(path);
  if (entries.some((e) => e.isFile() && e.name.toLowerCase().endsWith('.npy'))) return 'embeddings';
  const dirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  // DTD without its split lists: as a folder it would be one class, "images", holding everything.
  if (dirs.length === 1 && dirs[0].name === 'images' && (await readdirRaw(join(path, 'images'))).some((e) => e.isDirectory() && !e.name.startsWith('.'))) {
    throw new DatasetError(
      `${path} looks like DTD (images/<class>/) but has no labels/ or imdb/imdb.mat, so its splits are unknown; restore labels/ from the DTD archive, or use ${join(path, 'images')} as an image folder`,
    );
  }
  if (dirs.length > 0) return 'folder';
  throw new DatasetError(
    `cannot recognise the dataset in ${path}: no images/+labels/ (DTD), no class folders, no .npy file; name its format (dtd, folder or embeddings)`,
  );
}

export type LoadOptions = DtdOptions & FolderOptions & EmbeddingsOptions & { format?: DatasetFormat };

export async function loadDataset(path: string, options: LoadOptions = {}): Promise<Dataset> {
  const format = options.format ?? (await detectFormat(path));
  switch (format) {
    case 'dtd':
      return loadDtd(path, options);
    case 'folder':
      return loadSplitFolder(path, options.split ?? 'all', options);
    case 'embeddings':
      return loadEmbeddings(path, options);
    default:
      throw new DatasetError(`unknown dataset format '${format as string}'; use dtd, folder or embeddings`);
  }
}
