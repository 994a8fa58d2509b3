import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { DTD_CLASSES } from '../src/data/dtd.js';
import { csvField, reportTables, toCsv } from '../src/report/csv.js';
import { renderReport } from '../src/report/html.js';
import { distanceReading, jointMapReading, normalizedDistanceReading } from '../src/report/readings.js';
import { classStyle } from '../src/report/svg/palette.js';
import { linearScale, niceDomain } from '../src/report/svg/scale.js';
import { writeReport } from '../src/report/write.js';
import { tempDir } from './helpers/cli.js';
import { sampleReportInput } from './helpers/report-sample.js';

const SECTION_ORDER = [
  'summary',
  'findings',
  'embeddings',
  'accuracy',
  'loss',
  'maps',
  'angles',
  'diagrams',
  'cycles',
  'distances',
  'paired',
  'topology',
  'summaries',
  'timings',
  'class',
];
const FIGURES: [string, string][] = [
  ['accuracy-vs-sigma', 'accuracy'],
  ['confusion-clean', 'accuracy'],
  ['confusion-sigma-0.5', 'accuracy'],
  ['confusion-sigma-1', 'accuracy'],
  ['confusion-sigma-2', 'accuracy'],
  ['loss-vs-sigma', 'loss'],
  ['map-tsne-all', 'maps'],
  ['map-tsne-sample', 'maps'],
  ['map-umap-all', 'maps'],
  ['map-umap-sample', 'maps'],
  ['map-umap-joint', 'maps'],
  ['angles-heatmap', 'angles'],
  ['diagram-0', 'diagrams'],
  ['diagram-1', 'diagrams'],
  ['diagram-2', 'diagrams'],
  ['diagram-3', 'diagrams'],
  ['diagram-normalized-0', 'diagrams'],
  ['diagram-normalized-1', 'diagrams'],
  ['diagram-normalized-2', 'diagrams'],
  ['diagram-normalized-3', 'diagrams'],
  ['distance-bottleneck', 'distances'],
  ['distance-bottleneck-normalized', 'distances'],
  ['distance-wasserstein1', 'distances'],
  ['distance-wasserstein1-normalized', 'distances'],
  ['topology-accuracy-h0', 'topology'],
  ['topology-accuracy-h1', 'topology'],
];

/** Section id → its HTML, split at the section tags. */
function sections(html: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /<section id="([^"]+)"[^>]*>([\s\S]*?)<\/section>/g;
  for (let m = re.exec(html); m; m = re.exec(html)) out.set(m[1], m[2]);
  return out;
}

/** The page without its script blocks (data and code), to check the markup itself. */
const markup = (html: string) => html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '');

/** The explorer's JSON blocks, parsed. */
// biome-ignore lint/suspicious/noExplicitAny: the page's JSON; each test reads the fields it checks.
function explorerJson(html: string): { data: any; thumbs: string[] | null } {
  const block = (id: string) => new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>`).exec(html)?.[1];
  return { data: JSON.parse(block('explorer-data')!), thumbs: JSON.parse(block('explorer-thumbs')!) };
}

function figures(html: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /<figure data-figure="([^"]+)">([\s\S]*?)<\/figure>/g;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    expect(out.has(m[1]), `figure ${m[1]} appears twice`).toBe(false);
    out.set(m[1], m[2]);
  }
  return out;
}

/** A small RFC 4180 reader, to check the writer by round trip. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  expect(field === '' && row.length === 0, 'CSV ends with CRLF').toBe(true);
  return rows;
}

describe('renderReport', () => {
  const input = sampleReportInput();
  const html = renderReport(input);

  it('has the sections in the documented order', () => {
    expect([...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1])).toEqual(SECTION_ORDER);
  });

  it('has each expected figure exactly once, in its section, with svg, axis labels and a caption', () => {
    const figs = figures(html);
    expect([...figs.keys()].sort()).toEqual(FIGURES.map(([id]) => id).sort());
    const secs = sections(html);
    for (const [id, section] of FIGURES) {
      const body = figs.get(id)!;
      expect(secs.get(section), `${id} in section ${section}`).toContain(`data-figure="${id}"`);
      expect(body).toMatch(/^<svg [^>]*viewBox="0 0 [\d.]+ [\d.]+"/);
      expect(body, `${id} x axis label`).toMatch(/class="axis-label x-label"[^>]*>[^<]+</);
      expect(body, `${id} y axis label`).toMatch(/class="axis-label y-label"[^>]*>[^<]+</);
      expect(body, `${id} drawn marks`).toMatch(/class="mark"/);
      const caption = /<figcaption>([^<]+)<\/figcaption>/.exec(body);
      expect(caption?.[1].length, `${id} caption`).toBeGreaterThan(30);
      // Heatmaps explain colour with a colour bar; everything else with a legend.
      expect(body, `${id} legend`).toMatch(id.includes('heatmap') || id.startsWith('confusion') ? /class="colorbar"/ : /class="legend"/);
    }
  });

  it('writes no NaN, undefined, Infinity or stringified objects', () => {
    expect(markup(html)).not.toMatch(/NaN|undefined|Infinity|\[object|null/);
    // The data block is JSON: non-finite numbers may only be JSON null, never the words.
    const json = /<script type="application\/json" id="explorer-data">([\s\S]*?)<\/script>/.exec(html)![1];
    expect(json).not.toMatch(/NaN|undefined|Infinity|\[object/);
  });

  it('lists every skipped file with its reason, escaped', () => {
    const emb = sections(html).get('embeddings')!;
    for (const s of input.metrics.dataset.skipped) {
      const escaped = s.path.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
      expect(emb).toContain(`<td>${escaped}</td>`);
      expect(emb).toContain(s.reason);
    }
    expect(html).not.toContain('<1>');
  });

  it('captions read the numbers of the run', () => {
    const figs = figures(html);
    const zs = input.metrics.accuracy.zeroshot!;
    expect(figs.get('accuracy-vs-sigma')).toContain(`falls from ${zs[0].acc1.toFixed(2)} clean to ${zs[3].acc1.toFixed(2)} at σ = 2`);
    const pooled = input.metrics.correlation.find((c) => c.sigma === 'pooled' && c.dim === 1 && c.distance === 'bottleneck')!;
    expect(figs.get('topology-accuracy-h1')).toContain(
      `ρ between per-class H1 bottleneck distance and zero-shot recall drop is ${pooled.spearman!.toFixed(2)}`,
    );
    const closest = input.metrics.angles.closest[0];
    expect(figs.get('angles-heatmap')).toContain(`“${closest.a}” and “${closest.b}” at ${closest.min_deg.toFixed(1)}°`);
  });

  it('draws essential bars on a dashed ∞ line in every diagram', () => {
    const figs = figures(html);
    for (let k = 0; k < 4; k++) {
      expect(figs.get(`diagram-${k}`)).toMatch(/class="infinity"[^>]*stroke-dasharray/);
      expect(figs.get(`diagram-${k}`)).toContain('class="diagonal"');
      expect(figs.get(`diagram-${k}`)).toMatch(/data-dim="0"[\s\S]*data-dim="1"/);
    }
  });

  it('is byte-identical for the same input, and differs for another seed', () => {
    expect(renderReport(sampleReportInput())).toBe(html);
    expect(renderReport(sampleReportInput({ seed: 2 }))).not.toBe(html);
  });

  it('escapes class names and needs no network', () => {
    const odd = ['<b>bold</b>', 'a & b', 'say "hi"', "it's", ...DTD_CLASSES.slice(0, 4)];
    const out = renderReport(sampleReportInput({ classes: odd }));
    expect(out).not.toContain('<b>bold');
    expect(out).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(out).not.toMatch(/ a & b/);
    // The explorer's three blocks are the only scripts; the script itself names only the SVG namespace.
    expect(out.match(/<script\b[^>]*>/g)).toEqual([
      '<script type="application/json" id="explorer-data">',
      '<script type="application/json" id="explorer-thumbs">',
      '<script>',
    ]);
    expect(markup(out)).not.toMatch(/<script|<link|@import|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(out).not.toMatch(/@import|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('hostile class and file names stay data: no markup, no closed script block, names intact in the JSON', () => {
    const evilClass = '<img src=x onerror=alert(1)>';
    const evilPath = '</script><script>alert(1)</script>';
    const classes = [evilClass, 'a\u2028b & <!--c', ...DTD_CLASSES.slice(0, 4)];
    const input = sampleReportInput({ classes, path: (row, name) => (row % 7 === 0 ? `${name}/${evilPath}${row}.jpg` : `${name}/${row}.jpg`) });
    const out = renderReport(input);
    // Exactly the three blocks, each closed once: a name cannot close one or open another.
    expect(out.match(/<script\b/gi)).toHaveLength(3);
    expect(out.match(/<\/script/gi)).toHaveLength(3);
    expect(out).not.toContain('<img src=x');
    expect(out).not.toContain('alert(1)</script>');
    expect(out).not.toContain('<!--c');
    // U+2028 is text in HTML, but a line break to old JavaScript parsers: escaped in the JSON.
    expect(/<script type="application\/json" id="explorer-data">[^\u2028]*?<\/script>/.test(out)).toBe(true);
    expect(out).toContain('a\\u2028b \\u0026 \\u003c!--c');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // The escaped JSON reads back as the same names and paths.
    const { data } = explorerJson(out);
    expect(data.classes).toEqual(classes);
    expect(data.paths).toEqual(input.explorer!.paths);
    expect(data.paths[0]).toContain(evilPath);
    const cyclePaths = (data.cycles as { images: [number, string, string][] }[][]).flat().flatMap((c) => c.images.map((im) => im[1]));
    expect(cyclePaths).toContain(input.metrics.diagrams.global[0].cycles[0].images[0].path);
  });

  it('allows exactly its one script by hash in a strict Content-Security-Policy', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1];
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1];
    const hash = createHash('sha256').update(script, 'utf8').digest('base64');
    expect(csp).toBe(`default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${hash}'`);
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/);
  });

  it('stores each thumbnail once and the points compactly', () => {
    const { data, thumbs } = explorerJson(html);
    const e = input.explorer!;
    expect(thumbs).toEqual(e.thumbnails);
    // Once per image: a thumbnail's text occurs once in the page, whatever number of maps and levels show it.
    for (const row of [0, 17, 479]) expect(html.split(e.thumbnails![row]).length - 1, `row ${row}`).toBe(1);
    expect(data.paths).toEqual(e.paths);
    expect(data.pred).toEqual(e.predicted!.map((p) => Array.from(p)));
    const tsne = data.figs['map-tsne-all'];
    expect(tsne.kind).toBe('map');
    expect(tsne.x).toHaveLength(input.maps[0].labels.length);
    expect(tsne.rows).toEqual(Array.from(input.maps[0].rows));
    for (const v of [...tsne.x, ...tsne.y]) expect(Math.round(v * 10) / 10).toBe(v);
    const joint = data.figs['map-umap-joint'];
    expect(joint.x).toHaveLength(4 * 480);
    expect(joint.levels.slice(478, 482)).toEqual([0, 0, 1, 1]);
    expect(data.cdg).toHaveLength(12);
    expect(data.cdg[3][2][1].length).toBe(2 * e.classDiagrams[3][2][1].length);
    // The H1 bars with a representative cycle are found by birth and death.
    const d0 = data.figs['diagram-0'];
    const cycles = input.metrics.diagrams.global[0].cycles;
    expect(d0.cycle.filter((c: number) => c >= 0).sort()).toEqual([0, 1]);
    const bar = d0.cycle.indexOf(0);
    expect([d0.birth[bar], d0.death[bar]]).toEqual([cycles[0].birth, cycles[0].death]);
    expect(data.figs['diagram-normalized-0'].cycle).toEqual(d0.cycle);
    expect(data.figs['topology-accuracy-h1'].classes).toHaveLength(12 * 3);
  });

  it('draws the joint map with clean points filled and noisy levels hollow, every class a legend button', () => {
    const joint = figures(html).get('map-umap-joint')!;
    expect(joint.match(/<path class="mark" data-class="\d+"/g)).toHaveLength(12 * 4);
    expect(joint).toMatch(/<path class="mark" data-class="0" d="[^"]+" fill="none" stroke="#1f5fbf" stroke-width="1.2" stroke-opacity="0\.\d+"/);
    expect(joint).toMatch(/<path class="mark" data-class="0" d="[^"]+" fill="#1f5fbf" fill-opacity="0.85"/);
    expect(joint.match(/class="legend-item" data-class=/g)).toHaveLength(12);
    expect(
      figures(html)
        .get('map-tsne-all')!
        .match(/class="legend-item" data-class=/g),
    ).toHaveLength(12);
  });

  it('without the explorer’s data, or with thumbnails off or no zero-shot, the page says so and still carries its maps', () => {
    const old = renderReport(sampleReportInput({ explorer: false }));
    expect(old).toContain('made without the explorer’s data');
    expect(figures(old).has('map-umap-joint')).toBe(false);
    const o = explorerJson(old);
    expect([o.data.explorer, o.data.paths, o.data.cdg, o.thumbs]).toEqual([false, null, null, null]);
    expect(o.data.figs['map-tsne-all'].x.length).toBeGreaterThan(0);
    const off = renderReport(sampleReportInput({ thumbnails: null }));
    expect(off).toContain('Thumbnails are off in this run');
    expect(explorerJson(off).thumbs).toBeNull();
    const noZs = renderReport(sampleReportInput({ zeroshot: false }));
    expect(noZs).toContain('predicted classes show as —');
    expect(explorerJson(noZs).data.pred).toBeNull();
    expect(explorerJson(noZs).data.zs).toBeNull();
  });

  it('renders the 47-class layout and a run without a probe', () => {
    const out = renderReport(sampleReportInput({ classes: [...DTD_CLASSES], probe: false }));
    const figs = figures(out);
    expect((figs.get('confusion-clean')!.match(/<rect class="mark"/g) ?? []).length).toBe(47 * 47);
    expect(figs.get('accuracy-vs-sigma')).not.toContain('linear probe');
    expect(sections(out).get('summary')).not.toContain('linear probe top-1');
    // Every class gets a legend entry in the all-classes map.
    expect((figs.get('map-tsne-all')!.match(/class="legend-item"/g) ?? []).length).toBe(47);
  });
});

describe('renderReport on a minimal run', () => {
  it('handles a clean-only run without probe, maps or skipped files', () => {
    const input = sampleReportInput({ levels: [0], probe: false });
    input.maps = [];
    input.metrics.maps = [];
    input.metrics.dataset.skipped = [];
    input.metrics.angles.ranks = [];
    const html = renderReport(input);
    expect([...html.matchAll(/<section id="([^"]+)"/g)].map((m) => m[1])).toEqual(SECTION_ORDER);
    expect(markup(html)).not.toMatch(/NaN|undefined|Infinity|\[object|null/);
    expect(sections(html).get('embeddings')).toContain('Skipped files (0)');
    const figs = figures(html);
    expect(figs.get('accuracy-vs-sigma')).toContain(`Zero-shot top-1 is ${input.metrics.accuracy.zeroshot![0].acc1.toFixed(2)} clean.`);
    expect(figs.get('distance-bottleneck')).toContain('No noisy level was compared');
    expect([...figs.keys()].filter((k) => k.startsWith('topology'))).toEqual([]);
  });
});

describe('figure readings', () => {
  it('the joint map reading gives each level’s spread and the mean move, computed on a layout whose answers are known', () => {
    // 4 images: clean on the corners of a 2 × 2 square around (1, 1) (RMS spread √2), noisy all at (1, 1)
    // (spread 0, each image moved √2 from its clean place).
    const clean = [0, 0, 2, 0, 0, 2, 2, 2];
    const noisy = [1, 1, 1, 1, 1, 1, 1, 1];
    const map = {
      info: { method: 'umap' as const, subset: 'joint' as const, classes: [0], points: 8, seed: 0, params: {}, trustworthiness: null, file: '', warnings: [] },
      xy: Float32Array.from([...clean, ...noisy]),
      labels: new Int32Array(8),
      rows: Uint32Array.from([0, 1, 2, 3, 0, 1, 2, 3]),
      levels: Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1]),
    };
    const text = jointMapReading(map, [0, 2]);
    expect(text).toContain('same 4 images in one map (8 points, 2 levels)');
    expect(text).toContain('clean: spread 1.41');
    expect(text).toContain('σ = 2: spread 0.00, mean move from the clean place 1.41');
    expect(text).toContain('UMAP does not keep distances');
  });

  it('say whether a series falls, rises or stays, in plain words, and when a distance is saturated', () => {
    const sat = (b: boolean) => ({ bottleneck_saturated: b, wasserstein1_saturated: false });
    const row = (sigma: number, dim: number, bottleneck: number, saturated = false) => ({
      sigma,
      dim,
      bottleneck,
      wasserstein1: 10 * bottleneck,
      saturation: sat(saturated),
      normalized: { bottleneck: bottleneck / 2, wasserstein1: 5 * bottleneck, saturation: sat(false) },
    });
    expect(distanceReading([row(0.5, 1, 0.0591), row(2, 1, 0.0589)])).toBe(
      'The H1 bottleneck distance to the clean diagram stays near 0.059 from σ = 0.5 to σ = 2.',
    );
    expect(distanceReading([row(0.5, 0, 0.2), row(1, 1, 0.05), row(2, 1, 0.31, true)])).toBe(
      'The H0 bottleneck distance to the clean diagram is 0.200 at σ = 0.5; the H1 bottleneck distance to the clean diagram rises from 0.050 at σ = 1 to 0.310 at σ = 2 (saturated at σ = 2: no better than matching every bar to the diagonal).',
    );
    expect(normalizedDistanceReading([row(0.5, 1, 0.2), row(2, 1, 0.2)], 'bottleneck')).toBe(
      'The H1 bottleneck distance to the clean diagram stays near 0.100 from σ = 0.5 to σ = 2, after dividing each diagram by its enclosing radius.',
    );
  });
});

describe('svg helpers', () => {
  it('gives 47 classes 47 distinct colour/shape pairs', () => {
    const styles = Array.from({ length: 47 }, (_, i) => classStyle(i));
    expect(new Set(styles.map((s) => `${s.color}|${s.shape}|${s.hollow}`)).size).toBe(47);
  });

  it('puts nice ticks on nice domains', () => {
    expect(niceDomain(0.013, 0.287)).toEqual([0, 0.3]);
    const s = linearScale([0, 0.3], [0, 300]);
    expect(s.ticks).toEqual([0, 0.1, 0.2, 0.3]);
    expect(linearScale([0, 1], [0, 1], 10).ticks[3]).toBe(0.3);
    expect(s(0.15)).toBeCloseTo(150, 9);
  });
});

describe('CSV tables', () => {
  it('quotes fields per RFC 4180', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(Infinity)).toBe('inf');
    expect(csvField(-0)).toBe('0');
    expect(toCsv(['x', 'y'], [[1, 'a,b']])).toBe('x,y\r\n1,"a,b"\r\n');
  });

  it('round-trips every table through an RFC 4180 reader', () => {
    const input = sampleReportInput({ classes: ['a,b', 'say "hi"', 'plain', 'multi\nline'] });
    const tables = reportTables(input);
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'accuracy.csv',
        'loss.csv',
        'angles_closest.csv',
        'angles_min_deg.csv',
        'distances_global.csv',
        'distances_per_class.csv',
        'correlation.csv',
        'diagram_stats.csv',
        'summaries.csv',
        'skipped.csv',
      ]),
    );
    for (const t of tables) {
      const rows = parseCsv(t.text);
      for (const r of rows) expect(r.length, `${t.name} row width`).toBe(rows[0].length);
    }
    const skipped = parseCsv(tables.find((t) => t.name === 'skipped.csv')!.text);
    expect(skipped.slice(1)).toEqual(input.metrics.dataset.skipped.map((s) => [s.path, s.reason, s.where]));
    const matrix = parseCsv(tables.find((t) => t.name === 'angles_min_deg.csv')!.text);
    expect(matrix[0]).toEqual(['class', ...input.metrics.dataset.classes]);
    expect(matrix[2].slice(1).map(Number)).toEqual(input.metrics.angles.min_deg[1]);
    const acc = parseCsv(tables.find((t) => t.name === 'accuracy.csv')!.text);
    expect(Number(acc[1][3])).toBe(input.metrics.accuracy.zeroshot![0].acc1);
  });
});

describe('writeReport', () => {
  it('writes report.html, metrics.json and tables/ with no temp files left', async () => {
    const dir = tempDir();
    const input = sampleReportInput();
    const { files } = await writeReport(dir, input);
    expect(files).toContain('report.html');
    for (const f of files) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'))).toEqual(input.metrics);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(renderReport(input));
    const all = [...readdirSync(dir), ...readdirSync(join(dir, 'tables'))];
    expect(all.filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes every figure of the page as figures/<id>.svg with its title inside, and a PNG of twice its size', async () => {
    const dir = tempDir();
    const input = sampleReportInput();
    await writeReport(dir, input);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const ids = [...html.matchAll(/data-figure="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(10);
    const names = readdirSync(join(dir, 'figures')).sort();
    expect(names).toEqual(ids.flatMap((id) => [`${id}.png`, `${id}.svg`]).sort());
    for (const id of ids) {
      const svg = readFileSync(join(dir, 'figures', `${id}.svg`), 'utf8');
      // The figure's own title, drawn (a <text>), not only the <title> screen readers get.
      const title = /<title>([^<]*)<\/title>/.exec(svg)?.[1];
      expect(title, id).toBeTruthy();
      expect(svg, id).toContain(`<text class="figure-title" x=`);
      expect(svg, id).toContain(`>${title}</text>`);
      // A standalone document: no CSS of the page needed, nothing outside the file.
      expect(svg, id).not.toMatch(/href=|url\(/);
      const w = Number(/^<\?xml[^>]*>\n<svg[^>]* width="([\d.]+)"/.exec(svg)?.[1]);
      const h = Number(/^<\?xml[^>]*>\n<svg[^>]* height="([\d.]+)"/.exec(svg)?.[1]);
      const png = await sharp(join(dir, 'figures', `${id}.png`)).metadata();
      expect([png.format, png.width, png.height], id).toEqual(['png', Math.round(2 * w), Math.round(2 * h)]);
    }
    // The PNG shows the drawing: far from one flat colour.
    const stats = await sharp(join(dir, 'figures', 'accuracy-vs-sigma.png')).stats();
    expect(stats.channels[0].stdev).toBeGreaterThan(10);
  });

  it('refuses NaN or Infinity in metrics.json, naming the field, and writes nothing', async () => {
    const dir = join(tempDir(), 'out');
    const input = sampleReportInput();
    input.metrics.distances.global[1].bottleneck = Infinity;
    await expect(writeReport(dir, input)).rejects.toThrow(/metrics\.distances\.global\[1\]\.bottleneck is Infinity/);
    input.metrics.distances.global[1].bottleneck = 0.1;
    input.metrics.loss[0].loss = NaN;
    await expect(writeReport(dir, input)).rejects.toThrow(/metrics\.loss\[0\]\.loss is NaN/);
    expect(existsSync(dir)).toBe(false);
  });
});
