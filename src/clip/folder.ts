/**
 * The smallest dataset clip-topo's CLIP commands need: an image folder `root/<class>/<image>` (or
 * `root/<split>/<class>/<image>` when that split folder exists). Class names are sorted; files are taken
 * by image extension, so a corrupt file with an image name is listed and then skipped with its reason.
 * Proper dataset loaders (DTD splits, label files) live in src/data/ and produce the same shape.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { InputError } from '../errors.js';
import type { ImageItem } from './embed.js';

export interface LabelledImages {
  items: (ImageItem & { label: number })[];
  classes: string[];
}

const IMAGE_EXT = /\.(jpe?g|png|gif|webp|tiff?|avif|heic)$/i;

function dirs(path: string): string[] {
  return readdirSync(path, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
}

export function listImageFolder(root: string, split?: string): LabelledImages {
  let base = root;
  try {
    if (!statSync(root).isDirectory()) throw new InputError(`${root}: not a directory; expected an image folder <root>/<class>/<images>`);
    if (split && dirs(root).includes(split)) base = join(root, split);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`${root}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_FILE');
  }
  const classes = dirs(base);
  if (classes.length === 0) throw new InputError(`${base}: no class folders; expected <root>/<class>/<images>`);
  const items: LabelledImages['items'] = [];
  classes.forEach((c, label) => {
    const files = readdirSync(join(base, c), { withFileTypes: true })
      .filter((f) => f.isFile() && !f.name.startsWith('.') && IMAGE_EXT.test(f.name))
      .map((f) => f.name)
      .sort();
    for (const f of files) items.push({ path: join(base, c, f), label });
  });
  if (items.length === 0) throw new InputError(`${base}: no image files in the class folders`);
  return { items, classes };
}
