/**
 * `analyze --embeddings` (issue 17, item 8): embeddings made elsewhere, in clip-retrieval's layout
 * (test/fixtures/embeddings/make_clip_retrieval.py: float16 shards, parquet metadata, levels as separate
 * sets whose rows come in another order), run every step that needs no pixels and write the report; the
 * numbers whose answers the fixture script computed with numpy come out the same.
 */
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { externalStudy } from '../src/analysis/external.js';
import type { AnalysisMetrics } from '../src/analysis/types.js';
import { openEmbeddingSet, readRows } from '../src/data/embedding-set.js';
import { encodeNpy, parseNpy } from '../src/io/npy.js';
import { fixture, ROOT, runCli, tempDir, writeNpy } from './helpers/cli.js';
import { synthSet } from './helpers/synth-set.js';

const F = fixture('embeddings', 'clip-retrieval');
const expected = JSON.parse(readFileSync(join(F, 'expected.json'), 'utf8')) as {
  classes: string[];
  rows: number;
  dim: number;
  zeroshot_acc1: Record<string, number>;
  rows_as_read: Record<string, Record<string, number[]>>;
};
const LEVELS = ['--noisy-embeddings', `0.5=${join(F, 'sigma0.5')}`, '--noisy-embeddings', `2=${join(F, 'sigma2')}`];

/** analyze on the whole fixture: every level, train embeddings for the probe, prompt embeddings for zero-shot. */
const fullRun = (out: string) => [
  'analyze',
  '--embeddings',
  join(F, 'clean'),
  ...LEVELS,
  '--train-embeddings',
  join(F, 'train'),
  '--prompt-embeddings',
  join(F, 'prompts', 'prompts.npy'),
  '--out',
  out,
  '--json',
];

/** A failed run: exit code, exactly one line of stderr, no stack. */
function oneLine(r: { code: number; stderr: string }, code: number, what: RegExp) {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(what);
}

const npyRows = (file: string) => {
  const a = parseNpy(readFileSync(file), file);
  return { data: a.data as Float32Array, n: a.shape[0], d: a.shape[1] };
};

describe('analyze --embeddings on a clip-retrieval folder', () => {
  let out: string;
  let stderr: string;
  let m: AnalysisMetrics;

  beforeAll(async () => {
    out = join(tempDir(), 'out');
    const r = await runCli(fullRun(out));
    expect(r.code, r.stderr).toBe(0);
    stderr = r.stderr;
    m = JSON.parse(r.stdout);
  }, 120_000);

  it('writes the report and says what it read: layout, shards, where the labels came from, how levels pair', () => {
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(stderr).toMatch(
      /embeddings made elsewhere: 60 × 32 \(float16\) in .*clean \(clip-retrieval, 2 shards; labels from the folder holding each image_path/,
    );
    expect(stderr).toMatch(/σ = 2: .*sigma2, rows paired with the clean set by image name/);
    expect(m.dataset.classes).toEqual(expected.classes);
    expect(m.dataset.counts).toEqual([15, 15, 15, 15]);
    expect(m.dataset.embeddings?.layout).toBe('clip-retrieval');
    expect(m.dataset.embeddings?.sample).toBeNull();
    expect(m.model.layout).toBe('embeddings');
    expect(m.noise.space).toBe('given');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('embeddings made elsewhere (clip-retrieval layout)');
    expect(html).toContain('no images were read or embedded by this run');
    expect(html).toContain('clip-topo added no noise');
    // No claim about pixels or ImageNet-C severities the run cannot know.
    expect(html).not.toMatch(/ImageNet-C severity|σ_pixel/);
  });

  it('zero-shot top-1 at every level equals numpy’s on the same float16 values (prompts reordered by classes.txt)', () => {
    const acc = Object.fromEntries((m.accuracy.zeroshot ?? []).map((z) => [String(z.sigma), z.acc1]));
    expect(acc).toEqual(expected.zeroshot_acc1);
    expect(m.accuracy.probe).toHaveLength(3);
    expect(m.dataset.train_images).toBe(60);
    expect(m.loss).toHaveLength(3);
  });

  it('levels are paired by image: rows of each level, as written, are the fixture’s rows of the same images (float16 widened exactly)', () => {
    for (const [sigma, tag] of [
      ['0', 'clean'],
      ['0.5', 'sigma0.5'],
      ['2', 'sigma2'],
    ]) {
      const { data, n, d } = npyRows(join(out, 'embeddings', `all_${tag}.npy`));
      expect([n, d]).toEqual([expected.rows, expected.dim]);
      for (const [row, want] of Object.entries(expected.rows_as_read[sigma])) {
        const got = Array.from(data.subarray(Number(row) * d, (Number(row) + 1) * d));
        // numpy normalises in float32, clip-topo in float64 then rounds: a few ulps apart at most.
        for (let j = 0; j < d; j++) expect(Math.abs(got[j] - want[j]), `σ=${sigma} row ${row} col ${j}`).toBeLessThan(1e-6);
      }
    }
    // files.csv names the images from the metadata.
    const files = readFileSync(join(out, 'files.csv'), 'utf8').trim().split('\n');
    expect(files[1]).toMatch(/^all,0,\/data\/dtd\/images\/striped\/striped_0001\.jpg,striped,3,$/);
  });

  it('a rerun reuses every step, and gives the same numbers', async () => {
    const r = await runCli(fullRun(out));
    expect(r.code, r.stderr).toBe(0);
    const again = JSON.parse(r.stdout);
    expect(again.cache.reused).toEqual(expect.arrayContaining(['probe', 'map-tsne-all', 'rips-global', 'distances']));
    expect(again.distances).toEqual(m.distances);
    expect(again.accuracy).toEqual(m.accuracy);
  }, 120_000);
});

describe('analyze --embeddings without prompts, and sampled', () => {
  it('without class prompts or train embeddings: no zero-shot, no loss, no probe, each said so; the rest runs', async () => {
    const out = join(tempDir(), 'out');
    const r = await runCli(['analyze', '--embeddings', join(F, 'clean'), ...LEVELS, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.accuracy.zeroshot).toBeNull();
    expect(m.accuracy.probe).toBeNull();
    expect(m.loss).toEqual([]);
    expect(m.correlation).toEqual([]);
    expect(m.warnings.join('\n')).toMatch(/zero-shot accuracy and CLIP loss skipped: no class prompts/);
    expect(m.warnings.join('\n')).toMatch(/linear probe skipped: no train embeddings/);
    expect(r.stderr).toMatch(/zero-shot: skipped \(no class prompts\)/);
    expect(m.diagrams.global).toHaveLength(3);
    expect(m.maps.length).toBeGreaterThan(0);
    expect(existsSync(join(out, 'embeddings', 'class_prompts.npy'))).toBe(false);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Zero-shot: not computed');
    expect(html).toContain('No accuracy in this run');
    expect(html).toContain('No CLIP loss in this run');
    expect(m.findings.find((f: { id: string }) => f.id === 'accuracy').answer).toMatch(/^Not measured/);
  }, 120_000);

  it('--max-rows: a seeded uniform sample, the same images at every level, stated with its error bound', async () => {
    const run = async (seed: string) => {
      const out = join(tempDir(), 'out');
      const r = await runCli(['analyze', '--embeddings', join(F, 'clean'), ...LEVELS, '--max-rows', '20', '--seed', seed, '--out', out, '--json']);
      expect(r.code, r.stderr).toBe(0);
      return { m: JSON.parse(r.stdout), out, stderr: r.stderr };
    };
    const a = await run('0');
    expect(a.stderr).toMatch(
      /a uniform random sample of 20 of 60 rows \(seed 0\), the same images at every level, is analysed; every number is of that sample \(an accuracy within ±0\.1804/,
    );
    expect(a.m.dataset.embeddings.sample).toMatchObject({ rows: 20, of: 60 });
    // ±1.96·½/√m·√((N−m)/(N−1)), the worst case of a proportion, finite-population corrected.
    expect(a.m.dataset.embeddings.sample.accuracy_halfwidth95).toBeCloseTo((1.96 * 0.5 * Math.sqrt(40 / 59)) / Math.sqrt(20), 12);
    expect(readFileSync(join(a.out, 'report.html'), 'utf8')).toContain('every number in this report is of the sample');
    const clean = npyRows(join(a.out, 'embeddings', 'all_clean.npy'));
    expect(clean.n).toBe(20);
    // The noisy rows are of the same images: each sampled clean row's nearest σ=0.5 row is its own image (noise 0.15/dim).
    const noisy = npyRows(join(a.out, 'embeddings', 'all_sigma0.5.npy'));
    let own = 0;
    for (let i = 0; i < 20; i++) {
      let best = -1;
      let arg = -1;
      for (let j = 0; j < 20; j++) {
        let dot = 0;
        for (let k = 0; k < clean.d; k++) dot += clean.data[i * clean.d + k] * noisy.data[j * clean.d + k];
        if (dot > best) [best, arg] = [dot, j];
      }
      if (arg === i) own++;
    }
    expect(own).toBeGreaterThanOrEqual(18);
    // Same seed, same rows; another seed, other rows.
    const again = await run('0');
    const other = await run('7');
    const paths = (out: string) => readFileSync(join(out, 'files.csv'), 'utf8');
    expect(paths(again.out)).toBe(paths(a.out));
    expect(paths(other.out)).not.toBe(paths(a.out));
  }, 180_000);
});

describe('analyze --embeddings: bad input is one line', () => {
  it('image flags, a level of other images, a missing metadata shard, an unknown label column, a dataset beside it', async () => {
    oneLine(
      await runCli(['analyze', '--embeddings', join(F, 'clean'), '--noise', '1', '--out', join(tempDir(), 'o')]),
      2,
      /--noise is about images; with --embeddings give each noise level as --noisy-embeddings σ=path$/,
    );
    oneLine(await runCli(['analyze', '--embeddings', join(F, 'clean'), '--split', 'val', '--out', join(tempDir(), 'o')]), 2, /--split is about images/);
    // Commander's own flag errors end with its "(run with --help for usage)" line, as every flag's does.
    const flag = await runCli(['analyze', '--embeddings', join(F, 'clean'), '--noisy-embeddings', 'x', '--out', join(tempDir(), 'o')]);
    expect(flag.code).toBe(2);
    expect(flag.stderr.split('\n')[0]).toMatch(/"x" is not σ=path/);
    // 59 rows with no image names: cannot pair with the clean set's 60.
    const dir = tempDir();
    writeNpy(dir, 'embeddings.npy', new Float32Array(59 * 32).fill(0.25), [59, 32]);
    const labels = readFileSync(join(F, 'train', 'labels.txt'), 'utf8')
      .split('\n')
      .slice(0, 59)
      .join('\n');
    writeFileSync(join(dir, 'labels.txt'), `${labels}\n`);
    oneLine(
      await runCli(['analyze', '--embeddings', join(F, 'clean'), '--noisy-embeddings', `1=${dir}`, '--out', join(tempDir(), 'o')]),
      2,
      /\(σ=1\) has 59 rows, the clean set 60: without image names on both .* the rows pair by order and must match$/,
    );
    const broken = join(tempDir(), 'clean');
    cpSync(join(F, 'clean'), broken, { recursive: true });
    rmSync(join(broken, 'metadata', 'metadata_1.parquet'));
    oneLine(
      await runCli(['analyze', '--embeddings', broken, '--out', join(tempDir(), 'o')]),
      1,
      /metadata_1\.parquet is missing: each img_emb_<k>\.npy needs its metadata_<k>\.parquet/,
    );
    oneLine(
      await runCli(['analyze', '--embeddings', join(F, 'clean'), '--label-column', 'genre', '--out', join(tempDir(), 'o')]),
      1,
      /has no column "genre" \(columns: image_path, caption\)$/,
    );
    oneLine(await runCli(['analyze', '--embeddings', join(F, 'clean'), '--dataset', F, '--out', join(tempDir(), 'o')]), 2, /--dataset is about images/);
  }, 120_000);
});

describe('embedding sets', () => {
  it('reads only the rows asked, across shard boundaries, float16 widened exactly', async () => {
    const set = await openEmbeddingSet(join(F, 'clean'));
    expect(set.shards.map((s) => s.rows)).toEqual([40, 20]);
    const all = await readRows(set, null);
    const some = await readRows(set, Uint32Array.from([0, 39, 40, 59]));
    for (const [k, r] of [0, 39, 40, 59].entries())
      expect(Array.from(some.subarray(k * 32, (k + 1) * 32))).toEqual(Array.from(all.subarray(r * 32, (r + 1) * 32)));
    expect(set.names?.[40]).toBe(
      // Row 40 is the first of shard 1: class index 2 of the script's order (grid), its 11th image.
      '/data/dtd/images/grid/grid_0011.jpg',
    );
  });

  it('float16 .npy: normal, subnormal, signed zero, the largest half and infinity decode exactly', () => {
    const bits = Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x3555]);
    const file = Buffer.from(encodeNpy(bits, [bits.length]));
    // encodeNpy writes '<u2' for Uint16Array: relabel the header as float16, same bytes.
    const text = file.toString('latin1').replace("'<u2'", "'<f2'");
    const a = parseNpy(Buffer.from(text, 'latin1'), 'halves.npy');
    expect(a.dtype).toBe('<f2');
    expect(Array.from(a.data as Float32Array)).toEqual([1, -2, 0.5, 65504, 2 ** -24, -0, Number.POSITIVE_INFINITY, Math.fround(0.333251953125)]);
  });
});

describe('analyze --embeddings on analyze’s own embeddings gives the numbers of the run on the images', () => {
  it('zero-shot (text tower of --model), probe, maps, angles, diagrams and distances are identical', async () => {
    const TINY = join(ROOT, 'models', 'tiny-random');
    const data = await synthSet({ prefix: 'clip-topo-ext-data-', classes: ['banded', 'dotted', 'grid', 'striped'], perClass: 6, size: 48, seed: 5 });
    const a = join(tempDir(), 'images');
    const ra = await runCli(['analyze', '--dataset', data, '--model', TINY, '--noise', '0.5', '--threads', '1', '--out', a, '--json']);
    expect(ra.code, ra.stderr).toBe(0);
    const ma = JSON.parse(ra.stdout);
    const e = (name: string) => join(a, 'embeddings', name);
    const b = join(tempDir(), 'embeddings');
    const args = ['analyze', '--embeddings', e('test_clean.npy'), '--noisy-embeddings', `0.5=${e('test_sigma0.5.npy')}`, '--model', TINY, '--threads', '1'];
    // The synthetic set is in DTD layout: it has a train split, so the probe is compared too.
    expect(ma.accuracy.probe).not.toBeNull();
    const train = ['--train-embeddings', e('train_clean.npy')];
    const rb = await runCli([...args, ...train, '--out', b, '--json']);
    expect(rb.code, rb.stderr).toBe(0);
    const mb = JSON.parse(rb.stdout);
    expect(rb.stderr).toMatch(/rows paired with the clean set by row order/);
    expect(mb.dataset.classes).toEqual(ma.dataset.classes);
    expect(mb.accuracy.zeroshot).not.toBeNull();
    expect(mb.accuracy.zeroshot).toEqual(ma.accuracy.zeroshot);
    expect(mb.accuracy.probe).toEqual(ma.accuracy.probe);
    expect(mb.loss).toEqual(ma.loss);
    expect(mb.maps.map((x: { trustworthiness: number }) => x.trustworthiness)).toEqual(ma.maps.map((x: { trustworthiness: number }) => x.trustworthiness));
    expect(mb.angles.pairs).toEqual(ma.angles.pairs);
    expect(mb.diagrams.global.map((g: { stats: unknown }) => g.stats)).toEqual(ma.diagrams.global.map((g: { stats: unknown }) => g.stats));
    expect(mb.distances).toEqual(ma.distances);
    expect(mb.correlation).toEqual(ma.correlation);
  }, 240_000);

  it('--model whose text tower is of another width: one line', async () => {
    oneLine(
      await runCli(['analyze', '--embeddings', join(F, 'clean'), '--model', join(ROOT, 'models', 'tiny-random'), '--out', join(tempDir(), 'o')]),
      2,
      /gives 16-d embeddings, the embeddings are 32-d: they are not of one model$/,
    );
  }, 60_000);
});

describe('the memory budget', () => {
  it('a set above a quarter of memory is sampled, and the plan says so with the sizes', async () => {
    // 60 rows × 32 × 4 bytes × 2 sets × 3 copies = 46,080 bytes; a "machine" of 80 kB has a 20 kB budget: 26 rows.
    const ext = await externalStudy({
      embeddings: join(F, 'clean'),
      levels: [{ sigma: 2, path: join(F, 'sigma2') }],
      seed: 0,
      card: null,
      templates: [],
      memory: 80 * 1024,
    });
    expect(ext.sample).toMatchObject({ rows: 26, of: 60 });
    expect(ext.emb.test.map((l) => l.run.labels.length)).toEqual([26, 26]);
    expect(ext.lines.join('\n')).toMatch(
      /60 rows × 2 sets would take ≈ 45\.0 kB, above a quarter of memory \(20\.0 kB\): a uniform random sample of 26 of 60 rows/,
    );
    // The same images at both levels.
    expect(ext.emb.test[1].run.manifest.items.map((i) => i.path)).toEqual(ext.emb.test[0].run.manifest.items.map((i) => i.path));
    const whole = await externalStudy({ embeddings: join(F, 'clean'), levels: [], seed: 0, card: null, templates: [] });
    expect(whole.sample).toBeNull();
  });
});
