/**
 * Property and fuzz tests (fast-check). Short and deterministic by default; a long run is
 * `FUZZ_RUNS=100000 npx vitest run test/properties.test.ts` (add FUZZ_SEED=<n> to explore other inputs).
 * Failures print the shrunk counterexample and the seed and path that replay it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';

import { type MatValue, readMat } from '../src/data/mat.js';
import type { PersistenceDiagram } from '../src/diagram.js';
import { ClipTopoError } from '../src/errors.js';
import { type AnglesResult, anglesToCsv, anglesToJson } from '../src/io/angles_file.js';
import {
  type DiagramFile,
  diagramsToJson,
  diagramsToRipserText,
  parseDiagramJson,
  parseDiagramText,
  readDiagramFile,
  readDiagramFiles,
} from '../src/io/diagram_file.js';
import { readLabels } from '../src/io/labels.js';
import { encodeNpy, type NpyData, parseNpy } from '../src/io/npy.js';
import { readDistanceCsv, readPointCloudCsv } from '../src/io/pointcloud.js';
import { principalAngles } from '../src/kernels/angles.js';
import { bottleneck, wasserstein } from '../src/kernels/diagram_distance.js';
import { decodeJpeg } from '../src/kernels/image.js';
import { rips } from '../src/kernels/rips.js';
import { bottleneckOracle, type FinitePair, ripsOracle, wassersteinOracle } from './helpers/oracle.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = Number(process.env.FUZZ_SEED ?? 20);
const params = { numRuns: RUNS, seed: SEED };
// vitest's default 60 s per test would cut a long run short; scale the budget with the run count.
const TIMEOUT = Math.max(60_000, RUNS * 200);
/** No single input may take this long to parse: headers claiming huge shapes must be refused, not allocated. */
const PARSE_BUDGET_MS = 1000;

const FIX = join(import.meta.dirname, 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'clip-topo-props-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `bytes` to a scratch file (the path readers only read files) and returns its path. */
function scratch(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/**
 * The contract of every reader: a well-formed value, or a ClipTopoError whose message is one line (the
 * CLI prints it as one line on stderr), within the time budget. Anything else (TypeError, RangeError, a
 * plain Error) is a crash the user would see as a stack trace.
 */
async function parsesOrRefuses<T>(run: () => T | Promise<T>, wellFormed: (value: T) => void): Promise<void> {
  const t0 = performance.now();
  let value: T;
  try {
    value = await run();
  } catch (err) {
    expect(performance.now() - t0, 'time to refuse').toBeLessThan(PARSE_BUDGET_MS);
    if (!(err instanceof ClipTopoError)) throw new Error(`not a ClipTopoError: ${(err as Error)?.stack ?? String(err)}`);
    expect(err.message, 'error message must be one line').not.toMatch(/[\r\n]/);
    return;
  }
  expect(performance.now() - t0, 'time to parse').toBeLessThan(PARSE_BUDGET_MS);
  wellFormed(value);
}

// ---------------------------------------------------------------------------------------------------
// Hostile inputs: arbitrary bytes, and small edits of a valid file (which get past the magic checks).

type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; len: number }
  | { op: 'truncate'; at: number };

/** Bytes that matter to the formats here: NUL, 0xff, sign bits, line breaks, separators, JSON punctuation. */
const interestingByte = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x0a, 0x0d, 0x2c, 0x20, 0x22, 0x7b, 0x5b, 0x2d, 0x65),
);
/** Tokens worth inserting into text formats: overflowing numbers, non-finite spellings, separators. */
const TEXT_TOKENS = [
  '1e400',
  '-1e999',
  'nan',
  'inf',
  '-inf',
  'null',
  '0',
  '-0',
  '.5',
  '5.',
  '1e',
  ',',
  ' ',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '#',
  '"',
  '{',
  '}',
  '[',
  ']',
  ':',
];
const insertion = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 8 }),
  fc.constantFrom(...TEXT_TOKENS).map((t) => new Uint8Array(Buffer.from(t))),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: interestingByte }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: insertion }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(base: Uint8Array, edits: Mutation[]): Uint8Array {
  let b = Buffer.from(base);
  for (const m of edits) {
    const at = m.at % (b.length + 1);
    if (m.op === 'insert') b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
    else if (m.op === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    else if (m.op === 'truncate') b = b.subarray(0, at);
    else if (at < b.length) b[at] = m.op === 'flip' ? b[at] ^ (1 << m.bit) : m.byte;
  }
  return new Uint8Array(b);
}

/** One to four edits of one of the valid encodings. */
const mutationsOf = (bases: Uint8Array[]) =>
  fc.tuple(fc.constantFrom(...bases), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([b, edits]) => mutate(b, edits));

/** Text made of the tokens above: reaches the number and line handling faster than random bytes do. */
const tokenSoup = fc.array(fc.constantFrom(...TEXT_TOKENS, '1', '2.5', '-3', '1e-3', 'abc', '\u00a0', '\u2028'), { maxLength: 40 }).map((t) => t.join(''));

const hostileText = (valid: string[]) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    tokenSoup.map((s) => new Uint8Array(Buffer.from(s))),
    mutationsOf(valid.map((s) => new Uint8Array(Buffer.from(s)))),
  );

const allFinite = (xs: ArrayLike<number>) => Array.from(xs).every(Number.isFinite);

// ---------------------------------------------------------------------------------------------------
// Well-formedness of each reader's result.

function checkNpy(a: ReturnType<typeof parseNpy>): void {
  expect(a.shape.every((s) => Number.isInteger(s) && s >= 0)).toBe(true);
  // A zero dimension empties the array whatever the others claim (their float product may overflow to NaN).
  expect(a.data.length).toBe(a.shape.includes(0) ? 0 : a.shape.reduce((x, y) => x * y, 1));
}

function checkDiagram(d: DiagramFile): void {
  expect(d.pairs.length % 2).toBe(0);
  for (let k = 0; k < d.pairs.length; k += 2) {
    const [b, e] = [d.pairs[k], d.pairs[k + 1]];
    expect(Number.isFinite(b), `birth ${b}`).toBe(true);
    expect(e >= b, `death ${e} >= birth ${b}`).toBe(true);
  }
  expect(d.dim === null || typeof d.dim === 'number').toBe(true);
}

function checkLabels(l: Awaited<ReturnType<typeof readLabels>>): void {
  expect(new Set(l.names).size).toBe(l.names.length);
  for (const i of l.indices) expect(i).toBeLessThan(l.names.length);
}

function checkMatValue(v: MatValue): void {
  const count = v.dims.reduce((a, x) => a * x, 1);
  expect(
    v.dims.every((x) => Number.isInteger(x) && x >= 0),
    `dims ${v.dims}`,
  ).toBe(true);
  if (v.kind === 'numeric') {
    expect(v.real.length).toBe(count);
    if (v.imag) expect(v.imag.length).toBe(count);
  } else if (v.kind === 'cell') {
    expect(v.cells.length).toBe(count);
    v.cells.forEach(checkMatValue);
  } else if (v.kind === 'struct') {
    expect(v.elements.length).toBe(count);
    for (const e of v.elements) Object.values(e).forEach(checkMatValue);
  } else {
    expect(v.rows.length).toBe(v.dims[0] ?? 0);
  }
}

// ---------------------------------------------------------------------------------------------------
// Valid encodings to start mutations from.

const NPY_BASES = [
  encodeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]),
  encodeNpy(BigInt64Array.from([1n, -2n, 3n]), [3]),
  encodeNpy(Uint8Array.from([7]), []),
].map((b) => new Uint8Array(b));
const CLOUD_CSV = ['0.5,1.25,-3\n2,3e-2,4\n# comment\n\n7 8\t9\r\n'];
const DISTANCE_CSV = ['0,1,2\n1,0,3\n2,3,0\n', '1\n2,3\n4.5,5,6\n'];
const DIAGRAM_TEXT = ['# birth death\n0 1\n0.5 inf\n1e-3,2\n', '0 -inf\n'];
const SAMPLE_DIAGRAMS: PersistenceDiagram[] = [
  {
    dim: 0,
    pairs: [
      [0, 0.5],
      [0, Infinity],
    ],
  },
  { dim: 1, pairs: [[0.25, 1.5]] },
];
const DIAGRAM_JSON = [
  JSON.stringify(diagramsToJson({ metric: 'euclidean', threshold: Infinity, maxdim: 1, coeff: 2, n: 3, diagrams: SAMPLE_DIAGRAMS })),
  JSON.stringify({
    dim: 1,
    pairs: [
      [0, 1],
      [2, null],
    ],
  }),
];
const LABEL_TEXT = ['cat\ndog\ncat\n', '0\n2\n1'];
const MAT_BASES = ['misc_uncompressed.mat', 'misc_compressed.mat', 'imdb_uncompressed.mat'].map((f) => new Uint8Array(readFileSync(join(FIX, 'data', f))));

/** A MAT-file header (so the reader gets past it) followed by arbitrary data elements. */
const matWithHeader = fc
  .tuple(fc.constantFrom('IM', 'MI'), fc.uint8Array({ maxLength: 400 }))
  .map(
    ([endian, body]) => new Uint8Array(Buffer.concat([Buffer.from('MATLAB 5.0 MAT-file'.padEnd(124, ' ')), Buffer.from([0, 1]), Buffer.from(endian), body])),
  );

/** A .npy magic and version followed by arbitrary header bytes and data. */
const npyWithMagic = fc
  .tuple(fc.constantFrom(1, 2, 3), fc.uint8Array({ maxLength: 200 }))
  .map(([v, rest]) => new Uint8Array(Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, v, 0]), rest])));

/** A well-formed .npy header with a hostile shape or dtype (huge dimensions must be refused, not allocated). */
const npyHostileHeader = fc
  .tuple(
    fc.constantFrom('<f4', '<f8', '<i8', '|u1', '=f4', '>f4', '|O', '<c16', '<f2'),
    fc.array(fc.oneof(fc.nat(5), fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 53, 1e300, -1), fc.constantFrom('1e400', '0x10', '', ' ', 'L')), { maxLength: 4 }),
    fc.uint8Array({ maxLength: 64 }),
  )
  .map(([descr, shape, data]) => {
    const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')},), }\n`;
    const head = Buffer.alloc(10);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
    head.writeUInt16LE(header.length, 8);
    return new Uint8Array(Buffer.concat([head, Buffer.from(header, 'latin1'), data]));
  });

/** A MAT-file data element: tag (type, byte count), data, zero padding to 8 bytes. */
function matElement(type: number, data: Buffer): Buffer {
  const tag = Buffer.alloc(8);
  tag.writeUInt32LE(type, 0);
  tag.writeUInt32LE(data.length, 4);
  return Buffer.concat([tag, data, Buffer.alloc((8 - (data.length % 8)) % 8)]);
}

/** Values written as MAT data type `type` (wrapping and truncating as the setters do). */
function matNumbers(type: number, values: number[]): Buffer {
  const size: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8, 16: 1, 17: 2, 18: 4 };
  const b = Buffer.alloc((size[type] ?? 1) * values.length);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  values.forEach((x, i) => {
    const o = i * (size[type] ?? 1);
    const int = Math.trunc(x) || 0;
    if (type === 1) v.setInt8(o, int);
    else if (type === 2 || type === 16) v.setUint8(o, int);
    else if (type === 3) v.setInt16(o, int, true);
    else if (type === 4 || type === 17) v.setUint16(o, int, true);
    else if (type === 5) v.setInt32(o, int, true);
    else if (type === 6 || type === 18) v.setUint32(o, int, true);
    else if (type === 7) v.setFloat32(o, x, true);
    else if (type === 9) v.setFloat64(o, x, true);
    else if (type === 12) v.setBigInt64(o, BigInt(int), true);
    else if (type === 13) v.setBigUint64(o, BigInt(Math.abs(int)), true);
    else v.setUint8(o, int);
  });
  return b;
}

/** Dimensions, some of them lies (huge, or not matching the data that follows). */
const matDims = fc.array(fc.oneof(fc.nat(3), fc.constantFrom(2 ** 31 - 1, 1 << 20, 1 << 30)), { maxLength: 3 });
const matData = fc
  .tuple(
    fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 9, 12, 13, 16, 17, 18, 14, 99),
    fc.array(fc.oneof(fc.integer({ min: -3, max: 300 }), fc.double()), { maxLength: 6 }),
  )
  .map(([type, values]) => matElement(type, matNumbers(type, values)));

/** One miMATRIX element: a random class (numeric, char, cell, struct, or unsupported) over random parts. */
const { matMatrix } = fc.letrec<{ matMatrix: Buffer }>((tie) => ({
  matMatrix: fc
    .record({
      cls: fc.oneof(fc.constantFrom(1, 2, 4, 6, 7, 9, 13), fc.nat(20)),
      flags: fc.constantFrom(0, 0x800, 0x200),
      dims: matDims,
      name: fc.constantFrom('', 'x', 'names', 'a\u00e9'),
      fieldLen: fc.constantFrom(0, 1, 4, 8),
      fields: fc.array(fc.constantFrom('f', 'name', 'x'), { maxLength: 3 }),
      data: fc.array(matData, { maxLength: 2 }),
      // Cells and structs nest; maxDepth bounds the recursion (the first branch is the leaf).
      children: fc.oneof({ maxDepth: 3 }, fc.constant([]), fc.array(tie('matMatrix'), { maxLength: 3 })),
    })
    .map((m) => {
      const flags = Buffer.alloc(8);
      flags.writeUInt32LE(m.cls | m.flags, 0);
      const head = [matElement(6, flags), matElement(5, matNumbers(5, m.dims)), matElement(1, Buffer.from(m.name, 'latin1'))];
      const names = Buffer.concat(m.fields.map((f) => Buffer.from(f.padEnd(m.fieldLen, '\0').slice(0, m.fieldLen), 'latin1')));
      const struct = m.cls === 2 ? [matElement(5, matNumbers(5, [m.fieldLen])), matElement(1, names)] : [];
      return matElement(14, Buffer.concat([...head, ...struct, ...m.data, ...m.children]));
    }),
}));

/** miCOMPRESSED: zlib of the element, unpadded (the reader expects exactly that). */
function compressedElement(el: Buffer): Buffer {
  const z = deflateSync(el);
  return matElement(15, z).subarray(0, 8 + z.length);
}

/** Whole MAT-files from the grammar: header, then top-level variables, some of them compressed. */
const matStructured = fc
  .array(fc.tuple(matMatrix, fc.boolean()), { minLength: 1, maxLength: 3 })
  .map(
    (vars) =>
      new Uint8Array(
        Buffer.concat([
          Buffer.from('MATLAB 5.0 MAT-file'.padEnd(124, ' ')),
          Buffer.from([0, 1]),
          Buffer.from('IM'),
          ...vars.map(([el, zip]) => (zip ? compressedElement(el) : el)),
        ]),
      ),
  );

describe('parsers never crash on hostile bytes', () => {
  it(
    'parseNpy',
    () => {
      const input = fc.oneof(fc.uint8Array({ maxLength: 300 }), npyWithMagic, npyHostileHeader, mutationsOf(NPY_BASES));
      return fc.assert(
        fc.asyncProperty(input, (bytes) => parsesOrRefuses(() => parseNpy(bytes, 'x.npy'), checkNpy)),
        params,
      );
    },
    TIMEOUT,
  );

  it(
    'readPointCloudCsv',
    () =>
      fc.assert(
        fc.asyncProperty(hostileText(CLOUD_CSV), (bytes) =>
          parsesOrRefuses(
            () => readPointCloudCsv(scratch('cloud.csv', bytes)),
            (c) => {
              expect(c.rows).toBeGreaterThan(0);
              expect(c.data.length).toBe(c.rows * c.cols);
              expect(allFinite(c.data), `finite coordinates: ${Array.from(c.data)}`).toBe(true);
            },
          ),
        ),
        params,
      ),
    TIMEOUT,
  );

  it(
    'readDistanceCsv',
    () =>
      fc.assert(
        fc.asyncProperty(hostileText(DISTANCE_CSV), (bytes) =>
          parsesOrRefuses(
            () => readDistanceCsv(scratch('dist.csv', bytes)),
            (m) => {
              expect([m.n * m.n, (m.n * (m.n - 1)) / 2]).toContain(m.values.length);
              expect(allFinite(m.values), `finite distances: ${Array.from(m.values)}`).toBe(true);
            },
          ),
        ),
        params,
      ),
    TIMEOUT,
  );

  it(
    'diagram text (two columns)',
    () =>
      fc.assert(
        fc.asyncProperty(hostileText(DIAGRAM_TEXT), (bytes) => parsesOrRefuses(() => readDiagramFile(scratch('dgm.txt', bytes)), checkDiagram)),
        params,
      ),
    TIMEOUT,
  );

  /** JSON that is valid but shaped wrongly in every way: what a hand-edited or foreign file looks like. */
  const jsonPair = fc.oneof(fc.tuple(fc.double(), fc.oneof(fc.double(), fc.constant(null))), fc.jsonValue({ maxDepth: 2 }));
  const jsonDiagram = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.record(
      { dim: fc.oneof(fc.nat(3), fc.jsonValue({ maxDepth: 1 })), pairs: fc.oneof(fc.array(jsonPair, { maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })) },
      { requiredKeys: [] },
    ),
  );
  const diagramJson = fc.oneof(
    fc
      .record({ diagrams: fc.oneof(fc.array(jsonDiagram, { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })) }, { requiredKeys: [] })
      .map((d) => JSON.stringify(d)),
    jsonDiagram.map((d) => JSON.stringify(d) ?? ''),
  );

  it(
    'diagram JSON: parseDiagramJson on arbitrary JSON values',
    () =>
      fc.assert(
        fc.asyncProperty(diagramJson, fc.option(fc.nat(3), { nil: undefined }), (text, dim) =>
          parsesOrRefuses(() => parseDiagramJson(text, 'd.json', dim), checkDiagram),
        ),
        params,
      ),
    TIMEOUT,
  );

  it(
    'diagram JSON: readDiagramFiles on hostile bytes',
    () => {
      const input = fc.oneof(
        hostileText(DIAGRAM_JSON),
        diagramJson.map((s) => new Uint8Array(Buffer.from(s))),
      );
      return fc.assert(
        fc.asyncProperty(input, (bytes) =>
          parsesOrRefuses(
            () => readDiagramFiles(scratch('dgm.json', bytes)),
            (list) => list.forEach(checkDiagram),
          ),
        ),
        params,
      );
    },
    TIMEOUT,
  );

  it(
    'diagram JSON: damaged pretty-printed files (as hand-edited ones are) are refused in one line',
    () => {
      // Pretty-printed JSON puts line breaks inside the text, where a syntax error message may quote them.
      const pretty = DIAGRAM_JSON.map((t) => new Uint8Array(Buffer.from(JSON.stringify(JSON.parse(t), null, 2))));
      return fc.assert(
        fc.asyncProperty(mutationsOf(pretty), (bytes) =>
          parsesOrRefuses(() => parseDiagramJson(Buffer.from(bytes).toString('utf8'), 'd.json', 1), checkDiagram),
        ),
        params,
      );
    },
    TIMEOUT,
  );

  it(
    'readLabels (text and .npy)',
    () => {
      const input = fc.oneof(
        hostileText(LABEL_TEXT).map((b) => ({ name: 'labels.txt', b })),
        fc.oneof(npyHostileHeader, mutationsOf([new Uint8Array(encodeNpy(Int32Array.from([0, 2, 1]), [3]))])).map((b) => ({ name: 'labels.npy', b })),
      );
      return fc.assert(
        fc.asyncProperty(input, ({ name, b }) => parsesOrRefuses(() => readLabels(scratch(name, b)), checkLabels)),
        params,
      );
    },
    TIMEOUT,
  );

  it(
    'readMat',
    () => {
      const input = fc.oneof(fc.uint8Array({ maxLength: 300 }), matWithHeader, mutationsOf(MAT_BASES), matStructured);
      return fc.assert(
        fc.asyncProperty(input, (bytes) =>
          parsesOrRefuses(
            () => readMat(Buffer.from(bytes), { source: 'x.mat', maxInflatedBytes: 1 << 20 }),
            (vars) => Object.values(vars).forEach(checkMatValue),
          ),
        ),
        params,
      );
    },
    TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------------
// Round trips: what clip-topo writes, it reads back.

const NPY_TYPES: Record<string, { bytes: number; make: (b: ArrayBuffer) => NpyData }> = {
  '<f4': { bytes: 4, make: (b) => new Float32Array(b) },
  '<f8': { bytes: 8, make: (b) => new Float64Array(b) },
  '<i4': { bytes: 4, make: (b) => new Int32Array(b) },
  '<u4': { bytes: 4, make: (b) => new Uint32Array(b) },
  '<i8': { bytes: 8, make: (b) => new BigInt64Array(b) },
  '<i2': { bytes: 2, make: (b) => new Int16Array(b) },
  '<u2': { bytes: 2, make: (b) => new Uint16Array(b) },
  '|u1': { bytes: 1, make: (b) => new Uint8Array(b) },
  '|i1': { bytes: 1, make: (b) => new Int8Array(b) },
};

/** A typed array of `dtype` and `shape` filled with arbitrary bytes (NaN payloads and all). */
const npyArray = fc.tuple(fc.constantFrom(...Object.keys(NPY_TYPES)), fc.array(fc.nat(4), { maxLength: 3 })).chain(([dtype, shape]) => {
  const count = shape.reduce((a, b) => a * b, 1);
  return fc
    .uint8Array({ minLength: count * NPY_TYPES[dtype].bytes, maxLength: count * NPY_TYPES[dtype].bytes })
    .map((bytes) => ({ dtype, shape, data: NPY_TYPES[dtype].make(new Uint8Array(bytes).buffer) }));
});

const bytesOf = (d: NpyData) => Buffer.from(d.buffer, d.byteOffset, d.byteLength);

/** A birth, without -0 (JSON writes it as 0, which is the same birth). */
const birth = fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => x + 0);
const pairArb = fc.tuple(birth, fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constant(Infinity))).map(([b, l]): [number, number] => [b, b + l]);
const diagramsArb = fc
  .uniqueArray(fc.nat(3), { minLength: 1, maxLength: 4 })
  .chain((dims) => fc.tuple(...dims.map((dim) => fc.array(pairArb, { maxLength: 6 }).map((pairs): PersistenceDiagram => ({ dim, pairs })))));

const flat = (pairs: [number, number][]) => Float64Array.from(pairs.flat());

/** Ripser's ` [b,d)` lines as the two-column text the diagram reader takes, one section per dimension. */
function ripserSections(text: string): Map<number, string> {
  const out = new Map<number, string>();
  let dim = -1;
  for (const line of text.split('\n')) {
    const head = /^persistence intervals in dim (\d+):$/.exec(line);
    if (head) {
      dim = Number(head[1]);
      out.set(dim, '');
      continue;
    }
    const m = /^ \[([^,]+),\s*([^)]*)\)$/.exec(line);
    if (m) out.set(dim, `${out.get(dim)}${m[1]} ${m[2] === '' ? 'inf' : m[2]}\n`);
  }
  return out;
}

/** %g prints 6 significant digits: at most half a unit in the 6th, relative. */
const withinG = (x: number, y: number) => (Number.isFinite(x) ? Math.abs(x - y) <= 5e-6 * Math.abs(x) : x === y);

describe('round trips', () => {
  it('encodeNpy → parseNpy is the identity', () =>
    fc.assert(
      fc.property(npyArray, ({ dtype, shape, data }) => {
        const back = parseNpy(encodeNpy(data, shape), 'x.npy');
        expect(back.dtype).toBe(dtype);
        expect(back.shape).toEqual(shape);
        expect(bytesOf(back.data).equals(bytesOf(data))).toBe(true);
      }),
      params,
    ));

  it(
    'diagrams@1 JSON → readDiagramFiles / readDiagramFile(dim) is the identity',
    () =>
      fc.assert(
        fc.asyncProperty(diagramsArb, async (diagrams) => {
          const doc = diagramsToJson({ metric: 'euclidean', threshold: 1, maxdim: 3, coeff: 2, n: 5, diagrams });
          const path = scratch('rt.json', JSON.stringify(doc));
          const all = await readDiagramFiles(path);
          expect(all.map((d) => d.dim)).toEqual(diagrams.map((d) => d.dim));
          for (const [k, d] of diagrams.entries()) {
            expect(all[k].pairs).toEqual(flat(d.pairs));
            expect((await readDiagramFile(path, d.dim)).pairs).toEqual(flat(d.pairs));
          }
        }),
        params,
      ),
    TIMEOUT,
  );

  it('Ripser text → two-column reader gives the pairs to printed precision', () =>
    fc.assert(
      fc.property(diagramsArb, (diagrams) => {
        const sections = ripserSections(diagramsToRipserText({ diagrams }));
        expect([...sections.keys()]).toEqual(diagrams.map((d) => d.dim));
        for (const d of diagrams) {
          const got = parseDiagramText(sections.get(d.dim)!, 'r.txt').pairs;
          expect(got.length).toBe(2 * d.pairs.length);
          d.pairs.forEach(([b, e], i) => {
            expect(withinG(b, got[2 * i]), `birth ${b} vs ${got[2 * i]}`).toBe(true);
            expect(withinG(e, got[2 * i + 1]), `death ${e} vs ${got[2 * i + 1]}`).toBe(true);
          });
        }
      }),
      params,
    ));

  it(
    'integer labels → text or .npy → readLabels keeps every index',
    () =>
      fc.assert(
        fc.asyncProperty(fc.array(fc.nat(40), { minLength: 1, maxLength: 30 }), fc.constantFrom('txt', 'i4', 'i8', 'u1'), async (values, kind) => {
          const data = kind === 'i4' ? Int32Array.from(values) : kind === 'i8' ? BigInt64Array.from(values, BigInt) : Uint8Array.from(values);
          const path = kind === 'txt' ? scratch('rt-labels.txt', values.join('\n') + '\n') : scratch('rt-labels.npy', encodeNpy(data, [values.length]));
          const l = await readLabels(path);
          expect(Array.from(l.indices)).toEqual(values);
          expect(l.names).toEqual(Array.from({ length: Math.max(...values) + 1 }, (_, i) => String(i)));
        }),
        params,
      ),
    TIMEOUT,
  );

  /** A class name as a text file can hold it: one line, no surrounding space, not all digits. */
  const className = fc
    .string({ minLength: 1, maxLength: 8, unit: 'grapheme' })
    .map((s) => s.replace(/[\r\n\u2028\u2029]/g, '').trim())
    .filter((s) => s !== '' && !/^\d+$/.test(s) && !s.startsWith('\uFEFF'));

  it(
    'name labels → text → readLabels gives each line its name back',
    () =>
      fc.assert(
        fc.asyncProperty(fc.array(className, { minLength: 1, maxLength: 20 }), async (values) => {
          const l = await readLabels(scratch('rt-names.txt', values.join('\n')));
          expect(Array.from(l.indices, (i) => l.names[i])).toEqual(values);
          expect(l.names).toEqual([...new Set(values)].sort());
        }),
        params,
      ),
    TIMEOUT,
  );

  it('anglesToCsv quotes class names so a CSV reader gets them back, and anglesToJson degrees are the radians', () =>
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ maxLength: 6 }), { minLength: 2, maxLength: 4 }),
        fc.array(fc.double({ min: 0, max: Math.PI / 2, noNaN: true }), { minLength: 1, maxLength: 3 }),
        (classes, spectrum) => {
          const angles = Float64Array.from(spectrum).sort();
          const k = classes.length;
          const result: AnglesResult = {
            classes,
            center: true,
            rank: 'full',
            energy: null,
            ranks: classes.map(() => angles.length),
            min: new Float64Array(k * k),
            max: new Float64Array(k * k),
            spectra: [{ a: 0, b: 1, angles }],
            warnings: [],
          };
          const rows = readCsv(anglesToCsv(result));
          expect(rows.length).toBe(2);
          expect(rows[1].slice(0, 2)).toEqual([classes[0], classes[1]]);
          const json = JSON.parse(JSON.stringify(anglesToJson(result))) as { classes: string[]; spectra: { angles_deg: number[] }[] };
          expect(json.classes).toEqual(classes);
          json.spectra[0].angles_deg.forEach((deg, i) => expect(Math.abs((deg * Math.PI) / 180 - angles[i])).toBeLessThanOrEqual(1e-15));
        },
      ),
      params,
    ));
});

/** A strict RFC 4180 reader (quoted fields may hold commas, quotes and line breaks), for the writer's round trip. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// The JPEG decoder (libjpeg-turbo in the addon): damaged files decode, or fail with a clean error.

/** Small noisy JPEGs made by sharp: colour baseline, colour progressive, and gray. */
async function jpegBases(): Promise<Uint8Array[]> {
  const noise = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 97 + ((i * i) % 251)) & 0xff);
  const rgb = sharp(noise(24 * 16 * 3), { raw: { width: 24, height: 16, channels: 3 } });
  const gray = sharp(noise(16 * 16), { raw: { width: 16, height: 16, channels: 1 } });
  return (
    await Promise.all([
      rgb.clone().jpeg({ quality: 80 }).toBuffer(),
      rgb.clone().jpeg({ quality: 60, progressive: true }).toBuffer(),
      gray.jpeg({ quality: 90 }).toBuffer(),
    ])
  ).map((b) => new Uint8Array(b));
}

describe('JPEG decoder', () => {
  it(
    'mutations of a valid JPEG decode to a consistent image or fail with a one-line ClipTopoError',
    async () => {
      const bases = await jpegBases();
      for (const b of bases) expect(decodeJpeg(b, 1 << 20), 'the unmutated bases decode').toBeDefined();
      await fc.assert(
        fc.asyncProperty(mutationsOf(bases), (bytes) =>
          parsesOrRefuses(
            () => decodeJpeg(bytes, 1 << 16),
            (img) => {
              if (img === undefined) return;
              expect(img.width * img.height).toBeLessThanOrEqual(1 << 16);
              expect([1, 3]).toContain(img.channels);
              expect(img.pixels.length).toBe(img.width * img.height * img.channels);
            },
          ),
        ),
        params,
      );
    },
    TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------------
// Kernels on small random inputs, against brute force.

/** Multiples of 2^-20: exact in float32, so the oracle's distances are the core's (no rounding surprises). */
const dyadic = (x: number) => Math.round(x * 2 ** 20) / 2 ** 20;

/** ≤ 9 points in 1–3 dimensions: small integers (many exact ties) or dyadic reals; most in the plane, where loops are. */
const scatteredCloud = fc
  .tuple(fc.integer({ min: 1, max: 9 }), fc.constantFrom(1, 2, 2, 2, 3), fc.boolean())
  .chain(([n, d, ints]) =>
    fc
      .array(ints ? fc.integer({ min: -3, max: 3 }) : fc.double({ min: -1, max: 1, noNaN: true }).map(dyadic), { minLength: n * d, maxLength: n * d })
      .map((v) => ({ n, d, data: Float32Array.from(v) })),
  );

/** 4–9 points near a circle: nearly always an H1 bar, which scattered points rarely give. */
const noisyCircle = fc.integer({ min: 4, max: 9 }).chain((n) =>
  fc
    .array(fc.tuple(fc.double({ min: 0.7, max: 1.3, noNaN: true }), fc.double({ min: -0.3, max: 0.3, noNaN: true })), { minLength: n, maxLength: n })
    .map((noise) => ({
      n,
      d: 2,
      data: Float32Array.from(noise.flatMap(([r, t], k) => [dyadic(r * Math.cos((2 * Math.PI * k) / n + t)), dyadic(r * Math.sin((2 * Math.PI * k) / n + t))])),
    })),
);

const cloudArb = fc.oneof(scatteredCloud, noisyCircle);

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b)) + 1e-12;

/** Multiset equality of finite pairs within float32 tolerance; the message lists both when they differ. */
function expectSamePairs(got: [number, number][], want: [number, number][], what: string): void {
  const msg = `${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
  expect(got.length, msg).toBe(want.length);
  const used = new Array<boolean>(got.length).fill(false);
  for (const p of want) {
    const k = got.findIndex((g, i) => !used[i] && close(g[0], p[0]) && close(g[1], p[1]));
    expect(k, msg).toBeGreaterThanOrEqual(0);
    used[k] = true;
  }
}

const finitePairs = (pairs: [number, number][]) => pairs.filter(([, d]) => Number.isFinite(d));
const essentialCount = (pairs: [number, number][]) => pairs.filter(([, d]) => !Number.isFinite(d)).length;

describe('Rips persistence', () => {
  it(
    'H0 and H1 of ≤ 9 points equal a brute-force boundary-matrix reduction',
    () =>
      fc.assert(
        fc.asyncProperty(cloudArb, async ({ n, d, data }) => {
          const r = await rips(data, { n, d, maxdim: 1, threads: 1 });
          const want = ripsOracle(data, n, d);
          for (const dim of [0, 1]) {
            const pairs = r.diagrams.find((g) => g.dim === dim)?.pairs ?? [];
            expectSamePairs(finitePairs(pairs), want[dim].finite, `H${dim}`);
            // Ripser's cut at the enclosing radius loses nothing: the complex there is a cone, so the only
            // essential class is the one component.
            expect(essentialCount(pairs), `H${dim} essential`).toBe(want[dim].essential);
          }
          expect(want[0].essential).toBe(1);
          expect(want[1].essential).toBe(0);
        }),
        params,
      ),
    TIMEOUT,
  );

  it(
    'is invariant under a permutation of the points',
    () => {
      const input = cloudArb.chain((c) => fc.shuffledSubarray([...Array(c.n).keys()], { minLength: c.n, maxLength: c.n }).map((perm) => ({ ...c, perm })));
      return fc.assert(
        fc.asyncProperty(input, async ({ n, d, data, perm }) => {
          const shuffled = new Float32Array(n * d);
          perm.forEach((src, dst) => shuffled.set(data.subarray(src * d, (src + 1) * d), dst * d));
          const [a, b] = await Promise.all([rips(data, { n, d, threads: 1 }), rips(shuffled, { n, d, threads: 1 })]);
          const sorted = (pairs: [number, number][]) => [...pairs].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
          for (const k of [0, 1]) expect(sorted(b.diagrams[k].pairs)).toEqual(sorted(a.diagrams[k].pairs));
        }),
        params,
      );
    },
    TIMEOUT,
  );
});

/** Finite pairs: quarter-integers (ties, zero-length pairs) or arbitrary reals. */
const finitePair = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 20 })).map(([b, l]): [number, number] => [b / 4, (b + l) / 4]),
  fc.tuple(fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true })).map(([b, l]): [number, number] => [b + 0, b + l]),
);
const finiteDiagram = (maxLength: number) => fc.array(finitePair, { maxLength });
/** A diagram with essential points too (death null), as the readers hand them over. */
const anyDiagram = fc
  .tuple(finiteDiagram(8), fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { maxLength: 2 }))
  .map(([f, ess]): [number, number | null][] => [...f, ...ess.map((b): [number, number | null] => [b, null])]);

/** Exact distances (delta = 0), each as a function of two diagrams. */
const DISTANCES: Record<string, (a: readonly FinitePair[], b: readonly FinitePair[]) => Promise<number>> = {
  bottleneck: async (a, b) => (await bottleneck(a, b)).distance,
  W1: async (a, b) => (await wasserstein(a, b, { p: 1, delta: 0 })).distance,
  W2: async (a, b) => (await wasserstein(a, b, { p: 2, delta: 0 })).distance,
};

const relClose = (x: number, y: number, tol: number) => Math.abs(x - y) <= tol * Math.max(1, Math.abs(x), Math.abs(y));

describe('diagram distances', () => {
  for (const [name, dist] of Object.entries(DISTANCES)) {
    it(
      `${name}: d(A, A) = 0 and d(A, B) = d(B, A)`,
      () =>
        fc.assert(
          fc.asyncProperty(anyDiagram, anyDiagram, async (a, b) => {
            expect(await dist(a as FinitePair[], a as FinitePair[])).toBe(0);
            const ab = await dist(a as FinitePair[], b as FinitePair[]);
            const ba = await dist(b as FinitePair[], a as FinitePair[]);
            expect(ab === ba || relClose(ab, ba, 1e-12), `${ab} vs ${ba}`).toBe(true);
          }),
          params,
        ),
      TIMEOUT,
    );

    it(
      `${name}: triangle inequality`,
      () =>
        fc.assert(
          fc.asyncProperty(finiteDiagram(8), finiteDiagram(8), finiteDiagram(8), async (a, b, c) => {
            const [ac, ab, bc] = await Promise.all([dist(a, c), dist(a, b), dist(b, c)]);
            expect(ac, `d(A,C) = ${ac}, d(A,B) + d(B,C) = ${ab} + ${bc}`).toBeLessThanOrEqual(ab + bc + 1e-9);
          }),
          params,
        ),
      TIMEOUT,
    );
  }

  it(
    'bottleneck ≤ W2 ≤ W1 (L∞ ground metric: the largest cost of a matching is at most its 2-norm, which is at most its 1-norm)',
    () =>
      fc.assert(
        fc.asyncProperty(finiteDiagram(8), finiteDiagram(8), async (a, b) => {
          const [bn, w1, w2] = await Promise.all([DISTANCES.bottleneck(a, b), DISTANCES.W1(a, b), DISTANCES.W2(a, b)]);
          expect(bn).toBeLessThanOrEqual(w2 + 1e-12);
          expect(w2).toBeLessThanOrEqual(w1 + 1e-9 * Math.max(1, w1));
        }),
        params,
      ),
    TIMEOUT,
  );

  it(
    'bottleneck and exact W1, W2 equal enumeration of every matching (≤ 5 points each)',
    () =>
      fc.assert(
        fc.asyncProperty(finiteDiagram(5), finiteDiagram(5), async (a, b) => {
          const [bn, w1, w2] = await Promise.all([DISTANCES.bottleneck(a, b), DISTANCES.W1(a, b), DISTANCES.W2(a, b)]);
          expect(relClose(bn, bottleneckOracle(a, b), 1e-12), `bottleneck ${bn} vs ${bottleneckOracle(a, b)}`).toBe(true);
          expect(relClose(w1, wassersteinOracle(a, b, 1), 1e-9), `W1 ${w1} vs ${wassersteinOracle(a, b, 1)}`).toBe(true);
          expect(relClose(w2, wassersteinOracle(a, b, 2), 1e-9), `W2 ${w2} vs ${wassersteinOracle(a, b, 2)}`).toBe(true);
        }),
        params,
      ),
    TIMEOUT,
  );

  it(
    'approximate W1 (default delta 0.01) is within its relative error of the exact value',
    () =>
      fc.assert(
        fc.asyncProperty(finiteDiagram(5), finiteDiagram(5), async (a, b) => {
          const approx = (await wasserstein(a, b)).distance;
          const exact = wassersteinOracle(a, b, 1);
          expect(approx, `approx ${approx} vs exact ${exact}`).toBeGreaterThanOrEqual(exact * (1 - 1e-12));
          expect(approx, `approx ${approx} vs exact ${exact}`).toBeLessThanOrEqual(exact * 1.01 + 1e-12);
        }),
        params,
      ),
    TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------------
// Principal angles.

/** A d×p matrix (row-major) of small integers or reals: rank deficiency happens, which is the point. */
const subspacePair = fc.integer({ min: 1, max: 6 }).chain((d) =>
  fc.tuple(fc.integer({ min: 1, max: d }), fc.integer({ min: 1, max: d }), fc.boolean()).chain(([p, q, ints]) => {
    // Reals are dyadic (multiples of 2^-20): subnormal columns, which the SVD's rank test counts as zero, stay out.
    const entry = ints ? fc.integer({ min: -2, max: 2 }) : fc.double({ min: -1, max: 1, noNaN: true }).map((x) => Math.round(x * 2 ** 20) / 2 ** 20);
    const matrix = (cols: number) => fc.array(entry, { minLength: d * cols, maxLength: d * cols }).map((v) => ({ data: Float64Array.from(v), rows: d, cols }));
    return fc.tuple(matrix(p), matrix(q));
  }),
);

describe('principal angles', () => {
  it(
    'of a subspace with itself are 0; symmetric in the arguments; in [0, π/2]; one per dimension of the smaller span',
    () =>
      fc.assert(
        fc.asyncProperty(subspacePair, async ([a, b]) => {
          // A matrix of zeros spans nothing: refused (documented), in one line, instead of giving angles.
          const zero = (m: { data: Float64Array }) => m.data.every((x) => x === 0);
          if (zero(a) || zero(b)) {
            await expect(principalAngles(a, b)).rejects.toThrow(/rank 0/);
            await expect(principalAngles(b, a)).rejects.toBeInstanceOf(ClipTopoError);
            return;
          }
          const self = await principalAngles(a, a);
          for (const t of self.angles) expect(t, `self angles ${Array.from(self.angles)}`).toBeLessThan(1e-6);
          const ab = await principalAngles(a, b);
          const ba = await principalAngles(b, a);
          expect([ba.rankA, ba.rankB]).toEqual([ab.rankB, ab.rankA]);
          expect(ab.angles.length).toBe(Math.min(ab.rankA, ab.rankB));
          expect(ba.angles.length).toBe(ab.angles.length);
          // The core takes cosines from eigenvalues of MᵀM (crates/core/src/angles.rs): near 90° an ε in cos² moves
          // an angle by up to √ε ≈ 1.5e-8 rad, in each order of the arguments. Below that, the two must agree.
          const symmetryTol = 3e-8;
          ab.angles.forEach((t, i) => {
            expect(t >= 0 && t <= Math.PI / 2, `angle ${t}`).toBe(true);
            expect(Math.abs(t - ba.angles[i]), `angles(A,B) ${Array.from(ab.angles)} vs angles(B,A) ${Array.from(ba.angles)}`).toBeLessThan(symmetryTol);
          });
        }),
        params,
      ),
    TIMEOUT,
  );
});
