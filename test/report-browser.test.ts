/// <reference lib="dom" />
// The page callbacks below run in the browser; src/ is still checked without DOM types by tsconfig.json.
/**
 * Opens report.html in headless Chromium: the page must load without console or page errors (which
 * also catches anything the Content-Security-Policy blocks), every figure must take up space and
 * contain drawn marks. Chromium is required: without it this test fails, it does not skip.
 * The one way to skip it is to ask by name, CLIP_TOPO_SKIP_BROWSER=1, which the release workflow sets on
 * the runners that have no Chromium (the report is the same HTML on every platform; CI on Linux runs it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { type Browser, chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { DTD_CLASSES } from '../src/data/dtd.js';
import { writeSynthDataset } from '../src/data/synth.js';
import { nativeRenderer, synthClasses } from '../src/kernels/synth.js';
import { writeReport } from '../src/report/write.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { sampleReportInput, webpThumbnails } from './helpers/report-sample.js';

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
    // The explorer started, and focusing the first map explains its first point.
    expect(await page.getAttribute('html', 'data-explorer')).toBe('ready');
    const firstMap = page.locator('[data-figure^="map-"] svg').first();
    if ((await firstMap.count()) > 0) {
      await firstMap.focus();
      const t = await tipText(page);
      expect(t.hidden).toBe(false);
      expect(t.path).toMatch(/\S/);
      expect(t.cls).toMatch(/^class: \S/);
      if (t.img !== null) expect(t.img).toMatch(/^data:image\/(webp|png);base64,/);
      await page.keyboard.press('Escape');
    }
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
    // 4 levels, 4 maps + the joint map, H0–H1: accuracy, 4 confusions, loss, 5 maps, angles, 4 + 4 diagrams (raw, normalised), 4 distance panels, 2 topology-accuracy plots.
    await checkInBrowser(join(dir, 'report.html'), 26, join(tmpdir(), 'clip-topo-report-sample.png'));
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
    // The joint clean + noisy map is a figure whether or not the pipeline lists it among metrics.maps.
    const joint = !m.maps.some((x: { subset: string }) => x.subset === 'joint') && readFileSync(html, 'utf8').includes('data-figure="map-umap-joint"') ? 1 : 0;
    const figures = 1 + levels + 1 + m.maps.length + joint + 1 + 2 * levels + (levels > 1 ? 4 + (m.diagrams.maxdim + 1) : 0);
    await checkInBrowser(html, figures, process.env.REPORT_SCREENSHOT || join(tmpdir(), 'clip-topo-report.png'));
  }, 120_000);
});

/** A page opened with every non-file: request aborted and recorded, dialogs recorded, console errors collected. */
async function openReport(html: string): Promise<{ browser: Browser; page: Page; problems: string[]; requests: string[]; dialogs: string[] }> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it or set CHROMIUM_PATH`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:')) return route.continue();
    requests.push(url);
    return route.abort();
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
  await page.waitForSelector('html[data-explorer="ready"]');
  return { browser, page, problems, requests, dialogs };
}

/** The page's own explorer data (what the script reads). */
// biome-ignore lint/suspicious/noExplicitAny: the JSON's shape is the page's business; the test reads a few fields.
const pageData = (page: Page): Promise<any> => page.evaluate(() => JSON.parse(document.getElementById('explorer-data')!.textContent!));

/** Scrolls figure `id` into the middle of the viewport and gives point i's position on the screen. */
async function pointOnScreen(page: Page, id: string, i: number): Promise<{ x: number; y: number }> {
  return page.evaluate(
    ([id, i]) => {
      const D = JSON.parse(document.getElementById('explorer-data')!.textContent!);
      const svg = document.querySelector(`[data-figure="${id}"] svg`) as SVGSVGElement;
      svg.scrollIntoView({ block: 'center' });
      const m = svg.getScreenCTM()!;
      const P = D.figs[id];
      return { x: m.a * P.x[i] + m.c * P.y[i] + m.e, y: m.b * P.x[i] + m.d * P.y[i] + m.f };
    },
    [id, i] as [string, number],
  );
}

/** A point with no other point within `gap` SVG units, so hovering it cannot pick a neighbour. */
function isolatedPoint(P: { x: (number | null)[]; y: (number | null)[] }, gap = 6, which: (i: number) => boolean = () => true): number {
  for (let i = 0; i < P.x.length; i++) {
    if (P.x[i] === null || !which(i)) continue;
    let ok = true;
    for (let j = 0; j < P.x.length && ok; j++) if (j !== i && P.x[j] !== null && (P.x[j]! - P.x[i]!) ** 2 + (P.y[j]! - P.y[i]!) ** 2 < gap * gap) ok = false;
    if (ok) return i;
  }
  throw new Error('no isolated point');
}

const tipText = (page: Page) =>
  page.evaluate(() => {
    const t = document.getElementById('explorer-tip')!;
    const img = t.querySelector('img')!;
    const q = (c: string) => t.querySelector(c)!.textContent;
    return { hidden: t.hidden, img: img.hidden ? null : img.getAttribute('src'), path: q('.tip-path'), cls: q('.tip-class'), pred: q('.tip-pred') };
  });

const highlighted = (page: Page) =>
  page.$$eval('[data-figure]', (figs) =>
    figs
      .filter((f) => f.hasAttribute('data-highlight') && f.querySelector('.hl'))
      .map((f) => `${f.getAttribute('data-figure')}=${f.getAttribute('data-highlight')}`),
  );

describe.skipIf(SKIP_BROWSER)('report.html explorer in headless Chromium', () => {
  it('hover and focus show the image, path, class and prediction; a class click highlights it across the page; a bar shows its cycle; the drill-down draws the class', async () => {
    const dir = tempDir('clip-topo-explorer-');
    const input = sampleReportInput();
    await writeReport(dir, input);
    const e = input.explorer!;
    const classes = input.metrics.dataset.classes;
    const { browser, page, problems, requests, dialogs } = await openReport(join(dir, 'report.html'));
    try {
      const D = await pageData(page);
      // Hover: the tooltip shows that row's thumbnail (the same data: URI), path, class and prediction at the map's level.
      const tsne = D.figs['map-tsne-all'];
      const i = isolatedPoint(tsne);
      const row = tsne.rows[i];
      const at = await pointOnScreen(page, 'map-tsne-all', i);
      await page.mouse.move(at.x, at.y);
      const t = await tipText(page);
      expect(t.hidden).toBe(false);
      expect(t.img).toBe(e.thumbnails![row]);
      expect(t.img).toMatch(/^data:image\/png;base64,/);
      expect(t.path).toBe(e.paths[row]);
      expect(t.cls).toBe(`class: ${classes[e.labels[row]]}`);
      expect(t.pred).toContain(`predicted at σ = 0: ${classes[e.predicted![0][row]]}`);
      // The same image is ringed in the other maps, and its moves under noise drawn in the joint map.
      expect(await page.locator('[data-figure="map-umap-all"] .overlay-link circle').count()).toBe(1);
      expect(await page.locator('[data-figure="map-umap-joint"] .overlay-link path.move').count()).toBe(1);
      // A joint-map point at a noisy level says so, with the prediction at that level.
      const joint = D.figs['map-umap-joint'];
      const jp = isolatedPoint(joint, 4, (p) => joint.levels[p] === 3);
      const jat = await pointOnScreen(page, 'map-umap-joint', jp);
      await page.mouse.move(jat.x, jat.y);
      const jt = await tipText(page);
      expect(jt.path).toBe(e.paths[joint.rows[jp]]);
      expect(jt.img).toBe(e.thumbnails![joint.rows[jp]]);
      expect(jt.pred).toContain(`predicted at σ = 2: ${classes[e.predicted![3][joint.rows[jp]]]}`);
      await page.mouse.move(2, 2);
      expect((await tipText(page)).hidden).toBe(true);

      // Keyboard: focusing a map shows its first point; an arrow key moves to another point.
      await page.locator('[data-figure="map-umap-all"] svg').focus();
      const k0 = await tipText(page);
      const umap = D.figs['map-umap-all'];
      expect(k0.hidden).toBe(false);
      expect(k0.path).toBe(e.paths[umap.rows[0]]);
      expect(k0.img).toBe(e.thumbnails![umap.rows[0]]);
      await page.keyboard.press('ArrowRight');
      const k1 = await tipText(page);
      expect(k1.hidden).toBe(false);
      expect(k1.path).not.toBe(k0.path);
      await page.keyboard.press('Escape');
      expect((await tipText(page)).hidden).toBe(true);

      // A legend click highlights the class in every figure that shows classes; again clears it.
      await page.locator('[data-figure="map-tsne-all"] .legend-item[data-class="3"]').click();
      const hl = await highlighted(page);
      expect(hl.length).toBeGreaterThanOrEqual(3);
      for (const id of ['map-tsne-all', 'map-umap-joint', 'confusion-clean', 'confusion-sigma-2', 'angles-heatmap', 'topology-accuracy-h1'])
        expect(hl).toContain(`${id}=3`);
      expect(await page.locator('[data-figure="map-tsne-all"] .marks .mark.hl').getAttribute('data-class')).toBe('3');
      // Confusion: class 3's row and column, 2C − 1 cells.
      expect(await page.locator('[data-figure="confusion-clean"] .cells rect.hl').count()).toBe(2 * classes.length - 1);
      expect(await page.locator('[data-figure="topology-accuracy-h1"] .overlay-hl circle.hl').count()).toBe(3);
      expect(await page.locator('[data-figure="map-umap-joint"] .overlay-lines path.move').count()).toBe(1);
      expect(await page.locator('tr.hl[data-class="3"]').count()).toBeGreaterThan(0);
      expect(await page.locator('#explorer-bar .name').textContent()).toBe(classes[3]);
      // …and the drill-down shows it.
      expect(await page.locator('#class-detail h3').textContent()).toBe(classes[3]);
      await page.locator('[data-figure="map-tsne-all"] .legend-item[data-class="3"]').click();
      expect(await highlighted(page)).toEqual([]);
      // A table row, then a heatmap cell (row = true class), then Escape.
      await page.locator('[data-table="distances-per-class"] tr[data-class="5"]').click();
      expect((await highlighted(page)).every((h) => h.endsWith('=5'))).toBe(true);
      const cell = page.locator('[data-figure="confusion-clean"] .cells rect.mark').nth(2 * classes.length + 4);
      // A cell wide enough to print its value: the number on it must not take the click.
      await cell.click();
      expect(await highlighted(page)).toContain('angles-heatmap=2');
      await page.keyboard.press('Escape');
      expect(await highlighted(page)).toEqual([]);
      // From the keyboard: a legend entry is a button.
      await page.locator('[data-figure="map-umap-all"] .legend-item[data-class="4"]').focus();
      await page.keyboard.press('Enter');
      expect(await highlighted(page)).toContain('map-umap-all=4');
      await page.keyboard.press('Escape');
      expect(await highlighted(page)).toEqual([]);

      // An H1 bar with a representative cycle: its images as a strip, in walk order.
      const d0 = D.figs['diagram-0'];
      const bar = d0.cycle.indexOf(0);
      const cyc = input.metrics.diagrams.global[0].cycles[0];
      const bat = await pointOnScreen(page, 'diagram-0', bar);
      await page.mouse.move(bat.x, bat.y);
      expect((await tipText(page)).pred).toContain(`its cycle of ${cyc.images.length} images`);
      await page.mouse.click(bat.x, bat.y);
      const strip = await page.$$eval('#cycle-strip ol.strip li', (lis) =>
        lis.map((li) => ({
          path: li.querySelector('.path')!.textContent,
          cls: li.querySelector('.cls')!.textContent,
          img: li.querySelector('img')?.getAttribute('src'),
        })),
      );
      expect(strip).toEqual(cyc.images.map((im) => ({ path: im.path, cls: im.class, img: e.thumbnails![im.row] })));
      expect(await page.locator('#cycle-strip h3').textContent()).toContain('at σ = 0');

      // The drill-down: pick a class; its diagram at every σ, its recall chart and its nearest classes.
      await page.selectOption('#class-pick', '7');
      expect(await page.locator('#class-detail h3').textContent()).toBe(classes[7]);
      expect(await page.locator('#class-detail svg[data-class-figure="diagram"]').count()).toBe(4);
      const dots = await page.$$eval('#class-detail svg[data-class-figure="diagram"]', (svgs) => svgs.map((s) => s.querySelectorAll('path.dmark').length));
      expect(dots).toEqual([2, 2, 2, 2]);
      expect(await page.locator('#class-detail svg[data-class-figure="recall"] circle.dmark').count()).toBe(4);
      const nearest = await page.$$eval('#class-detail .nearest button', (bs) => bs.map((b) => b.textContent));
      const angles = input.metrics.angles.min_deg[7];
      const want = angles
        .map((v, j) => ({ v, j }))
        .filter((x) => x.j !== 7 && x.v !== null)
        .sort((a, b) => a.v! - b.v!)
        .slice(0, 5)
        .map((x) => classes[x.j]);
      expect(nearest).toEqual(want);
      expect(await page.locator('#class-detail .confusions li').count()).toBe(4);
      expect(await highlighted(page)).toContain('map-tsne-all=7');

      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
      expect(dialogs).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);

  // CLIP_TOPO_SCREENSHOT=docs/explorer.png: the README's picture, texture thumbnails as analyze makes them.
  it.runIf(Boolean(process.env.CLIP_TOPO_SCREENSHOT))(
    'screenshot: a class highlighted, the tooltip open over the joint map',
    async () => {
      const dir = tempDir('clip-topo-explorer-shot-');
      const input = sampleReportInput({ thumbnails: await webpThumbnails(480, 40) });
      await writeReport(dir, input);
      const { browser, page, problems } = await openReport(join(dir, 'report.html'));
      try {
        const D = await pageData(page);
        await page.selectOption('#class-pick', '3');
        const joint = D.figs['map-umap-joint'];
        const p = isolatedPoint(joint, 3, (i) => joint.levels[i] === 0 && joint.classes[i] === 3);
        const at = await pointOnScreen(page, 'map-umap-joint', p);
        await page.mouse.move(at.x, at.y);
        const fig = (await page.locator('[data-figure="map-umap-joint"] svg').boundingBox())!;
        const tip = (await page.locator('#explorer-tip').boundingBox())!;
        const x0 = Math.max(0, Math.min(fig.x, tip.x) - 8);
        const x1 = Math.max(fig.x + fig.width, tip.x + tip.width) + 8;
        const shot = await page.screenshot({ clip: { x: x0, y: fig.y - 8, width: x1 - x0, height: fig.height + 16 } });
        const png = await sharp(shot).png({ palette: true, colours: 160, compressionLevel: 9 }).toBuffer();
        expect(png.length).toBeLessThan(400_000);
        writeFileSync(process.env.CLIP_TOPO_SCREENSHOT!, png);
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );

  it('hostile class and file names run nothing and create no element; they show as text', async () => {
    const evilClass = '<img src=x onerror=alert(1)>';
    const evilPath = '</script><script>alert(2)</script><img src=y onerror=alert(3)>';
    const dir = tempDir('clip-topo-explorer-hostile-');
    const input = sampleReportInput({ classes: [evilClass, ...DTD_CLASSES.slice(0, 5)], path: (row, name) => `${name}/${evilPath}${row}.jpg` });
    await writeReport(dir, input);
    const { browser, page, problems, requests, dialogs } = await openReport(join(dir, 'report.html'));
    try {
      const D = await pageData(page);
      const tsne = D.figs['map-tsne-all'];
      const i = isolatedPoint(tsne, 6, (p) => tsne.classes[p] === 0);
      const at = await pointOnScreen(page, 'map-tsne-all', i);
      await page.mouse.move(at.x, at.y);
      const t = await tipText(page);
      expect(t.path).toBe(input.explorer!.paths[tsne.rows[i]]);
      expect(t.path).toContain(evilPath);
      await page.locator('[data-figure="map-tsne-all"] .legend-item[data-class="0"]').click();
      expect(await page.locator('#explorer-bar .name').textContent()).toBe(evilClass);
      expect(await page.locator('#class-detail h3').textContent()).toBe(evilClass);
      const d0 = D.figs['diagram-0'];
      const bat = await pointOnScreen(page, 'diagram-0', d0.cycle.indexOf(0));
      await page.mouse.click(bat.x, bat.y);
      expect(await page.locator('#cycle-strip .path').first().textContent()).toContain(evilPath);
      const dom = await page.evaluate(() => ({
        scripts: document.scripts.length,
        evilImgs: document.querySelectorAll('img[src="x"], img[src="y"], img[onerror]').length,
        handlers: Array.from(document.querySelectorAll('*')).filter((el) => Array.from(el.attributes).some((a) => a.name.startsWith('on'))).length,
      }));
      expect(dom).toEqual({ scripts: 3, evilImgs: 0, handlers: 0 });
      expect(dialogs).toEqual([]);
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('an old input (no explorer data) and a run with thumbnails off still explain each point, without an image', async () => {
    for (const [opts, path] of [
      [{ explorer: false }, (row: number) => `row ${row}`],
      [{ thumbnails: null }, null],
    ] as const) {
      const dir = tempDir('clip-topo-explorer-old-');
      const input = sampleReportInput(opts);
      await writeReport(dir, input);
      const { browser, page, problems, requests } = await openReport(join(dir, 'report.html'));
      try {
        const D = await pageData(page);
        const tsne = D.figs['map-tsne-all'];
        const i = isolatedPoint(tsne);
        const at = await pointOnScreen(page, 'map-tsne-all', i);
        await page.mouse.move(at.x, at.y);
        const t = await tipText(page);
        const row = tsne.rows[i];
        expect(t.hidden).toBe(false);
        expect(t.img).toBeNull();
        expect(t.path).toBe(path ? path(row) : input.explorer!.paths[row]);
        expect(t.cls).toBe(`class: ${input.metrics.dataset.classes[tsne.classes[i]]}`);
        if (!input.explorer) expect(t.pred).toBe('predicted at σ = 0: —');
        await page.selectOption('#class-pick', '2');
        expect(await page.locator('#class-detail h3').textContent()).toBe(input.metrics.dataset.classes[2]);
        if (!input.explorer) expect(await page.locator('#class-detail').textContent()).toContain('Per-class diagrams are not in this report');
        expect(problems).toEqual([]);
        expect(requests).toEqual([]);
      } finally {
        await browser.close();
      }
    }
  }, 120_000);
});
