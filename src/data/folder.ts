/**
 * Image folders: `root/<class>/<images>`. Extensions are matched case-insensitively, hidden files
 * and folders are ignored, images in nested folders belong to their top-level class folder (unless
 * `nested: false`), and names may hold any Unicode and spaces.
 */
import { extname, join, relative, sep } from 'node:path';

import { mapLimit } from '../concurrency.js';
import { readdirRaw, shownPath, type RawDirent } from '../io/rawpath.js';
import { checkImage, type CheckOptions } from './validate.js';
import { byCodePoint, countBy, DatasetError, type Dataset, type ImageCheck, type ImageItem, type SkippedFile, type Split } from './types.js';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.bmp']);

export interface FolderOptions {
  nested?: boolean;
  check?: ImageCheck;
  pixelLimit?: number;
  concurrency?: number;
}

const isHidden = (name: string) => name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini';

async function listFiles(dir: string, nested: boolean, out: string[], skipped: SkippedFile[]): Promise<void> {
  const entries = await readdirRaw(dir);
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
    else skipped.push({ path: c.path, reason: r.reason, image: true });
  });
  return { items, skipped };
}

export async function loadFolder(root: string, options: FolderOptions = {}): Promise<Dataset> {
  const nested = options.nested ?? true;
  let top: RawDirent[];
  try {
    top = await readdirRaw(root);
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
  // Class names are shown NFC-normalised (macOS writes NFD), with bytes that are not UTF-8 as \xHH;
  // paths are kept as they are on disk (src/io/rawpath.ts).
  const classes = classDirs.map((d) => shownPath(d.name).normalize('NFC'));
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

/** Folders that name splits rather than classes in `root/<split>/<class>/<images>`. */
const SPLIT_FOLDERS = ['train', 'val', 'test'] as const;
type SplitFolder = (typeof SPLIT_FOLDERS)[number];

function splitsOf(split: Split): SplitFolder[] {
  if (split === 'all') return [...SPLIT_FOLDERS];
  if (split === 'trainval') return ['train', 'val'];
  return [split];
}

/**
 * An image folder, with or without split folders. When every folder at the top is a split name
 * (train/, val/, test/), the folder is `root/<split>/<class>/<images>` and `split` picks one (or merges
 * them for trainval and all), as analyze and embed read it; otherwise the top folders are the classes.
 */
export async function loadSplitFolder(root: string, split: Split, options: FolderOptions = {}): Promise<Dataset> {
  let top: RawDirent[];
  try {
    top = await readdirRaw(root);
  } catch (e) {
    throw new DatasetError(`cannot read folder ${root}: ${(e as Error).message}`);
  }
  const dirs = top.filter((e) => e.isDirectory() && !isHidden(e.name)).map((e) => e.name);
  const present = SPLIT_FOLDERS.filter((s) => dirs.includes(s));
  const pure = dirs.length > 0 && present.length === dirs.length;
  if (!pure) {
    // A split folder beside class folders: the named split is used when it exists, as before.
    if (split !== 'all' && split !== 'trainval' && dirs.includes(split)) return { ...(await loadFolder(join(root, split), options)), split };
    return loadFolder(root, options);
  }
  const wanted = splitsOf(split).filter((s) => present.includes(s));
  if (wanted.length === 0) {
    throw new DatasetError(
      `${root} holds split folders (${present.join(', ')}) but no ${split === 'trainval' ? 'train/ or val/' : `${split}/`}; choose --split ${present.join('|')}`,
    );
  }
  const parts = new Map<SplitFolder, Dataset>();
  for (const s of present) parts.set(s, await loadFolder(join(root, s), options));
  if (wanted.length === 1 && split !== 'all') {
    const one = parts.get(wanted[0])!;
    return { ...one, split, counts: { ...splitCounts(parts), [split]: one.counts.all ?? {} } };
  }
  // Several splits: one class list (the union, in code-point order), every image relabelled into it.
  const classes = [...new Set([...parts.values()].flatMap((d) => d.classes))].sort(byCodePoint);
  const index = new Map(classes.map((c, i) => [c, i]));
  const items: ImageItem[] = [];
  const skipped: SkippedFile[] = [];
  const warnings: string[] = [];
  for (const s of wanted) {
    const d = parts.get(s)!;
    for (const it of d.items) items.push({ path: it.path, rel: `${s}/${it.rel}`, label: index.get(d.classes[it.label])! });
    skipped.push(...d.skipped);
    warnings.push(...d.warnings.map((w) => `${s}/: ${w}`));
  }
  return { format: 'folder', root, classes, items, split, counts: { ...splitCounts(parts), [split]: countBy(items, classes) }, skipped, extra: [], warnings };
}

function splitCounts(parts: Map<SplitFolder, Dataset>): Dataset['counts'] {
  return Object.fromEntries([...parts].map(([s, d]) => [s, d.counts.all ?? {}]));
}
