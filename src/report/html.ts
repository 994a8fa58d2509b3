/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, fonts or network), so it can
 * be mailed, archived or opened offline years later and still show the same thing.
 */
import type { ReportInput } from '../analysis/types.js';
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
@media print{h2{break-before:page}figure{break-inside:avoid}}
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
    // No network: even a stray URL in a future edit could not load anything.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body><main>',
    `<h1>${esc(title)}</h1>`,
    `<nav><ol>${nav}</ol></nav>`,
    body,
    '</main></body>',
    '</html>',
    '',
  ].join('\n');
}
