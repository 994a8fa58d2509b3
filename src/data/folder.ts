/**
 * Image folders: `root/<class>/<images>`. Extensions are matched case-insensitively, hidden files
 * and folders are ignored, images in nested folders belong to their top-level class folder (unless
 * `nested: false`), and names may hold any Unicode and spaces.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';

import { mapLimit } from '../concurrency.js';
import { checkImage, type CheckOptions } from './validate.js';
import { byCodePoint, countBy, DatasetError, type Dataset, type ImageCheck, type ImageItem, type SkippedFile } from './types.js';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.bmp']);

export interface FolderOptions {
  nested?: boolean;
  check?: ImageCheck;
  pixelLimit?: number;
  concurrency?: number;
}

const isHidden = (name: string) => name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini';

async function listFiles(dir: string, nested: boolean, out: string[], skipped: SkippedFile[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => byCodePoint(a.name, b.name));
  for (const e of entries) {
    if (isHidden(e.name)) continue;
    const p = join(dir, e.name);
    // Symbolic links to folders are not followed, so a link loop cannot make listing endless.
    if (e.isDirectory()) {
      if (nested) await listFiles(p, nested, out, skipped);
      else skipped.push({ path: p, reason: 'nested folder ignored (nested folders are off)' });
    } else if (e.isFile() || e.isSymbolicLink()) {
      out.push(p);
    }
  }
}

export function toRel(root: string, p: string): string {
  return relative(root, p).split(sep).join('/');
}

export async function checkFiles(
  root: string,
  candidates: Array<{ path: string; label: number }>,
  check: ImageCheck,
  opts: Pick<CheckOptions, 'pixelLimit'> & { concurrency?: number },
): Promise<{ items: ImageItem[]; skipped: SkippedFile[] }> {
  const results = await mapLimit(candidates, opts.concurrency ?? 4, (c) => checkImage(c.path, { mode: check, pixelLimit: opts.pixelLimit }));
  const items: ImageItem[] = [];
  const skipped: SkippedFile[] = [];
  candidates.forEach((c, i) => {
    const r = results[i];
    if (r.ok) items.push({ path: c.path, rel: toRel(root, c.path), label: c.label });
    else skipped.push({ path: c.path, reason: r.reason });
  });
  return { items, skipped };
}

export async function loadFolder(root: string, options: FolderOptions = {}): Promise<Dataset> {
  const nested = options.nested ?? true;
  let top: Dirent[];
  try {
    top = await readdir(root, { withFileTypes: true });
  } catch (e) {
    throw new DatasetError(`cannot read folder ${root}: ${(e as Error).message}`);
  }
  top.sort((a, b) => byCodePoint(a.name, b.name));
  const skipped: SkippedFile[] = [];
  const classDirs = top.filter((e) => e.isDirectory() && !isHidden(e.name));
  for (const e of top) {
    if (!e.isDirectory() && !isHidden(e.name)) skipped.push({ path: join(root, e.name), reason: 'file is not inside a class folder' });
  }
  if (classDirs.length === 0) {
    throw new DatasetError(`${root} has no class folders; expected root/<class>/<images>`);
  }
  // Class names are shown NFC-normalised (macOS writes NFD), paths are kept as they are on disk.
  const classes = classDirs.map((d) => d.name.normalize('NFC'));
  const candidates: Array<{ path: string; label: number }> = [];
  for (const [label, d] of classDirs.entries()) {
    const files: string[] = [];
    await listFiles(join(root, d.name), nested, files, skipped);
    for (const f of files) {
      const ext = extname(f).toLowerCase();
      if (!IMAGE_EXTENSIONS.has(ext)) skipped.push({ path: f, reason: `not an image extension (${ext || 'none'})` });
      else candidates.push({ path: f, label });
    }
  }
  const checked = await checkFiles(root, candidates, options.check ?? 'decode', options);
  skipped.push(...checked.skipped);
  const items = checked.items;
  const warnings = classes.filter((_, i) => !items.some((it) => it.label === i)).map((c) => `class '${c}' has no usable images`);
  return {
    format: 'folder',
    root,
    classes,
    items,
    split: 'all',
    counts: { all: countBy(items, classes) },
    skipped,
    extra: [],
    warnings,
  };
}
