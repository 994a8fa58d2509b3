/**
 * Output folders a user can trust (issue 21): runs into one folder take turns (D3), a stale lock there
 * does not block them (D1, through the real command), the tool deletes only what it made (D4), and a run
 * killed while committing never hands its arrays to a later run under another key (D2).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { readModelCard } from '../src/clip/model.js';
import { embedDataset, OUT_LOCK } from '../src/clip/pipeline.js';
import { gaussianNoiseTransform, imageIds } from '../src/clip/transform.js';
import { loadImageDataset } from '../src/data/images.js';
import type { Dataset } from '../src/data/types.js';
import { sha256Hex } from '../src/io/hash.js';
import { encodeNpy, parseNpy } from '../src/io/npy.js';
import { PARTS_DIR, PARTS_MARKER } from '../src/store/embeddings.js';
import { processStart, withLockFile } from '../src/store/lock.js';
import { synthSet } from './helpers/synth-set.js';
import { BIN, ROOT, runCli, tempDir } from './helpers/cli.js';

const TINY = join(ROOT, 'models', 'tiny-random');
const card = readModelCard(TINY);

let root: string;
let dataset: Dataset;
/** Solo runs, each into its own folder: what every shared-folder run must return. */
let solo: { clean: Float32Array; noisy: Float32Array; cleanDir: string; noisyDir: string };

const noise1 = () => gaussianNoiseTransform({ sigma: 1, space: 'normalized', seed: 0 }, card.preprocess, imageIds(dataset));
const embedArgs = (out: string, ...more: string[]) => [
  'embed',
  '--dataset',
  root,
  '--model',
  TINY,
  '--out',
  out,
  '--batch-size',
  '4',
  '--threads',
  '1',
  ...more,
];

function runCliAsync(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  const done = new Promise<{ code: number; stderr: string; stdout: string }>((resolve) =>
    child.on('close', (code) => resolve({ code: code ?? 1, stderr, stdout })),
  );
  return { child, done, stderr: () => stderr };
}

async function until(cond: () => boolean, ms = 20_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  root = await synthSet({ prefix: 'clip-topo-safety-data-', classes: ['banded', 'dotted', 'grid', 'striped'], perClass: 15, size: 64, seed: 5 });
  dataset = await loadImageDataset(root, { split: 'test' });
  const cleanDir = join(tempDir(), 'clean');
  const noisyDir = join(tempDir(), 'noisy');
  const clean = await embedDataset({ model: card, dataset, out: cleanDir, batchSize: 4, threads: 1 });
  const noisy = await embedDataset({ model: card, dataset, out: noisyDir, batchSize: 4, threads: 1, transform: noise1() });
  solo = { clean: clean.embeddings, noisy: noisy.embeddings, cleanDir, noisyDir };
  expect(clean.embeddings).not.toEqual(noisy.embeddings);
}, 60_000);

describe('runs into one output folder take turns (D3)', () => {
  it('two embedDataset calls with different noise into one folder each return what a solo run returns', async () => {
    const out = join(tempDir(), 'shared');
    const waits: string[] = [];
    const [a, b] = await Promise.all([
      embedDataset({ model: card, dataset, out, batchSize: 4, threads: 1, onWait: (m) => waits.push(m) }),
      embedDataset({ model: card, dataset, out, batchSize: 4, threads: 1, transform: noise1(), onWait: (m) => waits.push(m) }),
    ]);
    expect(Array.from(a.embeddings)).toEqual(Array.from(solo.clean));
    expect(Array.from(b.embeddings)).toEqual(Array.from(solo.noisy));
    expect(waits).toHaveLength(1);
    expect(waits[0]).toContain(`waiting for the embedding folder ${out} held by pid ${process.pid}`);
    expect(waits[0]).toContain(`if no clip-topo run is active, delete ${join(out, OUT_LOCK)}`);
    expect(existsSync(join(out, OUT_LOCK))).toBe(false);
  });

  it('two `embed` processes with --noise 0 and --noise 1 into one --out: both exit 0, and the folder holds one whole run', async () => {
    const out = join(tempDir(), 'shared-cli');
    // Held by the test at first, so that both processes are surely running at the same time and queue up.
    let release!: () => void;
    const held = withLockFile(join(out, OUT_LOCK), () => new Promise<void>((r) => (release = r)), { onWait: () => undefined });
    await until(() => existsSync(join(out, OUT_LOCK)));
    const a = runCliAsync(embedArgs(out, '--noise', '0'));
    const b = runCliAsync(embedArgs(out, '--noise', '1'));
    await until(() => a.stderr().includes('waiting for') && b.stderr().includes('waiting for'));
    release();
    await held;
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    for (const r of [ra, rb]) {
      const line = r.stderr.split('\n').find((l) => l.includes('waiting for'));
      expect(line).toMatch(
        new RegExp(
          `^clip-topo embed: waiting for the embedding folder ${out} held by pid \\d+ since \\S+; if no clip-topo run is active, delete ${join(out, OUT_LOCK)}$`,
        ),
      );
    }
    // Whichever finished last owns the folder, whole: its manifest and its arrays.
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { noise: { sigma: number } | null };
    const expected = manifest.noise && manifest.noise.sigma === 1 ? solo.noisyDir : solo.cleanDir;
    expect(readFileSync(join(out, 'embeddings.npy')).equals(readFileSync(join(expected, 'embeddings.npy')))).toBe(true);
    expect(readFileSync(join(out, 'labels.npy')).equals(readFileSync(join(expected, 'labels.npy')))).toBe(true);
  }, 60_000);

  it('zeroshot --out waits for a run that holds the folder', async () => {
    const out = join(tempDir(), 'zs');
    let release!: () => void;
    const held = withLockFile(join(out, OUT_LOCK), () => new Promise<void>((r) => (release = r)), { onWait: () => undefined });
    await until(() => existsSync(join(out, OUT_LOCK)));
    const z = runCliAsync(['zeroshot', '--dataset', root, '--model', TINY, '--out', out, '--threads', '1', '--json']);
    await until(() => z.stderr().includes('waiting for'));
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    release();
    await held;
    const r = await z.done;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).images).toBe(dataset.items.length);
  }, 60_000);
});

describe('a stale lock in the output folder (D1, the real command)', () => {
  it('a live holder that does not finish: embed gives up after $CLIP_TOPO_LOCK_TIMEOUT with one line, exit 1', async () => {
    const out = join(tempDir(), 'busy');
    let release!: () => void;
    const held = withLockFile(join(out, OUT_LOCK), () => new Promise<void>((r) => (release = r)), { onWait: () => undefined });
    await until(() => existsSync(join(out, OUT_LOCK)));
    try {
      const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
        const c = spawn(process.execPath, [BIN, ...embedArgs(out)], { cwd: ROOT, env: { ...process.env, CLIP_TOPO_LOCK_TIMEOUT: '1' } });
        let stderr = '';
        c.stderr.on('data', (d) => {
          stderr += d;
        });
        c.on('close', (code) => resolve({ code: code ?? 1, stderr }));
      });
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toContain(`waiting for the embedding folder ${out} held by pid ${process.pid}`);
      expect(lines[1]).toMatch(/gave up after 1 s waiting for the embedding folder .* \(held by pid \d+ since \S+\); if no clip-topo run is active, delete /);
      expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    } finally {
      release();
      await held;
    }
  }, 60_000);

  it('a 0-byte lock written just now: embed says what it waits for, takes over within the grace period and finishes', async () => {
    const out = join(tempDir(), 'stale');
    const lock = join(out, OUT_LOCK);
    mkdirSync(out, { recursive: true });
    writeFileSync(lock, '');
    const t0 = Date.now();
    const r = await runCli(embedArgs(out));
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.stderr).toContain(
      `its lock ${lock} cannot be read (empty or garbage); taking it over in 10 s unless it changes; if no clip-topo run is active, delete ${lock}`,
    );
    expect(readFileSync(join(out, 'embeddings.npy')).equals(readFileSync(join(solo.cleanDir, 'embeddings.npy')))).toBe(true);
    expect(existsSync(lock)).toBe(false);
  }, 60_000);

  it('a garbage lock from an earlier crash and a lock naming a live pid started at another time are taken over at once', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const reused = {
      format: 'clip-topo/lock@1',
      pid: other.pid,
      token: 't',
      host: hostname(),
      boot: null,
      pidns: null,
      start: '1',
      thread: 0,
      since: 'x',
      what: 'x',
    };
    const locks = ['{"format":"clip-t', ...(processStart(other.pid as number) ? [JSON.stringify(reused)] : [])];
    try {
      for (const content of locks) {
        const out = join(tempDir(), 'stale2');
        mkdirSync(out, { recursive: true });
        writeFileSync(join(out, OUT_LOCK), content);
        const old = new Date(Date.now() - 3600_000);
        utimesSync(join(out, OUT_LOCK), old, old);
        const t0 = Date.now();
        const r = await runCli(embedArgs(out));
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).not.toContain('waiting for');
        expect(Date.now() - t0).toBeLessThan(20_000);
      }
    } finally {
      other.kill('SIGKILL');
    }
  }, 60_000);
});

describe('the tool deletes only what it made (D4)', () => {
  it("a user's parts/ folder in --out survives embed, and the tool's own working folder is gone afterwards", async () => {
    const out = tempDir('clip-topo-project-');
    mkdirSync(join(out, 'parts', 'deep'), { recursive: true });
    writeFileSync(join(out, 'parts', 'notes.txt'), 'my notes\n');
    writeFileSync(join(out, 'parts', 'deep', 'batch-000000.npy'), 'mine too\n');
    const r = await runCli(embedArgs(out));
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'parts', 'notes.txt'), 'utf8')).toBe('my notes\n');
    expect(readFileSync(join(out, 'parts', 'deep', 'batch-000000.npy'), 'utf8')).toBe('mine too\n');
    expect(existsSync(join(out, PARTS_DIR))).toBe(false);
    expect(readFileSync(join(out, 'embeddings.npy')).equals(readFileSync(join(solo.cleanDir, 'embeddings.npy')))).toBe(true);
  }, 60_000);

  it('an interrupted run keeps its batches in its own marked folder and resumes from them', async () => {
    const out = join(tempDir(), 'resume');
    const stop = new AbortController();
    await expect(
      embedDataset({ model: card, dataset, out, batchSize: 4, threads: 1, signal: stop.signal, onProgress: (done) => done >= 8 && stop.abort() }),
    ).rejects.toThrow();
    expect(existsSync(join(out, PARTS_DIR, PARTS_MARKER))).toBe(true);
    expect(existsSync(join(out, PARTS_DIR, 'batch-000000.npy'))).toBe(true);
    expect(existsSync(join(out, 'parts'))).toBe(false);
    const again = await embedDataset({ model: card, dataset, out, batchSize: 4, threads: 1 });
    expect(again.reusedBatches).toBeGreaterThan(0);
    expect(Array.from(again.embeddings)).toEqual(Array.from(solo.clean));
    expect(existsSync(join(out, PARTS_DIR))).toBe(false);
  });

  it('a folder named like the working folder that the tool did not make is refused with one line, and left alone', async () => {
    const out = tempDir('clip-topo-project-');
    mkdirSync(join(out, PARTS_DIR));
    writeFileSync(join(out, PARTS_DIR, 'batch-000000.npy'), 'not ours\n');
    const r = await runCli(embedArgs(out));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${join(out, PARTS_DIR)} exists and was not made by clip-topo`);
    expect(readFileSync(join(out, PARTS_DIR, 'batch-000000.npy'), 'utf8')).toBe('not ours\n');
  });

  it("a file the user put into the tool's working folder during a run survives its end", async () => {
    const out = join(tempDir(), 'stray');
    let planted = false;
    await embedDataset({
      model: card,
      dataset,
      out,
      batchSize: 4,
      threads: 1,
      onProgress: () => {
        if (!planted && existsSync(join(out, PARTS_DIR))) {
          writeFileSync(join(out, PARTS_DIR, 'keep.txt'), 'mine\n');
          planted = true;
        }
      },
    });
    expect(planted).toBe(true);
    expect(readFileSync(join(out, PARTS_DIR, 'keep.txt'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(out, PARTS_DIR, 'batch-000000.npy'))).toBe(false);
  });
});

describe('a run is committed as one unit (D2)', () => {
  it('new arrays under an old manifest (a crash between the renames) are never returned: the next run recomputes', async () => {
    const out = join(tempDir(), 'crashed');
    await embedDataset({ model: card, dataset, out, batchSize: 4, threads: 1 });
    const manifest = readFileSync(join(out, 'manifest.json'));
    // What a killed `--noise 1` run into this folder left with the old commit order: its arrays, the old manifest.
    for (const f of ['embeddings.npy', 'labels.npy']) writeFileSync(join(out, f), readFileSync(join(solo.noisyDir, f)));
    const again = await embedDataset({ model: card, dataset, out, batchSize: 4, threads: 1 });
    expect(again.reusedBatches).toBe(0);
    expect(Array.from(again.embeddings)).toEqual(Array.from(solo.clean));
    expect(readFileSync(join(out, 'embeddings.npy')).equals(readFileSync(join(solo.cleanDir, 'embeddings.npy')))).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).key).toBe(JSON.parse(manifest.toString()).key);
    // The same through the command: it must not print the σ=1 folder's path as a clean result.
    for (const f of ['embeddings.npy', 'labels.npy']) writeFileSync(join(out, f), readFileSync(join(solo.noisyDir, f)));
    const r = await runCli(embedArgs(out));
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'embeddings.npy')).equals(readFileSync(join(solo.cleanDir, 'embeddings.npy')))).toBe(true);
  }, 60_000);

  it('a commit cut short after the first array leaves no manifest behind, and the next run returns the right rows', async () => {
    const out = join(tempDir(), 'cut');
    await embedDataset({ model: card, dataset, out, batchSize: 4, threads: 1 });
    // labels.npy cannot be replaced (a non-empty folder in its place): the noisy run's commit stops after embeddings.npy.
    rmSync(join(out, 'labels.npy'));
    mkdirSync(join(out, 'labels.npy', 'x'), { recursive: true });
    await expect(embedDataset({ model: card, dataset, out, batchSize: 4, threads: 1, transform: noise1() })).rejects.toThrow(/labels\.npy: cannot write/);
    expect(readFileSync(join(out, 'embeddings.npy')).equals(readFileSync(join(solo.noisyDir, 'embeddings.npy')))).toBe(true);
    expect(existsSync(join(out, 'manifest.json'))).toBe(false);
    rmSync(join(out, 'labels.npy'), { recursive: true });
    // The noisy run's batches were kept: run again, it commits them without recomputing any.
    const noisy = await embedDataset({ model: card, dataset, out, batchSize: 4, threads: 1, transform: noise1() });
    expect(noisy.reusedBatches).toBe(Math.ceil(dataset.items.length / 4));
    expect(Array.from(noisy.embeddings)).toEqual(Array.from(solo.noisy));
    const clean = await embedDataset({ model: card, dataset, out, batchSize: 4, threads: 1 });
    expect(Array.from(clean.embeddings)).toEqual(Array.from(solo.clean));
  }, 60_000);

  it('a batch file that is not the one its record was written with (power loss, another run) is recomputed, not resumed', async () => {
    const out = join(tempDir(), 'batch');
    const stop = new AbortController();
    await expect(
      embedDataset({
        model: card,
        dataset,
        out,
        batchSize: 4,
        threads: 1,
        transform: noise1(),
        signal: stop.signal,
        onProgress: (done) => done >= 12 && stop.abort(),
      }),
    ).rejects.toThrow();
    const batch = join(out, PARTS_DIR, 'batch-000000.npy');
    const { shape } = parseNpy(readFileSync(batch), batch);
    writeFileSync(batch, encodeNpy(new Float32Array(shape[0] * shape[1]), shape));
    const again = await embedDataset({ model: card, dataset, out, batchSize: 4, threads: 1, transform: noise1() });
    expect(again.reusedBatches).toBeGreaterThan(0);
    expect(Array.from(again.embeddings)).toEqual(Array.from(solo.noisy));
  });

  it('the manifest records the sha256 of both arrays', async () => {
    const m = JSON.parse(readFileSync(join(solo.cleanDir, 'manifest.json'), 'utf8')) as { sha256: { embeddings: string; labels: string } };
    expect(m.sha256.embeddings).toBe(sha256Hex(readFileSync(join(solo.cleanDir, 'embeddings.npy'))));
    expect(m.sha256.labels).toBe(sha256Hex(readFileSync(join(solo.cleanDir, 'labels.npy'))));
  });
});

describe('an image replaced during a run (D5)', () => {
  it('is stored under the bytes actually decoded, so restoring it never brings back the other embedding', async () => {
    const out = join(tempDir(), 'swapped');
    // dataset.items[13] sits in batch 3 (batch size 4): hashed before the run, and first asked for when batch 1
    // is taken, after batch 0 was stored (two workers keep two batches in flight).
    expect(dataset.items.length).toBeGreaterThanOrEqual(16);
    const target = dataset.items[13].path;
    const original = readFileSync(target);
    const other = readFileSync(dataset.items[0].path);
    let swapped = false;
    try {
      const during = await embedDataset({
        model: card,
        dataset,
        out,
        batchSize: 4,
        threads: 1,
        onProgress: (done) => {
          // After hashing and the first batch, before batch 2 is read: the file changes under the run.
          if (!swapped && done >= 4) {
            writeFileSync(target, other);
            swapped = true;
          }
        },
      });
      expect(swapped).toBe(true);
      const item = during.manifest.items.find((i) => i.path === target)!;
      // The row is image 0's embedding, and the manifest says so: its hash is image 0's bytes, not the old ones.
      expect(item.sha256).toBe(sha256Hex(other));
      expect(Array.from(during.embeddings.subarray(item.row * during.manifest.dim, (item.row + 1) * during.manifest.dim))).toEqual(
        Array.from(solo.clean.subarray(0, during.manifest.dim)),
      );
    } finally {
      writeFileSync(target, original);
    }
    // Restored: the next run must embed it again, not hand out the swapped row under the original bytes.
    const after = await embedDataset({ model: card, dataset, out, batchSize: 4, threads: 1 });
    expect(Array.from(after.embeddings)).toEqual(Array.from(solo.clean));
    expect(after.manifest.items.find((i) => i.path === target)!.sha256).toBe(sha256Hex(original));
  }, 60_000);
});
