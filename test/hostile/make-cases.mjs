#!/usr/bin/env node
/**
 * Writes the hostile-input suite (issue 20) into <dir>: the bad files themselves and <dir>/cases.json, the
 * command lines to run on them with the answer each must get. test/hostile.test.ts runs them; README.md
 * ("What each kind of bad input gets") is the contract the expectations follow.
 *
 * Every byte is deterministic (garbage comes from a fixed-seed generator), so a failing case can be rerun
 * by hand: `node test/hostile/make-cases.mjs /tmp/h && node bin/clip-topo.js <args of the case>`.
 *
 * A case: { name, args, expect: 'ok' | 'error', code, match?, stdoutMatch?, outFile?, outMatch? }.
 * `match` (regex source) is what the one error line must say; `stdoutMatch` / `stderrMatch` / `outMatch` what
 * the right result looks like, matched with the s flag (`.` crosses lines, as in pretty-printed JSON); outFile
 * is read as latin1, so .npy headers can be matched.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DTD = join(ROOT, 'test', 'fixtures', 'data', 'dtd');
const TINY = join(ROOT, 'models', 'tiny-random');

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node test/hostile/make-cases.mjs <dir>\n');
  process.exit(2);
}
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

// ---------------------------------------------------------------- file makers

const p = (...parts) => join(dir, ...parts);
const write = (name, data) => {
  const path = p(name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, data);
  return path;
};
/** A regex source matching `s` literally. */
const lit = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Fixed-seed garbage (xorshift32), so the "random" bytes are the same on every machine. */
function garbage(n, seed = 0x9e3779b9) {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A .npy file as numpy writes it (version 1.0, header padded to 64), with any header text and body. */
function npyBytes(descr, shape, body, { fortran = false, major = 1, header } = {}) {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let h = header ?? `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  h += ' '.repeat((64 - ((10 + h.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0, 0, 0]);
  head.writeUInt16LE(h.length, 8);
  return Buffer.concat([head, Buffer.from(h, 'latin1'), body]);
}
/** The same array as format 2.0 (4-byte header length), as numpy writes headers past 64 KiB. */
function npyV2(v1) {
  const len = v1.readUInt16LE(8);
  const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0, 0, 0, 0, 0]);
  head.writeUInt32LE(len, 8);
  return Buffer.concat([head, v1.subarray(10)]);
}
const f32 = (values) => Buffer.from(new Float32Array(values).buffer);
const npy = (name, values, shape) => write(name, npyBytes('<f4', shape, f32(values)));

/** The same 30000×30000 1-bit PNG as test/helpers/hostile.ts's bombPng (that one is TypeScript, which Node 20 cannot import). */
function bombPng() {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const w = 30000;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(w, 4);
  ihdr[8] = 1;
  ihdr[9] = 0;
  const raw = Buffer.alloc(w * (1 + w / 8));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 1 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const goodJpeg = readFileSync(join(DTD, 'images', 'banded', 'banded_0002.jpg'));
const goodJpeg2 = readFileSync(join(DTD, 'images', 'dotted', 'dotted_0002.jpg'));
const bomb = write('img/bomb.png', bombPng());
const corruptJpeg = write('img/corrupt.jpg', Buffer.concat([goodJpeg.subarray(0, 2), garbage(600)]));
const truncPng = write('img/truncated.png', bombPng().subarray(0, 60));
const emptyImg = write('img/empty.jpg', Buffer.alloc(0));
const textJpg = write('img/notes.jpg', 'these are my notes, not a picture\n');
const okJpeg = write('img/ok.jpg', goodJpeg);
const fifo = p('fifo');
execFileSync('mkfifo', [fifo]);

/** An image folder <root>/<class>/<images>: real fixture JPEGs, plus extra files. */
function imageFolder(name, classes, extra = {}) {
  const root = p(name);
  for (const [c, n] of Object.entries(classes)) {
    mkdirSync(join(root, c), { recursive: true });
    for (let i = 0; i < n; i++) writeFileSync(join(root, c, `${c}_${i}.jpg`), i % 2 ? goodJpeg2 : goodJpeg);
  }
  for (const [rel, data] of Object.entries(extra)) write(join(name, rel), data);
  return root;
}

/** A 2×2 24-bit BMP: a real image in a format the decoders refuse. */
function bmp2x2() {
  const data = Buffer.from([0, 0, 255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255, 0, 0]);
  const h = Buffer.alloc(54);
  h.write('BM', 0, 'latin1');
  h.writeUInt32LE(54 + data.length, 2);
  h.writeUInt32LE(54, 10);
  h.writeUInt32LE(40, 14);
  h.writeInt32LE(2, 18);
  h.writeInt32LE(2, 22);
  h.writeUInt16LE(1, 26);
  h.writeUInt16LE(24, 28);
  h.writeUInt32LE(data.length, 34);
  return Buffer.concat([h, data]);
}

/** A copy of the DTD fixture (3 classes × 6 images, label files for partitions 1–2 and imdb.mat), then changed by `edit`. */
function dtdCopy(name, edit) {
  const root = p(name);
  for (const sub of ['images/banded', 'images/dotted', 'images/zigzagged', 'labels', 'imdb']) mkdirSync(join(root, sub), { recursive: true });
  for (const rel of [
    ...['banded', 'dotted', 'zigzagged'].flatMap((c) => ['0002', '0005', '0006', '0011', '0014', '0020'].map((k) => `images/${c}/${c}_${k}.jpg`)),
    ...['train', 'val', 'test'].flatMap((s) => [1, 2].map((k) => `labels/${s}${k}.txt`)),
    'labels/labels_joint_anno.txt',
    'imdb/imdb.mat',
  ])
    copyFileSync(join(DTD, rel), join(root, rel));
  edit?.(root);
  return root;
}

// ---------------------------------------------------------------- cases

const cases = [];
const names = new Set();
function add(c) {
  if (names.has(c.name)) throw new Error(`duplicate case ${c.name}`);
  names.add(c.name);
  cases.push(c);
}
/** An error case: exit `code`, its one line matching `match`. */
const err = (name, args, code, match) => add({ name, args, expect: 'error', code, match });
const ok = (name, args, more = {}) => add({ name, args, expect: 'ok', code: 0, ...more });

// .npy inputs, shared by rips, tsne, umap and angles.
const pts4 = [0, 0, 1, 0, 0, 1, 1, 1];
const npyFiles = {
  garbage: write('npy/garbage.npy', garbage(300)),
  truncatedData: write('npy/truncated-data.npy', npyBytes('<f4', [10, 3], f32(new Array(12).fill(1)))),
  truncatedHeader: write('npy/truncated-header.npy', npyBytes('<f4', [2, 2], f32(pts4)).subarray(0, 30)),
  complex: write('npy/complex.npy', npyBytes('<c8', [4, 2], Buffer.alloc(64))),
  object: write('npy/object.npy', npyBytes('|O', [4, 2], Buffer.alloc(64))),
  bigEndian: write('npy/big-endian.npy', npyBytes('>f4', [4, 2], Buffer.from(f32(pts4)).swap32())),
  fortran: write('npy/fortran.npy', npyBytes('<f4', [4, 2], f32(pts4), { fortran: true })),
  hugeShape: write('npy/huge-shape.npy', npyBytes('<f4', [1e12, 1e12], f32(pts4))),
  negativeShape: write('npy/negative-shape.npy', npyBytes('<f4', [-4, 2], f32(pts4))),
  noHeaderKeys: write('npy/no-keys.npy', npyBytes('<f4', [4, 2], f32(pts4), { header: "{'foo': 1}" })),
  version9: write('npy/version9.npy', npyBytes('<f4', [4, 2], f32(pts4), { major: 9 })),
  zeroRows: npy('npy/zero-rows.npy', [], [0, 3]),
  oneRow: npy('npy/one-row.npy', [3, 4, 5], [1, 3]),
  square: npy('npy/square.npy', pts4, [4, 2]),
  nan: npy('npy/nan.npy', [0, 0, 1, Number.NaN, 0, 1, 1, 1], [4, 2]),
  inf: npy('npy/inf.npy', [0, 0, 1, Number.POSITIVE_INFINITY, 0, 1, 1, 1], [4, 2]),
  threeD: npy('npy/three-d.npy', pts4, [2, 2, 2]),
  oneD: npy('npy/one-d.npy', pts4, [8]),
  ints: write('npy/ints.npy', npyBytes('<i4', [4, 2], Buffer.from(new Int32Array(pts4).buffer))),
  empty: write('npy/empty.npy', Buffer.alloc(0)),
  version2: write('npy/version2.npy', npyV2(npyBytes('<f4', [4, 2], f32(pts4)))),
  float64: write('npy/float64.npy', npyBytes('<f8', [4, 2], Buffer.from(new Float64Array(pts4).buffer))),
  same: npy('npy/same.npy', new Array(24).fill(1), [12, 2]),
};
// 12 points in R^3 in two blobs: enough rows for t-SNE and UMAP, deterministic.
const blobs = [];
for (let i = 0; i < 12; i++) blobs.push((i < 6 ? 0 : 10) + (i % 3) * 0.3, ((i * 7) % 5) * 0.2, ((i * 3) % 4) * 0.25);
const blobsNpy = npy('npy/blobs.npy', blobs, [12, 3]);
const nanBlobs = npy(
  'npy/blobs-nan.npy',
  blobs.map((v, i) => (i === 7 ? Number.NaN : v)),
  [12, 3],
);

/** The diagram readers name a line as "<file> line 2:". */
const LINE = (n) => ` line ${n}: `;

const aFile = write('a-file', 'a plain file\n');
const underFile = join(aFile, 'out.json');

// ---- rips
const npyErrors = [
  ['garbage', /not a \.npy file/],
  ['truncatedData', /truncated/],
  ['truncatedHeader', /truncated \.npy header/],
  ['complex', /dtype <c8 is not supported/],
  ['object', /object arrays/],
  ['bigEndian', /big-endian/],
  ['fortran', /Fortran order/],
  ['hugeShape', /truncated/],
  ['negativeShape', /bad shape/],
  ['noHeaderKeys', /malformed \.npy header/],
  ['version9', /version 9 is not supported/],
  ['threeD', /2-D array/],
  ['oneD', /2-D array/],
  ['ints', /float32 or float64/],
  ['empty', /not a \.npy file/],
  ['nan', /NaN|not finite/],
  ['inf', /Inf|not finite/],
  ['zeroRows', /no points/],
];
for (const [k, re] of npyErrors) err(`rips: .npy ${k}`, ['rips', npyFiles[k]], 1, `${lit(npyFiles[k])}: .*${re.source}`);
// One point: a single essential H0 bar born at 0, nothing in H1 (Ripser gives the same).
ok('rips: .npy of one row', ['rips', npyFiles.oneRow], { stdoutMatch: lit('"diagrams":[{"dim":0,"pairs":[[0,null]]},{"dim":1,"pairs":[]}]') });
// The unit square: three H0 bars [0,1), one essential, one H1 loop [1, √2) (the README's example).
const SQUARE = '"diagrams":\\[\\{"dim":0,"pairs":\\[\\[0,1\\],\\[0,1\\],\\[0,1\\],\\[0,null\\]\\]\\},\\{"dim":1,"pairs":\\[\\[1,1\\.41421\\d*\\]\\]\\}\\]';
ok('rips: .npy unit square', ['rips', npyFiles.square], { stdoutMatch: SQUARE });
ok('rips: .npy format 2.0', ['rips', npyFiles.version2], { stdoutMatch: SQUARE });
ok('rips: .npy float64', ['rips', npyFiles.float64], { stdoutMatch: SQUARE });
// Twelve copies of one point are one point: a single essential bar (zero-length H0 pairs are omitted).
ok('rips: identical points', ['rips', npyFiles.same], { stdoutMatch: lit('"diagrams":[{"dim":0,"pairs":[[0,null]]},{"dim":1,"pairs":[]}]') });
// Big-endian float32 is refused with how to convert (README: C-order little-endian only), never misread.

const csv = {
  square: write('csv/square.csv', '0,0\n1,0\n0,1\n1,1\n'),
  bom: write('csv/bom.csv', '\uFEFF0,0\n1,0\n0,1\n1,1\n'),
  crlf: write('csv/crlf.csv', '0 0\r\n1 0\r\n0 1\r\n1 1\r\n'),
  comments: write('csv/comments.csv', '# a square\n\n0,0\n1,0\n\n0,1\n1,1\n'),
  ragged: write('csv/ragged.csv', '0,0\n1,0,5\n0,1\n'),
  garbage: write('csv/garbage.csv', garbage(400, 7)),
  empty: write('csv/empty.csv', ''),
  headerOnly: write('csv/header-only.csv', 'x,y\n'),
  header: write('csv/header.csv', 'x,y\n0,0\n1,1\n'),
  nonNumeric: write('csv/non-numeric.csv', '0,0\n1,0\n0,abc\n'),
  single: write('csv/single.csv', '3,4\n'),
  nan: write('csv/nan.csv', '0,0\nNaN,1\n'),
  inf: write('csv/inf.csv', '0,0\n1,-inf\n'),
  span: write('csv/span.csv', '0\n1e-300\n1e300\n'),
  notSquare: write('csv/not-square.csv', '0,1,2\n1,0\n'),
};
ok('rips: CSV unit square', ['rips', csv.square], { stdoutMatch: SQUARE });
ok('rips: --sample more than n keeps every point', ['rips', csv.square, '--sample', '1000000000'], {
  stdoutMatch: SQUARE,
  stderrMatch: 'sample of 4 of 4 points',
});
ok('rips: CSV with a BOM reads as without', ['rips', csv.bom], { stdoutMatch: SQUARE });
ok('rips: CSV with CRLF and spaces', ['rips', csv.crlf], { stdoutMatch: SQUARE });
ok('rips: CSV with # comments and blank lines', ['rips', csv.comments], { stdoutMatch: SQUARE });
ok('rips: CSV of a single row', ['rips', csv.single], { stdoutMatch: lit('"diagrams":[{"dim":0,"pairs":[[0,null]]},{"dim":1,"pairs":[]}]') });
err('rips: CSV ragged rows', ['rips', csv.ragged], 1, `${lit(csv.ragged)}:2: 3 values, but line 1 has 2`);
err('rips: CSV binary garbage', ['rips', csv.garbage], 1, `${lit(csv.garbage)}:\\d+: .*not a number`);
err('rips: CSV empty', ['rips', csv.empty], 1, `${lit(csv.empty)}: empty file`);
err('rips: CSV header only', ['rips', csv.headerOnly], 1, `${lit(csv.headerOnly)}:1: "x" is not a number`);
err('rips: CSV with a header line', ['rips', csv.header], 1, `${lit(csv.header)}:1: "x" is not a number`);
err('rips: CSV non-numeric cell', ['rips', csv.nonNumeric], 1, `${lit(csv.nonNumeric)}:3: "abc" is not a number`);
err('rips: CSV NaN', ['rips', csv.nan], 1, `${lit(csv.nan)}:2: .*not finite`);
err('rips: CSV -inf', ['rips', csv.inf], 1, `${lit(csv.inf)}:2: .*not finite`);
err('rips: distances spanning more than 2^245', ['rips', csv.span], 1, lit(csv.span));
err('rips: distance matrix that is not square', ['rips', '--distance-matrix', csv.notSquare], 1, lit(csv.notSquare));
err('rips: missing file', ['rips', p('nope.csv')], 1, `${lit(p('nope.csv'))}: cannot read \\(ENOENT\\)`);
err('rips: a folder', ['rips', p('csv')], 1, `${lit(p('csv'))}: .*(EISDIR|folder)`);
err('rips: a FIFO', ['rips', fifo], 1, `${lit(fifo)}: .*(FIFO|pipe|regular file)`);
err('rips: /dev/zero', ['rips', '/dev/zero'], 1, '/dev/zero: .*(device|regular file)');
err('rips: --threads 100000', ['rips', csv.square, '--threads', '100000'], 2, 'more than 1024 threads');
err('rips: --maxdim 4', ['rips', csv.square, '--maxdim', '4'], 2, 'not an integer in 0–3');
err('rips: --coeff 4', ['rips', csv.square, '--coeff', '4'], 2, 'not a prime');
err('rips: --sample 0', ['rips', csv.square, '--sample', '0'], 2, 'not a positive integer');
err('rips: --max-memory garbage', ['rips', csv.square, '--max-memory', 'lots'], 2, 'not a size');
err('rips: --max-memory too small', ['rips', blobsNpy, '--max-memory', '1'], 1, `${lit(blobsNpy)}: .*--max-memory`);
// An --out naming an existing file replaces it (atomically): that is what an output file is for.
const oldOut = write('old-out.json', 'old contents\n');
ok('rips: --out an existing file replaces it', ['rips', csv.square, '--out', oldOut], { outFile: oldOut, outMatch: SQUARE });
err('rips: --out under a file', ['rips', csv.square, '--out', underFile], 1, lit(aFile));
err('rips: --out is a folder', ['rips', csv.square, '--out', p('csv')], 1, lit(p('csv')));

// ---- tsne / umap
for (const cmd of ['tsne', 'umap']) {
  const out = p(`${cmd}-out.npy`);
  err(`${cmd}: corrupt .npy`, [cmd, npyFiles.garbage, '--out', out], 1, `${lit(npyFiles.garbage)}: not a \\.npy file`);
  err(`${cmd}: 0 rows`, [cmd, npyFiles.zeroRows, '--out', out], 1, lit(npyFiles.zeroRows));
  err(`${cmd}: 1 row`, [cmd, npyFiles.oneRow, '--out', out], 1, lit(npyFiles.oneRow));
  err(`${cmd}: NaN value`, [cmd, nanBlobs, '--out', out], 1, `${lit(nanBlobs)}: .*NaN`);
  err(`${cmd}: FIFO`, [cmd, fifo, '--out', out], 1, `${lit(fifo)}: .*(FIFO|pipe|regular file)`);
  err(`${cmd}: --threads 100000`, [cmd, blobsNpy, '--threads', '100000', '--out', out], 2, 'more than 1024 threads');
  err(`${cmd}: --out under a file`, [cmd, blobsNpy, '--out', join(aFile, 'map.npy')], 1, lit(aFile));
  // Identical rows have no neighbourhood structure, but a map of them is still a map.
  ok(`${cmd}: identical points`, [cmd, npyFiles.same, '--out', p(`${cmd}-same.npy`)], { outFile: p(`${cmd}-same.npy`), outMatch: lit("'shape': (12, 2)") });
}
ok(
  'tsne: --perplexity bigger than n (lowered with a warning)',
  ['tsne', blobsNpy, '--perplexity', '1000', '--iterations', '300', '--out', p('tsne-big-perp.npy')],
  {
    stderrMatch: 'warning: .*perplexity',
    outFile: p('tsne-big-perp.npy'),
    outMatch: lit("'shape': (12, 2)"),
  },
);
err('tsne: --perplexity -1', ['tsne', blobsNpy, '--perplexity', '-1', '--out', p('t.npy')], 2, 'perplexity');
err('tsne: --iterations 1e9 (hangs unless bounded)', ['tsne', blobsNpy, '--iterations', '1000000000', '--out', p('t.npy')], 2, '--iterations');
ok('umap: --neighbors bigger than n', ['umap', blobsNpy, '--neighbors', '50', '--epochs', '50', '--out', p('umap-big-k.npy')], {
  outFile: p('umap-big-k.npy'),
  outMatch: lit("'shape': (12, 2)"),
});
err('umap: --neighbors 1', ['umap', blobsNpy, '--neighbors', '1', '--out', p('u.npy')], 2, '--neighbors 1');
err('umap: --epochs 1e9 (hangs unless bounded)', ['umap', blobsNpy, '--epochs', '1000000000', '--out', p('u.npy')], 2, '--epochs');

// ---- angles: two classes on orthogonal lines of R^3 (centred, each spans one axis): 90°.
const orth = npy('npy/orth.npy', [1, 0, 0, 2, 0, 0, 3, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0], [6, 3]);
const labelsAB = write('labels/ab.txt', 'a\na\na\nb\nb\nb\n');
const labelsShort = write('labels/short.txt', 'a\nb\n');
const labelsBlank = write('labels/blank.txt', 'a\na\n\nb\nb\nb\n');
ok('angles: orthogonal classes are 90° apart', ['angles', orth, '--labels', labelsAB], { stdoutMatch: '"min_angle_deg":\\[\\[0,90\\],\\[90,0\\]\\]' });
err('angles: fewer labels than rows', ['angles', orth, '--labels', labelsShort], 1, lit(labelsShort));
err('angles: a blank label line', ['angles', orth, '--labels', labelsBlank], 1, `${lit(labelsBlank)}:3: empty label line`);
err('angles: corrupt .npy', ['angles', npyFiles.garbage, '--labels', labelsAB], 1, lit(npyFiles.garbage));
err('angles: NaN value', ['angles', npyFiles.nan, '--labels', write('labels/four.txt', 'a\na\nb\nb\n')], 1, lit(npyFiles.nan));
err('angles: labels file is a FIFO', ['angles', orth, '--labels', fifo], 1, `${lit(fifo)}: .*(FIFO|pipe|regular file)`);
err('angles: --energy 2', ['angles', orth, '--labels', labelsAB, '--energy', '2'], 2, 'not a fraction');
err('angles: --threads 100000', ['angles', orth, '--labels', labelsAB, '--threads', '100000'], 2, 'more than 1024 threads');

// ---- distance / summarize: diagram files
const dg = {
  one: write('dg/one.txt', '0 1\n'),
  oneJson: write('dg/one.json', JSON.stringify({ dim: 1, pairs: [[0, 1]] })),
  emptyText: write('dg/empty.txt', '# no bars\n'),
  broken: write('dg/broken.json', '{"diagrams": [ {"dim": 0, "pairs": [[0, 1]'),
  schema: write('dg/schema.json', JSON.stringify({ bars: [[0, 1]] })),
  strings: write('dg/strings.json', JSON.stringify({ dim: 0, pairs: [['0', '1']] })),
  nan: write('dg/nan.txt', '0 1\nnan 2\n'),
  negative: write('dg/negative.txt', '0 1\n2 1.5\n'),
  minusInf: write('dg/minus-inf.txt', '0 -inf\n'),
  infBirth: write('dg/inf-birth.txt', 'inf inf\n'),
  three: write('dg/three.txt', '0 1 2\n'),
  essential: write('dg/essential.txt', '0 1\n0.5 inf\n'),
  twoDims: write(
    'dg/two-dims.json',
    JSON.stringify({
      diagrams: [
        { dim: 0, pairs: [[0, null]] },
        { dim: 1, pairs: [[1, 2]] },
      ],
    }),
  ),
  binary: write('dg/binary.json', garbage(200, 3)),
  nullJson: write('dg/null.json', 'null'),
  zeroBytes: write('dg/zero-bytes.txt', ''),
  noDiagrams: write('dg/no-diagrams.json', '{"diagrams": []}'),
};
ok('distance: a diagram and itself', ['distance', dg.one, dg.one], { stdoutMatch: '^0\\n$' });
// A bar [0,1] against nothing: matched to the diagonal at half its length.
ok('distance: a bar against an empty diagram', ['distance', dg.one, dg.emptyText], { stdoutMatch: '^0\\.5\\n$' });
ok('distance: a 0-byte file is an empty diagram', ['distance', dg.one, dg.zeroBytes], { stdoutMatch: '^0\\.5\\n$' });
ok('distance: different essential counts are inf', ['distance', dg.one, dg.essential], { stdoutMatch: '^inf\\n$' });
ok('distance: JSON and text of the same bar', ['distance', dg.oneJson, dg.one], { stdoutMatch: '^0\\n$' });
err('distance: broken JSON', ['distance', dg.broken, dg.one], 1, `${lit(dg.broken)}: not valid JSON`);
err('distance: wrong schema', ['distance', dg.schema, dg.one], 1, `${lit(dg.schema)}: expected`);
err('distance: JSON null', ['distance', dg.nullJson, dg.one], 1, lit(dg.nullJson));
err('distance: pairs of strings', ['distance', dg.strings, dg.one], 1, `${lit(dg.strings)}.*is not a number`);
err('distance: NaN', ['distance', dg.one, dg.nan], 1, `${lit(dg.nan)}${LINE(2)}NaN`);
err('distance: negative persistence', ['distance', dg.negative, dg.one], 1, `${lit(dg.negative)}${LINE(2)}death 1\\.5 < birth 2`);
err('distance: death -inf', ['distance', dg.minusInf, dg.one], 1, `${lit(dg.minusInf)}${LINE(1)}death -inf`);
err('distance: birth inf', ['distance', dg.infBirth, dg.one], 1, `${lit(dg.infBirth)}${LINE(1)}birth .*finite`);
err('distance: three columns', ['distance', dg.three, dg.one], 1, `${lit(dg.three)}${LINE(1)}expected two numbers`);
err('distance: binary garbage', ['distance', dg.binary, dg.one], 1, lit(dg.binary));
err('distance: several dimensions without --dim', ['distance', dg.twoDims, dg.one], 2, 'choose one dimension');
err('distance: --dim absent from the file', ['distance', dg.twoDims, dg.one, '--dim', '5'], 2, 'dimension 5');
err('distance: --p 0.5', ['distance', dg.one, dg.one, '--metric', 'wasserstein', '--p', '0.5'], 2, '--p|p ');
err('distance: missing second file', ['distance', dg.one, p('dg/nope.txt')], 1, `${lit(p('dg/nope.txt'))}: cannot read`);
err('distance: a FIFO', ['distance', dg.one, fifo], 1, `${lit(fifo)}: .*(FIFO|pipe|regular file)`);

ok('summarize: one bar', ['summarize', dg.one], { stdoutMatch: 'bars +1\\n(.|\\n)*max lifetime +1\\n' });
ok('summarize: an empty diagram', ['summarize', dg.emptyText], { stdoutMatch: 'bars +0\\n' });
ok('summarize: essential bars are left out', ['summarize', dg.essential], { stdoutMatch: 'bars +1\\n(.|\\n)*essential bars +1\\n' });
ok('summarize: --cut above the essential birth', ['summarize', dg.essential, '--cut', '3'], { stdoutMatch: 'bars +2\\n(.|\\n)*max lifetime +2\\.5' });
err('summarize: --grid 1000000000', ['summarize', dg.one, '--grid', '1000000000'], 2, '--grid');
err('summarize: --levels 1000000000', ['summarize', dg.one, '--levels', '1000000000'], 2, '--levels');
err('summarize: --levels × --grid too large together', ['summarize', dg.one, '--levels', '10000', '--grid', '1000000'], 2, '--levels 10000 × --grid 1000000');
err('summarize: --pixels 1000000', ['summarize', dg.one, '--pixels', '1000000'], 2, '--pixels');
err('summarize: --cut below an essential birth', ['summarize', dg.essential, '--cut', '0.2'], 2, '--cut 0\\.2 is not above');
err('summarize: JSON with no diagrams', ['summarize', dg.noDiagrams], 1, `${lit(dg.noDiagrams)}: expected`);
err('summarize: broken JSON', ['summarize', dg.broken], 1, `${lit(dg.broken)}: not valid JSON`);
err('summarize: negative persistence', ['summarize', dg.negative], 1, `${lit(dg.negative)}${LINE(2)}death`);
err('summarize: NaN', ['summarize', dg.nan], 1, `${lit(dg.nan)}${LINE(2)}NaN`);
err('summarize: --dim absent', ['summarize', dg.twoDims, '--dim', '4'], 2, 'dimension 4');
err('summarize: a FIFO', ['summarize', fifo], 1, `${lit(fifo)}: .*(FIFO|pipe|regular file)`);
err('summarize: --out under a file', ['summarize', dg.one, '--out', underFile], 1, lit(aFile));

// ---- preprocess
const pre = p('pre-out.npy');
ok('preprocess: a JPEG', ['preprocess', okJpeg, '--out', pre], { outFile: pre, outMatch: lit("'shape': (3, 224, 224)") });
ok('preprocess: --size 1', ['preprocess', okJpeg, '--out', p('pre-1.npy'), '--size', '1'], { outFile: p('pre-1.npy'), outMatch: lit("'shape': (3, 1, 1)") });
err('preprocess: corrupt JPEG', ['preprocess', corruptJpeg, '--out', pre], 1, lit(corruptJpeg));
err(
  'preprocess: truncated JPEG',
  ['preprocess', write('img/truncated.jpg', goodJpeg.subarray(0, 500)), '--out', pre],
  1,
  `${lit(p('img/truncated.jpg'))}: cannot decode`,
);
err('preprocess: truncated PNG', ['preprocess', truncPng, '--out', pre], 1, lit(truncPng));
err('preprocess: empty file', ['preprocess', emptyImg, '--out', pre], 1, lit(emptyImg));
err('preprocess: text named .jpg', ['preprocess', textJpg, '--out', pre], 1, lit(textJpg));
err('preprocess: PNG decompression bomb', ['preprocess', bomb, '--out', pre], 1, `${lit(bomb)}: .*(pixel|bomb)`);
err('preprocess: a FIFO', ['preprocess', fifo, '--out', pre], 1, `${lit(fifo)}: not a regular file`);
err('preprocess: /dev/zero', ['preprocess', '/dev/zero', '--out', pre], 1, '/dev/zero: not a regular file');
err('preprocess: a folder', ['preprocess', p('img'), '--out', pre], 1, `${lit(p('img'))}: not a regular file`);
err('preprocess: missing file', ['preprocess', p('img/nope.png'), '--out', pre], 1, `${lit(p('img/nope.png'))}: cannot read \\(ENOENT\\)`);
err('preprocess: --size 100000', ['preprocess', okJpeg, '--out', pre, '--size', '100000'], 2, '--size 100000');
err('preprocess: --size 0', ['preprocess', okJpeg, '--out', pre, '--size', '0'], 2, 'not a positive integer');
err('preprocess: no --out', ['preprocess', okJpeg], 2, "required option '--out");
err('preprocess: --out under a file', ['preprocess', okJpeg, '--out', join(aFile, 'x.npy')], 1, lit(aFile));

// ---- tokenize
const EMPTY_IDS = `^\\[49406,49407${',0'.repeat(75)}\\]\\n$`;
ok('tokenize: the empty text', ['tokenize', ''], { stdoutMatch: EMPTY_IDS });
ok('tokenize: control characters and emoji', ['tokenize', '\u0007\u001b[31m 🙂 \uFFFD\u200B'], { stdoutMatch: '^\\[49406,(\\d+,)*49407(,0)*\\]\\n$' });
ok('tokenize: --truncate a long text', ['tokenize', '--truncate', 'word '.repeat(200)], { stdoutMatch: '^\\[49406,(\\d+,){75}49407\\]\\n$' });
err('tokenize: a long text without --truncate', ['tokenize', 'word '.repeat(200)], 1, 'context|--truncate');
err('tokenize: --context-length 1', ['tokenize', 'a', '--context-length', '1'], 2, '--context-length');
err('tokenize: --context-length 1e9 (would allocate gigabytes)', ['tokenize', 'a', '--context-length', '1000000000'], 2, '--context-length');

// ---- datasets
const noLabels = dtdCopy('dtd-no-labels', (r) => {
  rmSync(join(r, 'labels'), { recursive: true });
  rmSync(join(r, 'imdb'), { recursive: true });
});
const emptyLabels = dtdCopy('dtd-empty-labels', (r) => {
  writeFileSync(join(r, 'labels', 'test1.txt'), '');
});
const missingListed = dtdCopy('dtd-missing-files', (r) => {
  writeFileSync(join(r, 'labels', 'test1.txt'), 'banded/banded_0005.jpg\nbanded/banded_9999.jpg\ndotted/dotted_0005.jpg\n');
});
const badMat = dtdCopy('dtd-bad-imdb', (r) => {
  writeFileSync(join(r, 'imdb', 'imdb.mat'), Buffer.concat([readFileSync(join(DTD, 'imdb', 'imdb.mat')).subarray(0, 200), garbage(300, 11)]));
});
const hostileImages = dtdCopy('dtd-hostile-images', (r) => {
  writeFileSync(join(r, 'images', 'banded', 'bomb.png'), bombPng());
  writeFileSync(join(r, 'images', 'dotted', 'corrupt.jpg'), readFileSync(corruptJpeg));
  writeFileSync(join(r, 'images', 'dotted', 'empty.jpg'), '');
  writeFileSync(
    join(r, 'labels', 'test1.txt'),
    `${readFileSync(join(r, 'labels', 'test1.txt'), 'utf8')}banded/bomb.png\ndotted/corrupt.jpg\ndotted/empty.jpg\n`,
  );
});
const zeroImages = imageFolder('folder-zero-images', {}, { 'cats/readme.txt': 'no images here\n', 'dogs/.hidden.jpg': goodJpeg });
const hostileFolder = imageFolder(
  'folder-hostile',
  { cats: 3, dogs: 3 },
  { 'cats/bomb.png': bombPng(), 'dogs/corrupt.jpg': readFileSync(corruptJpeg), 'dogs/empty.jpg': '' },
);
const splitFolder = imageFolder('folder-splits', {}, { 'train/cats/a.jpg': goodJpeg, 'train/dogs/b.jpg': goodJpeg2 });
// A class folder whose name is Latin-1 "café" (0xE9), not UTF-8: made with a Buffer path.
const rawFolder = imageFolder('folder-latin1', { dogs: 2 });
const rawClass = Buffer.concat([Buffer.from(`${rawFolder}/caf`), Buffer.from([0xe9])]);
mkdirSync(rawClass);
writeFileSync(Buffer.concat([rawClass, Buffer.from('/c0.jpg')]), goodJpeg);
writeFileSync(Buffer.concat([rawClass, Buffer.from('/c1.jpg')]), goodJpeg2);

/** A JSON list of skipped files (up to its closing bracket) naming the bomb, the corrupt and the empty image, in any order. */
const SKIPPED3 = '(?=[^\\]]*bomb\\.png)(?=[^\\]]*corrupt\\.jpg)(?=[^\\]]*empty\\.jpg)';

const bmpFolder = imageFolder('folder-bmp', { cats: 2 }, { 'stray.jpg': goodJpeg, 'cats/c.bmp': bmp2x2() });
ok('dataset: a BMP and a file outside class folders are skipped', ['dataset', bmpFolder], {
  stdoutMatch: 'selected: split all: 2 images.*stray\\.jpg: file is not inside a class folder.*c\\.bmp: BMP images are not supported',
});
ok('dataset: split folders are splits, not classes', ['dataset', splitFolder, '--split', 'train', '--json'], {
  stdoutMatch: '"classes": \\[\\s*"cats",\\s*"dogs"\\s*\\].*"train": \\{\\s*"cats": 1,\\s*"dogs": 1\\s*\\}',
});
const bomLabels = write('labels/bom.csv', '\uFEFFlabel\ncat\ncat\ndog\ndog\n');
ok('dataset: embeddings with a BOM-led labels CSV', ['dataset', npyFiles.square, '--labels', bomLabels, '--json'], {
  stdoutMatch: '"classes": \\[\\s*"cat",\\s*"dog"\\s*\\].*"cat": 2,\\s*"dog": 2',
});
err('dataset: DTD without labels/ or imdb/', ['dataset', noLabels], 1, `${lit(noLabels)}.*labels`);
ok('dataset: DTD with an empty label file', ['dataset', emptyLabels, '--json'], {
  stdoutMatch: '"test": \\{\\s*"banded": 0,\\s*"dotted": 0,\\s*"zigzagged": 0\\s*\\}.*"images": 0,.*"warnings": \\[\\s*"labels/test1\\.txt is empty',
});
ok('dataset: DTD labels naming missing files', ['dataset', missingListed, '--json'], {
  stdoutMatch: '"images": 2,.*"path": "[^"]*banded_9999\\.jpg",\\s*"reason": "listed in labels/test1\\.txt but missing',
});
err('dataset: DTD with a corrupt imdb.mat', ['dataset', badMat, '--source', 'imdb'], 1, 'imdb\\.mat');
ok('dataset: DTD with a bomb, a corrupt and an empty image', ['dataset', hostileImages, '--check', 'decode', '--json'], {
  stdoutMatch: `"images": 6,\\s*"skipped": \\[${SKIPPED3}`,
});
// `dataset` lists what it finds (README: empty splits are a warning there, an error in embed/analyze).
ok('dataset: a folder of zero images', ['dataset', zeroImages], {
  stdoutMatch: "selected: split all: 0 images.*readme\\.txt: not an image.*warning: class 'cats' has no usable images",
});
ok('dataset: a folder with hostile images', ['dataset', hostileFolder, '--json'], {
  stdoutMatch: `"all": \\{\\s*"cats": 3,\\s*"dogs": 3\\s*\\}.*"images": 6,\\s*"skipped": \\[${SKIPPED3}`,
});
err('dataset: split folders without the one asked for', ['dataset', splitFolder, '--split', 'test'], 1, `${lit(splitFolder)}.*test`);
ok('dataset: a class folder named in Latin-1', ['dataset', rawFolder, '--json'], { stdoutMatch: '"caf\\\\\\\\xE9": 2' });
err('dataset: --partition 11', ['dataset', p('dtd-empty-labels'), '--partition', '11'], 2, '--partition|partition');
err('dataset: missing folder', ['dataset', p('nope')], 1, lit(p('nope')));
err('dataset: a FIFO', ['dataset', fifo], 1, lit(fifo));
err('dataset: --out under a file', ['dataset', hostileFolder, '--out', underFile], 1, lit(aFile));

// ---- embed / zeroshot / analyze with the tiny model
const M = ['--model', TINY, '--threads', '1'];
ok('embed: a folder with hostile images skips them', ['embed', '--dataset', hostileFolder, ...M, '--out', p('emb-hostile')], {
  stderrMatch: 'bomb\\.png',
  outFile: p('emb-hostile', 'embeddings.npy'),
  outMatch: "'shape': \\(6, \\d+\\)",
});
// The folder holds 9 image files (3 + a bomb, 3 + a corrupt and an empty one): the summary counts all three skipped.
ok('embed: the summary counts every skipped image', ['embed', '--dataset', hostileFolder, ...M, '--out', p('emb-count')], {
  stderrMatch: 'clip-topo embed: 6 of 9 images embedded, 3 skipped',
});
ok('embed: --batch-size 1e9 is only as large as the data', ['embed', '--dataset', hostileFolder, ...M, '--batch-size', '1000000000', '--out', p('emb-batch')], {
  outFile: p('emb-batch', 'embeddings.npy'),
  outMatch: "'shape': \\(6, \\d+\\)",
});
err('embed: --strict with hostile images', ['embed', '--dataset', hostileFolder, ...M, '--strict', '--out', p('emb-strict')], 1, 'skipped|--strict');
ok('embed: a class folder named in Latin-1', ['embed', '--dataset', rawFolder, ...M, '--out', p('emb-latin1')], {
  outFile: p('emb-latin1', 'embeddings.npy'),
  outMatch: "'shape': \\(4, \\d+\\)",
});
err('embed: a folder of zero images', ['embed', '--dataset', zeroImages, ...M, '--out', p('emb-zero')], 1, lit(zeroImages));
err('embed: DTD with an empty label file', ['embed', '--dataset', emptyLabels, ...M, '--out', p('emb-empty')], 1, 'test1|no images|empty');
err('embed: DTD without labels/', ['embed', '--dataset', noLabels, ...M, '--out', p('emb-nolabels')], 1, `${lit(noLabels)}.*labels`);
err('embed: --out is a file', ['embed', '--dataset', hostileFolder, ...M, '--out', aFile], 1, lit(aFile));
err('embed: --out under a file', ['embed', '--dataset', hostileFolder, ...M, '--out', join(aFile, 'emb')], 1, lit(aFile));
err('embed: --model missing', ['embed', '--dataset', hostileFolder, '--model', p('no-model'), '--out', p('emb-m')], 1, lit(p('no-model')));
err('embed: --batch-size 0', ['embed', '--dataset', hostileFolder, ...M, '--batch-size', '0'], 2, 'not a positive integer');
err('embed: --threads 100000', ['embed', '--dataset', hostileFolder, '--model', TINY, '--threads', '100000'], 2, 'more than 1024 threads');
// README: an unknown split is a usage error (exit 2), as `dataset --split` (a choice) and `analyze` on the synthetic set give.
err('embed: --split tset', ['embed', '--dataset', DTD, ...M, '--split', 'tset', '--out', p('emb-tset')], 2, "unknown split 'tset'");
err('embed: --noise -1', ['embed', '--dataset', hostileFolder, ...M, '--noise', '-1'], 2, 'negative');

const tplComments = write('tpl/comments.txt', '# my templates\n\na photo of a {} texture.\n   \n# another\n{} pattern\n');
const tplBomCrlf = write('tpl/bom-crlf.txt', '\uFEFF# windows\r\na photo of a {} texture.\r\n\r\n{} pattern\r\n');
const tplBad = write('tpl/bad.txt', '# header\na photo of a {}.\n\nno placeholder here\n');
const tplOnlyComments = write('tpl/only-comments.txt', '# nothing\n\n');
const tplBinary = write('tpl/binary.txt', garbage(100, 5));
const Z = ['zeroshot', '--dataset', DTD, ...M];
ok('zeroshot: templates with comments and blank lines', [...Z, '--templates', tplComments], { stdoutMatch: '2 templates' });
ok('zeroshot: templates with a BOM and CRLF', [...Z, '--templates', tplBomCrlf], { stdoutMatch: '2 templates' });
err('zeroshot: a template without {} is named by line', [...Z, '--templates', tplBad], 1, `${lit(tplBad)}:4: `);
err('zeroshot: templates of only comments', [...Z, '--templates', tplOnlyComments], 1, `${lit(tplOnlyComments)}: no prompt templates`);
err('zeroshot: binary templates', [...Z, '--templates', tplBinary], 1, lit(tplBinary));
err('zeroshot: missing templates', [...Z, '--templates', p('tpl/nope.txt')], 1, `${lit(p('tpl/nope.txt'))}: .*no such file`);
err('zeroshot: templates a FIFO', [...Z, '--templates', fifo], 1, `${lit(fifo)}: .*(FIFO|pipe|regular file)`);
err('zeroshot: --split tset', ['zeroshot', '--dataset', DTD, ...M, '--split', 'tset'], 2, "unknown split 'tset'");
ok('zeroshot: a folder with hostile images', ['zeroshot', '--dataset', hostileFolder, ...M], { stdoutMatch: 'acc1 ' });

const A = ['analyze', ...M, '--noise', '0.5', '--rips-points', '8', '--sample-classes', '2'];
ok('analyze: DTD with hostile images', [...A, '--dataset', hostileImages, '--out', p('an-hostile')], {
  outFile: p('an-hostile', 'metrics.json'),
  outMatch: `"schema": "clip-topo/analysis@2".*"counts": \\[\\s*2,\\s*2,\\s*2\\s*\\].*"skipped": \\[${SKIPPED3}`,
});
ok('analyze: templates with comments', [...A, '--dataset', DTD, '--templates', tplComments, '--out', p('an-tpl')], {
  outFile: p('an-tpl', 'metrics.json'),
  outMatch: 'a photo of a \\{\\} texture\\.',
});
err('analyze: --out is a file', [...A, '--dataset', DTD, '--out', aFile], 1, lit(aFile));
err('analyze: DTD with an empty label file', [...A, '--dataset', emptyLabels, '--out', p('an-empty')], 1, 'test1|no images|empty');
err('analyze: a folder of zero images', [...A, '--dataset', zeroImages, '--out', p('an-zero')], 1, lit(zeroImages));
err('analyze: bad template line', [...A, '--dataset', DTD, '--templates', tplBad, '--out', p('an-badtpl')], 1, `${lit(tplBad)}:4: `);
err('analyze: --noise abc', [...A, '--dataset', DTD, '--noise', 'abc'], 2, 'abc');
err('analyze: --maxdim 5', [...A, '--dataset', DTD, '--maxdim', '5'], 2, '5');
err('analyze: --threads 100000', ['analyze', '--dataset', DTD, '--threads', '100000'], 2, 'more than 1024 threads');
err('analyze: --rips-points 1e9', [...A, '--dataset', DTD, '--rips-points', '1000000000', '--out', p('an-rp')], 2, '(--rips-points|ripsPoints) ');
err('analyze: --sample-classes 1e6', [...A, '--dataset', DTD, '--sample-classes', '1000000', '--out', p('an-sc')], 2, '(--sample-classes|sampleClasses) ');
err('analyze: --energy 5', [...A, '--dataset', DTD, '--energy', '5'], 2, 'not a fraction');
err('analyze: --split tset', [...A, '--dataset', DTD, '--split', 'tset', '--out', p('an-tset')], 2, "unknown split 'tset'");
err('analyze: --split tset on the synthetic set', ['analyze', '--split', 'tset', '--out', p('an-tset-synth')], 2, "unknown split 'tset'");

// ---- synth
const S = ['synth', '--classes', 'banded,dotted', '--per-class', '3', '--size', '16', '--threads', '1'];
ok('synth: a tiny set', [...S, '--out', p('synth-ok')], {
  outFile: p('synth-ok', 'labels', 'test1.txt'),
  outMatch: '^banded/banded_\\d+\\.jpg\\ndotted/dotted_\\d+\\.jpg\\n$',
});
err('synth: --size 100000', [...S, '--size', '100000', '--out', p('synth-big')], 2, '--size');
err('synth: --out is a file', [...S, '--out', aFile], 1, lit(aFile));
err('synth: --out under a file', [...S, '--out', join(aFile, 'set')], 1, lit(aFile));
// A class it cannot draw is exit 1 by design (test/synth.test.ts): the list of drawable ones is data, not syntax.
err('synth: unknown class', ['synth', '--classes', 'banded,nonsense', '--out', p('synth-cls')], 1, 'cannot draw nonsense');
err('synth: --per-class 0', [...S, '--per-class', '0', '--out', p('synth-0')], 2, 'not a positive integer');
err('synth: --per-class 1e9 (hangs unless bounded)', [...S, '--per-class', '1000000000', '--out', p('synth-many')], 2, '--per-class');
err('synth: --quality 101', [...S, '--quality', '101', '--out', p('synth-q')], 2, '--quality');
err('synth: --threads 100000', [...S, '--threads', '100000', '--out', p('synth-t')], 2, 'more than 1024 threads');
err('synth: --contact-sheet under a file', [...S, '--out', p('synth-cs'), '--contact-sheet', join(aFile, 'sheet.png')], 1, lit(aFile));

writeFileSync(p('cases.json'), JSON.stringify(cases, null, 1) + '\n');
process.stdout.write(`${cases.length} cases in ${p('cases.json')}\n`);
