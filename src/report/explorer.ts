/**
 * The data the page's explorer reads (issue 16), as inert JSON blocks: what each interactive figure's
 * points are and where they are drawn, the images behind them, the predictions, every class's diagrams.
 * The figures themselves stay plain SVG (they paint before any script runs and are the same files as
 * figures/*.svg); the script only adds a light overlay and listeners.
 *
 * Size: one thumbnail per image (not per point or level), in a block of its own that the script parses
 * on the first hover only; per-point data as parallel arrays of numbers rounded to 0.1 SVG unit.
 */
import { createHash } from 'node:crypto';

import type { CycleInfo, ReportInput } from '../analysis/types.js';
import { cleanLevelIndex, type Figure } from './figures.js';
import { EXPLORER_SCRIPT } from './explorer-script.js';
import { classStyle } from './svg/palette.js';

/** Only base64 data: URIs of raster images go to the page; anything else becomes '' (no image). */
const THUMB = /^data:image\/(webp|png|jpeg|gif);base64,[A-Za-z0-9+/]*={0,2}$/;

/** 4 significant digits: a diagram drawn 200 px wide cannot show more. */
const sig4 = (v: number) => Number(v.toPrecision(4));

function compactCycle(c: CycleInfo): unknown {
  return {
    birth: c.birth,
    death: c.death,
    persistence: c.persistence,
    computed: c.computed,
    reason: c.reason ?? null,
    images: c.images.map((im) => [im.row, im.path, im.class]),
  };
}

/** The explorer's JSON (everything but the thumbnails). */
export function explorerData(input: ReportInput, figures: Figure[]): unknown {
  const m = input.metrics;
  const e = input.explorer;
  const levels = m.noise.levels;
  const zs = m.accuracy.zeroshot;
  const figs: Record<string, unknown> = {};
  for (const f of figures) if (f.points) figs[f.id] = f.points;
  return {
    classes: m.dataset.classes,
    colors: m.dataset.classes.map((_, k) => classStyle(k).color),
    sigmas: levels,
    clean: cleanLevelIndex(input),
    explorer: Boolean(e),
    thumbs: Boolean(e?.thumbnails),
    paths: e ? e.paths : null,
    labels: e ? Array.from(e.labels) : null,
    pred: e?.predicted ? e.predicted.map((p) => Array.from(p)) : null,
    // Per level (metrics.noise.levels order): recall per class and the confusion counts; null without zero-shot.
    zs: zs
      ? levels.map((s) => {
          const z = zs.find((l) => l.sigma === s);
          return z ? { recall: z.per_class_recall, confusion: z.confusion } : null;
        })
      : null,
    angles: { sigma: m.angles.sigma, min_deg: m.angles.min_deg },
    // [class][level][dim] → flat [birth, death, birth, death, …], death null for an essential bar.
    cdg: e
      ? e.classDiagrams.map((byLevel) => byLevel.map((dims) => dims.map((pairs) => pairs.flatMap(([b, d]) => [sig4(b), Number.isFinite(d) ? sig4(d) : null]))))
      : null,
    cycles: levels.map((s) => (m.diagrams.global.find((g) => g.sigma === s)?.cycles ?? []).map(compactCycle)),
    figs,
  };
}

export function explorerThumbnails(input: ReportInput): string[] | null {
  const t = input.explorer?.thumbnails;
  return t ? t.map((u) => (typeof u === 'string' && THUMB.test(u) ? u : '')) : null;
}

/**
 * JSON inside <script type="application/json">: `<`, `>` and `&` (which occur only inside JSON strings)
 * and U+2028/2029 become \u escapes, so no class or file name can close the block or start markup.
 */
export function jsonScript(id: string, value: unknown): string {
  const json = JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `<script type="application/json" id="${id}">${json}</script>`;
}

if (/<\/script|<!--/i.test(EXPLORER_SCRIPT)) throw new Error('explorer script must not contain </script or <!--');

/** The CSP source that allows exactly the explorer script, by its hash. */
export const EXPLORER_SCRIPT_HASH = `sha256-${createHash('sha256').update(EXPLORER_SCRIPT, 'utf8').digest('base64')}`;

/** The data blocks and the script, for the end of the page's body. */
export function explorerBlocks(input: ReportInput, figures: Figure[]): string {
  return [
    jsonScript('explorer-data', explorerData(input, figures)),
    jsonScript('explorer-thumbs', explorerThumbnails(input)),
    `<script>${EXPLORER_SCRIPT}</script>`,
  ].join('\n');
}
