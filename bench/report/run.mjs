// report.html size and paint time at the size of a DTD run: 5,640 images (47 classes × 120) × 4 levels
// (clean + 3), 64 px WebP thumbnails (quality 60, as analyze makes them), every map, the joint map.
// Builds the page from the test sample generator (test/helpers/report-sample.ts, loaded through Vite's
// module runner so the TypeScript sources run as they are), writes it, and opens it REPS times in headless
// Chromium with every non-file: request aborted: first contentful paint, load event, when the explorer's
// script was ready, and the first tooltip after a hover. Prints the medians. Results go to BENCHMARKS.md by hand.
// Usage: node bench/report/run.mjs [work dir=/tmp/clip-topo-bench-report | an existing report.html] [reps=5]
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium } from 'playwright-core';
import { runnerImport } from 'vite';

const ROOT = resolve(import.meta.dirname, '..', '..');
const [work = '/tmp/clip-topo-bench-report', repsArg = '5'] = process.argv.slice(2);
const REPS = Number(repsArg);
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const PER_CLASS = 120;

const load = async (rel) => (await runnerImport(join(ROOT, rel))).module;
const sample = await load('test/helpers/report-sample.ts');
const { DTD_CLASSES } = await load('src/data/dtd.ts');
const { renderReport } = await load('src/report/html.ts');

/** Characters of a JSON data block of the page. */
const block = (html, id) => new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>`).exec(html)?.[1].length ?? 0;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const MB = (b) => (b / 1e6).toFixed(2);
let file;
if (work.endsWith('.html')) {
  // An existing page (e.g. the default analyze run's report.html): measured as it is.
  file = resolve(work);
  const html = readFileSync(file, 'utf8');
  const thumbBytes = block(html, 'explorer-thumbs');
  const dataBytes = block(html, 'explorer-data');
  console.log(
    `${file}: ${MB(statSync(file).size)} MB (thumbnails ${MB(thumbBytes)} MB, explorer data ${MB(dataBytes)} MB, markup and SVG ${MB(html.length - thumbBytes - dataBytes)} MB)`,
  );
} else {
  mkdirSync(work, { recursive: true });
  let t = performance.now();
  const n = DTD_CLASSES.length * PER_CLASS;
  const thumbnails = await sample.webpThumbnails(n, PER_CLASS);
  const thumbSecs = (performance.now() - t) / 1000;
  const input = sample.sampleReportInput({ classes: [...DTD_CLASSES], perClass: PER_CLASS, levels: [0, 0.5, 1, 2], thumbnails });
  t = performance.now();
  const html = renderReport(input);
  const renderSecs = (performance.now() - t) / 1000;
  file = join(work, 'report.html');
  writeFileSync(file, html);
  const thumbBytes = block(html, 'explorer-thumbs');
  const dataBytes = block(html, 'explorer-data');
  console.log(`images ${n} × levels 4, points drawn ${input.maps.reduce((a, m) => a + m.labels.length, 0) + (input.explorer.joint?.labels.length ?? 0)}`);
  console.log(
    `thumbnails: ${n} WebP 64 px, mean ${(thumbnails.reduce((a, u) => a + u.length, 0) / n / 1000).toFixed(2)} kB as data: URI (made in ${thumbSecs.toFixed(1)} s)`,
  );
  console.log(
    `report.html ${MB(statSync(file).size)} MB (thumbnails ${MB(thumbBytes)} MB, explorer data ${MB(dataBytes)} MB, markup and SVG ${MB(html.length - thumbBytes - dataBytes)} MB), rendered in ${renderSecs.toFixed(2)} s`,
  );
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
const runs = [];
try {
  for (let r = 0; r < REPS; r++) {
    // A fresh context each time: nothing cached from the run before.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const blocked = [];
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith('file:')) return route.continue();
      blocked.push(route.request().url());
      return route.abort();
    });
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.waitForSelector('html[data-explorer="ready"]');
    const m = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
      load: performance.getEntriesByType('navigation')[0].loadEventEnd,
      ready: performance.getEntriesByName('explorer-ready')[0]?.startTime ?? null,
      start: performance.getEntriesByName('explorer-start')[0]?.startTime ?? null,
      parsed: performance.getEntriesByType('navigation')[0].domInteractive,
    }));
    // First hover: includes parsing the thumbnails block, which the page defers until then.
    const at = await page.evaluate(() => {
      const svg = document.querySelector('[data-figure="map-tsne-all"] svg');
      svg.scrollIntoView({ block: 'center' });
      const D = JSON.parse(document.getElementById('explorer-data').textContent);
      const P = D.figs['map-tsne-all'];
      const c = svg.getScreenCTM();
      return { x: c.a * P.x[0] + c.e, y: c.d * P.y[0] + c.f };
    });
    const h0 = performance.now();
    await page.mouse.move(at.x, at.y);
    await page.waitForFunction(() => !document.getElementById('explorer-tip').hidden && document.querySelector('#explorer-tip img')?.getAttribute('src'));
    m.hover = performance.now() - h0;
    if (errors.length || blocked.length) throw new Error(`page errors ${JSON.stringify(errors)} or network requests ${JSON.stringify(blocked)}`);
    runs.push(m);
    console.log(
      `run ${r + 1}: first contentful paint ${m.fcp?.toFixed(0)} ms, load ${m.load.toFixed(0)} ms, explorer ready ${m.ready?.toFixed(0)} ms (script started ${m.start?.toFixed(0)} ms), first tooltip ${m.hover.toFixed(0)} ms`,
    );
    await context.close();
  }
} finally {
  await browser.close();
}
const med = (k) => median(runs.map((x) => x[k]).filter((v) => v !== null)).toFixed(0);
console.log(
  `median of ${REPS}: first contentful paint ${med('fcp')} ms, load ${med('load')} ms, explorer ready ${med('ready')} ms, first tooltip ${med('hover')} ms`,
);
