/** Recognises a dataset by its layout, or loads it in the format named. */
import { readdir, stat } from 'node:fs/promises';

import { findDtdRoot, loadDtd, type DtdOptions } from './dtd.js';
import { loadEmbeddings, type EmbeddingsOptions } from './embeddings.js';
import { loadFolder, type FolderOptions } from './folder.js';
import { DatasetError, type Dataset, type DatasetFormat } from './types.js';

export async function detectFormat(path: string): Promise<DatasetFormat> {
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new DatasetError(`${path} does not exist`);
  if (st.isFile()) {
    if (path.toLowerCase().endsWith('.npy')) return 'embeddings';
    throw new DatasetError(`${path} is a file; a dataset is a DTD folder, an image folder (root/<class>/<images>) or an .npy embeddings file`);
  }
  if (await findDtdRoot(path)) return 'dtd';
  const entries = await readdir(path, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name.toLowerCase().endsWith('.npy'))) return 'embeddings';
  if (entries.some((e) => e.isDirectory() && !e.name.startsWith('.'))) return 'folder';
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
      return loadFolder(path, options);
    case 'embeddings':
      return loadEmbeddings(path, options);
    default:
      throw new DatasetError(`unknown dataset format '${format as string}'; use dtd, folder or embeddings`);
  }
}
