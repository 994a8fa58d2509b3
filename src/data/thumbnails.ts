/**
 * Small thumbnails of the dataset's images for the report's explorer (issue 16): WebP, at most `size`
 * pixels on the long side, as data: URIs the page can show under its Content-Security-Policy (img-src data:).
 * Decoded as stored (no EXIF rotation), as clip-topo's preprocessing reads them; an image that cannot be
 * read now gets '' (the page then shows the path alone), never a failed run.
 */
import { readFile } from 'node:fs/promises';

import sharp from 'sharp';

import { mapLimit } from '../concurrency.js';
import { diskPath } from '../io/rawpath.js';

export interface ThumbnailOptions {
  /** Long side in pixels (default 64). */
  size?: number;
  /** WebP quality 1–100 (default 60: ~1–3 kB per 64 px texture). */
  quality?: number;
  /** Images in flight (libvips threads inside each). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export const THUMBNAIL_DEFAULTS = { size: 64, quality: 60 } as const;

/** One image as a WebP data: URI, or '' when it cannot be read or decoded. */
export async function thumbnail(path: string, o: Pick<ThumbnailOptions, 'size' | 'quality'> = {}): Promise<string> {
  const size = o.size ?? THUMBNAIL_DEFAULTS.size;
  try {
    const buf = await readFile(diskPath(path));
    const out = await sharp(buf, { failOn: 'none' })
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: o.quality ?? THUMBNAIL_DEFAULTS.quality })
      .toBuffer();
    return `data:image/webp;base64,${out.toString('base64')}`;
  } catch {
    return '';
  }
}

/** Thumbnails of `paths`, in order. */
export async function thumbnails(paths: readonly string[], o: ThumbnailOptions = {}): Promise<string[]> {
  let done = 0;
  return mapLimit(paths, o.concurrency ?? 4, async (p) => {
    o.signal?.throwIfAborted();
    const t = await thumbnail(p, o);
    o.onProgress?.(++done, paths.length);
    return t;
  });
}
