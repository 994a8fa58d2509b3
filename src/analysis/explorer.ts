/**
 * The report explorer's data (issue 16, ExplorerData): per clean row its path, class, zero-shot
 * prediction at every level and a thumbnail; every class's diagrams; the joint clean+noisy map. The
 * thumbnails are a cached step keyed by the images' sha256s, so a rerun makes none again.
 */
import { THUMBNAIL_DEFAULTS, thumbnails } from '../data/thumbnails.js';
import { sha256Hex } from '../io/hash.js';
import type { StepCache } from './cache.js';
import { relativePath, type StudyDiagrams } from './diagrams.js';
import type { LevelEmbeddings } from './embeddings.js';
import type { ExplorerData, MapFigure } from './types.js';

export async function explorerData(
  o: {
    test: LevelEmbeddings[];
    /** Dataset root: paths are shown relative to it (as in files.csv). */
    root: string;
    predictions: Int32Array[] | null;
    diagrams: StudyDiagrams;
    joint: (MapFigure & { levels: Uint8Array }) | null;
    /** false: no thumbnails (--no-thumbnails, or a run on embeddings made elsewhere, which read no images). */
    thumbnails: boolean;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
  },
  steps: StepCache,
): Promise<ExplorerData> {
  const clean = o.test[0].run;
  // In row order: row r of the embeddings is paths[r], thumbnails[r].
  const items = [...clean.manifest.items].sort((a, b) => a.row - b.row);
  let thumbs: string[] | null = null;
  if (o.thumbnails && items.length > 0) {
    const key = { images: sha256Hex(items.map((i) => i.sha256).join('\n')), ...THUMBNAIL_DEFAULTS };
    thumbs = (
      await steps.run('thumbnails', key, () =>
        thumbnails(
          items.map((i) => i.path),
          { signal: o.signal, onProgress: o.onProgress },
        ),
      )
    ).value;
  }
  return {
    paths: items.map((i) => relativePath(o.root, i.path)),
    labels: clean.labels,
    predicted: o.predictions,
    thumbnails: thumbs,
    classDiagrams: o.diagrams.perClass,
    joint: o.joint,
  };
}
