/// <reference lib="dom" />
// The page callbacks below run in the browser; src/ is still checked without DOM types by tsconfig.json.
/**
 * Opens report.html in headless Chromium: the page must load without console or page errors (which
 * also catches anything the Content-Security-Policy blocks), every figure must take up space and
 * contain drawn marks. Chromium is required: without it this test fails, it does not skip.
 * The one way to skip it is to ask by name, CLIP_TOPO_SKIP_BROWSER=1, which the release workflow sets on
 * the runners that have no Chromium (the report is the same HTML on every platform; CI on Linux runs it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';

import { DTD_CLASSES } from '../src/data/dtd.js';
import { writeSynthDataset } from '../src/data/synth.js';
import { nativeRenderer, synthClasses } from '../src/kernels/synth.js';
import { writeReport } from '../src/report/write.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { sampleReportInput } from './helpers/report-sample.js';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SKIP_BROWSER = process.env.CLIP_TOPO_SKIP_BROWSER === '1';
if (SKIP_BROWSER) console.warn('report-browser.test.ts: skipped because CLIP_TOPO_SKIP_BROWSER=1');

interface FigureBox {
  id: string;
  width: number;
  height: number;
  marks: number;
  drawnMarks: number;
}

async function checkInBrowser(html: string, figures: number, shot: string): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it with \`apt-get install chromium\` (Debian) or set CHROMIUM_PATH to a Chromium binary`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    const boxes: FigureBox[] = await page.$$eval('[data-figure]', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg');
        const r = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
        const marks = svg ? Array.from(svg.querySelectorAll<SVGGraphicsElement>('.mark')) : [];
        const drawn = marks.filter((m) => {
          const b = m.getBBox();
          return b.width > 0 || b.height > 0;
        });
        return { id: f.getAttribute('data-figure') ?? '', width: r.width, height: r.height, marks: marks.length, drawnMarks: drawn.length };
      }),
    );
    expect(boxes.length).toBe(figures);
    for (const b of boxes) {
      expect(b.width, `${b.id} width`).toBeGreaterThan(100);
      expect(b.height, `${b.id} height`).toBeGreaterThan(100);
      expect(b.drawnMarks, `${b.id} drawn marks`).toBeGreaterThan(0);
      expect(b.drawnMarks, `${b.id}: every mark has a box`).toBe(b.marks);
    }
    // Fonts differ between machines; the axis titles must still land inside their figure.
    const outside = await page.$$eval('[data-figure] svg', (svgs) =>
      svgs.flatMap((svg) => {
        const box = svg.getBoundingClientRect();
        return Array.from(svg.querySelectorAll('.axis-label, .panel-heading'))
          .filter((t) => {
            const r = t.getBoundingClientRect();
            return r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1;
          })
          .map((t) => `${svg.closest('[data-figure]')?.getAttribute('data-figure')}: ${t.textContent}`);
      }),
    );
    expect(outside).toEqual([]);
    // Every diagram panel names its level inside the drawing (a panel read or exported alone).
    const headings = await page.$$eval('[data-figure^="diagram-"] .panel-heading', (ts) => ts.map((t) => t.textContent ?? ''));
    expect(headings.length).toBe(boxes.filter((b) => b.id.startsWith('diagram-')).length);
    for (const h of headings) expect(h).toMatch(/^σ = [0-9.]+(, ÷ r)?$/);
    expect(problems).toEqual([]);

    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16), 'screenshot width').toBe(1280);
  } finally {
    await browser.close();
  }
}

describe.skipIf(SKIP_BROWSER)('report.html in headless Chromium', () => {
  it('loads without errors and draws every figure (47-class sample)', async () => {
    const dir = tempDir('clip-topo-report-');
    // The 47 DTD classes: the densest legend and heatmap layout the report has to hold.
    await writeReport(dir, sampleReportInput({ classes: [...DTD_CLASSES] }));
    // 4 levels, 4 maps, H0–H1: accuracy, 4 confusions, loss, 4 maps, angles, 4 + 4 diagrams (raw, normalised), 4 distance panels, 2 topology-accuracy plots.
    await checkInBrowser(join(dir, 'report.html'), 25, join(tmpdir(), 'clip-topo-report-sample.png'));
  }, 120_000);

  it('the report of a real analyze run loads without errors and draws every figure', async () => {
    // REPORT_HTML: a report made elsewhere (test/pack/run.sh passes the one the main command wrote).
    let html = process.env.REPORT_HTML;
    if (!html) {
      const data = tempDir('clip-topo-report-data-');
      await writeSynthDataset({
        out: data,
        render: nativeRenderer({ threads: 1 }),
        available: synthClasses(),
        classes: ['banded', 'dotted', 'grid', 'striped', 'woven'],
        perClass: 12,
        size: 64,
        seed: 5,
      });
      const out = join(tempDir(), 'report');
      const r = await runCli([
        'analyze',
        '--dataset',
        data,
        '--model',
        join(ROOT, 'models', 'tiny-random'),
        '--out',
        out,
        '--rips-points',
        '10',
        '--sample-classes',
        '3',
        '--threads',
        '1',
      ]);
      expect(r.code, r.stderr).toBe(0);
      html = join(out, 'report.html');
    }
    const m = JSON.parse(readFileSync(join(html, '..', 'metrics.json'), 'utf8'));
    const levels = m.noise.levels.length;
    // accuracy, one confusion per level, loss, 4 maps (2 without a class sample), angles, two diagrams per level
    // (raw and normalised by the cloud's radius), four distance panels (bottleneck/W1 × raw/normalised) and
    // one topology-accuracy plot per dim when there is noise.
    const figures = 1 + levels + 1 + m.maps.length + 1 + 2 * levels + (levels > 1 ? 4 + (m.diagrams.maxdim + 1) : 0);
    await checkInBrowser(html, figures, process.env.REPORT_SCREENSHOT || join(tmpdir(), 'clip-topo-report.png'));
  }, 120_000);
});
