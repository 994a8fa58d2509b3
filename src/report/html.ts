/**
 * report.html: one self-contained page (inline CSS and SVG, one inline script, no fonts or network), so
 * it can be mailed, archived or opened offline years later and still show the same thing. The figures
 * are static SVG that read without the script; the script (explorer-script.ts, allowed by its hash and
 * nothing else) adds the explorer: tooltips with the images, class highlighting, cycles, the drill-down.
 */
import type { ReportInput } from '../analysis/types.js';
import { EXPLORER_SCRIPT_HASH, explorerBlocks } from './explorer.js';
import { allFigures } from './figures.js';
import * as s from './sections.js';
import { esc } from './svg/format.js';

/** Section ids in page order; tests and readers rely on this order. */
export const SECTIONS = [
  ['summary', 'Summary', s.summarySection],
  ['findings', "Findings: the study's questions answered", s.findingsSection],
  ['embeddings', '1 Embeddings and skipped files', s.embeddingsSection],
  ['accuracy', '2 Accuracy', s.accuracySection],
  ['loss', '3 CLIP loss', s.lossSection],
  ['maps', '4 t-SNE and UMAP maps', s.mapsSection],
  ['angles', '5 Principal angles between class subspaces', s.anglesSection],
  ['diagrams', '6 Persistence diagrams and the scale of each cloud', s.diagramsSection],
  ['cycles', '7 Representative cycles of the top H1 bars', s.cyclesSection],
  ['distances', '8 Distances between clean and noisy diagrams', s.distancesSection],
  ['paired', '9 Paired comparison of the same images (k-NN, RTD)', s.pairedSection],
  ['topology', '10 Topology vs accuracy', s.topologySection],
  ['summaries', '11 Diagram summaries', s.summariesSection],
  ['timings', '12 Timings', s.timingsSection],
  ['class', '13 One class in detail', s.classSection],
] as const;

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1d1d1d;background:#fff;margin:0;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:1.6em;margin:0.4em 0 0.2em}h2{font-size:1.3em;border-bottom:1px solid #ccc;padding-bottom:3px;margin-top:2em}h3{font-size:1.05em;margin:1.2em 0 0.4em}
nav ol{columns:2;font-size:0.92em;padding-left:1.2em}
figure{margin:16px 0;display:table;max-width:100%}
figure svg{max-width:100%;height:auto;display:block;border:1px solid #eee}
figcaption{display:table-caption;caption-side:bottom;font-size:0.9em;color:#333;margin-top:4px}
table{border-collapse:collapse;font-size:0.88em;margin:8px 0 14px}
th,td{border:1px solid #d4d4d4;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}td.empty{color:#777;font-style:italic}
ul.warnings li{color:#8a4b00}p.none{color:#777;font-style:italic}
code{font-size:0.92em;background:#f5f5f5;padding:0 3px}
.grid2,.grid3{display:flex;flex-wrap:wrap;gap:8px 18px}
details{margin:6px 0}
#explorer-tip{position:fixed;z-index:20;pointer-events:none;display:flex;gap:8px;align-items:flex-start;max-width:440px;background:#fff;border:1px solid #888;border-radius:3px;box-shadow:0 2px 10px rgba(0,0,0,.25);padding:6px 8px;font-size:.82em;line-height:1.3}
#explorer-tip[hidden],#explorer-bar[hidden],#explorer-tip img[hidden]{display:none}
#explorer-tip img{width:64px;height:64px;object-fit:contain;background:#eee;flex:none}
.tip-title{font-weight:600}.tip-path{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}.tip-extra{color:#555}
figure[data-highlight] .marks .mark:not(.hl){opacity:.1}
figure[data-highlight] .cells .mark:not(.hl){opacity:.3}
.legend-item[data-class],tr[data-class],g.cells[data-cols] rect{cursor:pointer}
g.cells text{pointer-events:none}
.legend-item.hl text,text.hl{font-weight:700}
tr.hl>td{background:#fff1b8}
svg[tabindex]:focus-visible,[data-class][tabindex]:focus-visible{outline:2px solid #1f5fbf;outline-offset:1px}
#explorer-bar{position:fixed;left:0;right:0;bottom:0;z-index:15;background:#1d1d1d;color:#fff;padding:6px 20px;font-size:.9em}
#explorer-bar a{color:#9cd0ff}#explorer-bar button{margin-left:10px}
.panel{border:1px solid #ddd;background:#fafafa;padding:6px 12px;margin:10px 0}
ol.strip{display:flex;flex-wrap:wrap;gap:8px;list-style:none;padding:0;margin:6px 0}
ol.strip li{width:110px;font-size:.75em;line-height:1.25;word-break:break-all}
ol.strip img{width:64px;height:64px;object-fit:contain;display:block;background:#eee}
ol.strip .path{display:block;font-family:ui-monospace,Menlo,Consolas,monospace}ol.strip .cls{display:block;color:#555}
.cls-btn{font:inherit;font-size:.92em;margin:2px 4px 2px 0;padding:0 6px;border:1px solid #bbb;border-radius:3px;background:#fff;cursor:pointer}
#class-detail svg{border:1px solid #eee;margin:0 6px 6px 0}
@media print{h2{break-before:page}figure{break-inside:avoid}#explorer-tip,#explorer-bar{display:none}}
`;

export function renderReport(input: ReportInput): string {
  const m = input.metrics;
  const data = m.dataset.synthetic ? `synthetic textures (seed ${m.dataset.synthetic.seed})` : m.dataset.format;
  const title = m.dataset.embeddings
    ? `clip-topo report: ${m.model.name} (${m.dataset.embeddings.layout}, ${m.dataset.classes.length} classes)`
    : `clip-topo report: ${m.model.name} on ${data} (${m.dataset.split})`;
  const nav = SECTIONS.map(([id, name]) => `<li><a href="#${id}">${esc(name)}</a></li>`).join('');
  const body = SECTIONS.map(([id, name, render]) => `<section id="${id}" data-section="${id}">\n<h2>${esc(name)}</h2>\n${render(input)}\n</section>`).join(
    '\n',
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No network: even a stray URL in a future edit could not load anything. Scripts: exactly the
    // explorer's, by its hash (the JSON blocks are data, never run); images: data: URIs only.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src '${EXPLORER_SCRIPT_HASH}'">`,
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body><main>',
    `<h1>${esc(title)}</h1>`,
    `<nav><ol>${nav}</ol></nav>`,
    body,
    '</main>',
    // Filled by the script with text only (textContent, src from data: URIs).
    '<div id="explorer-tip" role="tooltip" hidden><img alt="" hidden><div><div class="tip-title"></div><div class="tip-path"></div><div class="tip-class"></div><div class="tip-pred"></div><div class="tip-extra"></div></div></div>',
    '<div id="explorer-bar" hidden>Highlighted class: <b class="name"></b> · <a href="#class">details</a><button type="button" class="clear">clear (Esc)</button></div>',
    explorerBlocks(input, allFigures(input)),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
