/**
 * The files an ONNX graph loads besides itself: tensors stored as external data (`data_location =
 * EXTERNAL`, `external_data { key: "location" value: "<file>" }`, relative to the graph's folder), as
 * torch.onnx.export and onnx.save(..., save_as_external_data=True) write for large models
 * (`model.onnx.data`, `model.onnx_data`, one file per tensor). A cache keyed on the .onnx alone would
 * reuse old embeddings after the weights beside it changed, so the key covers these files too.
 *
 * A minimal protobuf walk (wire format only) over ModelProto → GraphProto → initializers, sparse
 * initializers and node attributes (tensors and subgraphs), reading the file through a small window so a
 * graph with gigabytes of inline weights is skipped over, not read into memory.
 */
import { open, type FileHandle } from 'node:fs/promises';

import { InputError } from '../errors.js';

// Field numbers from onnx.proto (ONNX IR).
const MODEL_GRAPH = 7;
const MODEL_FUNCTIONS = 25;
const FUNCTION_NODE = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_SPARSE_INITIALIZER = 15;
const NODE_ATTRIBUTE = 5;
const ATTR_T = 5;
const ATTR_G = 6;
const ATTR_TENSORS = 10;
const ATTR_GRAPHS = 11;
const ATTR_SPARSE_TENSOR = 22;
const ATTR_SPARSE_TENSORS = 23;
const SPARSE_VALUES = 1;
const SPARSE_INDICES = 2;
const TENSOR_EXTERNAL_DATA = 13;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

const WINDOW = 1 << 16;

/** Byte access to a file through one cached window: the walk reads tags and lengths, and skips payloads. */
class Bytes {
  private buf = Buffer.alloc(WINDOW);
  private start = 0;
  private end = 0;
  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    private readonly path: string,
  ) {}

  async byte(pos: number): Promise<number> {
    if (pos < this.start || pos >= this.end) {
      if (pos >= this.size) throw new InputError(`${this.path}: not an ONNX graph (truncated protobuf at byte ${pos})`, 'ERR_MODEL');
      const { bytesRead } = await this.fh.read(this.buf, 0, WINDOW, pos);
      this.start = pos;
      this.end = pos + bytesRead;
    }
    return this.buf[pos - this.start];
  }

  async slice(pos: number, len: number): Promise<Buffer> {
    if (pos + len > this.size) throw new InputError(`${this.path}: not an ONNX graph (a field runs past the end)`, 'ERR_MODEL');
    const out = Buffer.alloc(len);
    await this.fh.read(out, 0, len, pos);
    return out;
  }

  /** A varint at pos: its value (exact below 2^53) and the position after it. */
  async varint(pos: number): Promise<[number, number]> {
    let v = 0;
    let mul = 1;
    for (let k = 0; k < 10; k++) {
      const b = await this.byte(pos++);
      v += (b & 0x7f) * mul;
      if (b < 0x80) return [v, pos];
      mul *= 128;
    }
    throw new InputError(`${this.path}: not an ONNX graph (a varint longer than 10 bytes)`, 'ERR_MODEL');
  }
}

interface Field {
  num: number;
  /** Start and end of a length-delimited payload. */
  from: number;
  to: number;
  wire: number;
}

/** The fields of the message in [from, to). */
async function* fields(b: Bytes, from: number, to: number, path: string): AsyncGenerator<Field> {
  let pos = from;
  while (pos < to) {
    const [tag, p] = await b.varint(pos);
    const num = Math.floor(tag / 8);
    const wire = tag % 8;
    pos = p;
    if (wire === 0) pos = (await b.varint(pos))[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, q] = await b.varint(pos);
      if (q + len > to) throw new InputError(`${path}: not an ONNX graph (a field runs past its message)`, 'ERR_MODEL');
      yield { num, from: q, to: q + len, wire };
      pos = q + len;
    } else throw new InputError(`${path}: not an ONNX graph (protobuf wire type ${wire})`, 'ERR_MODEL');
  }
}

async function tensor(b: Bytes, f: Field, path: string, out: Set<string>): Promise<void> {
  for await (const e of fields(b, f.from, f.to, path)) {
    if (e.num !== TENSOR_EXTERNAL_DATA || e.wire !== 2) continue;
    let key = '';
    let value = '';
    for await (const kv of fields(b, e.from, e.to, path)) {
      if (kv.wire !== 2) continue;
      if (kv.num === ENTRY_KEY) key = (await b.slice(kv.from, kv.to - kv.from)).toString('utf8');
      if (kv.num === ENTRY_VALUE) value = (await b.slice(kv.from, kv.to - kv.from)).toString('utf8');
    }
    if (key === 'location' && value) out.add(value);
  }
}

async function sparse(b: Bytes, f: Field, path: string, out: Set<string>): Promise<void> {
  for await (const e of fields(b, f.from, f.to, path)) if (e.wire === 2 && (e.num === SPARSE_VALUES || e.num === SPARSE_INDICES)) await tensor(b, e, path, out);
}

async function node(b: Bytes, f: Field, path: string, out: Set<string>): Promise<void> {
  for await (const a of fields(b, f.from, f.to, path)) {
    if (a.num !== NODE_ATTRIBUTE || a.wire !== 2) continue;
    for await (const v of fields(b, a.from, a.to, path)) {
      if (v.wire !== 2) continue;
      if (v.num === ATTR_T || v.num === ATTR_TENSORS) await tensor(b, v, path, out);
      else if (v.num === ATTR_SPARSE_TENSOR || v.num === ATTR_SPARSE_TENSORS) await sparse(b, v, path, out);
      else if (v.num === ATTR_G || v.num === ATTR_GRAPHS) await graph(b, v, path, out);
    }
  }
}

async function graph(b: Bytes, f: Field, path: string, out: Set<string>): Promise<void> {
  for await (const g of fields(b, f.from, f.to, path)) {
    if (g.wire !== 2) continue;
    if (g.num === GRAPH_INITIALIZER) await tensor(b, g, path, out);
    else if (g.num === GRAPH_SPARSE_INITIALIZER) await sparse(b, g, path, out);
    else if (g.num === GRAPH_NODE) await node(b, g, path, out);
  }
}

/** The external data files `path`'s graph names (relative to its folder, as written), sorted. */
export async function externalDataFiles(path: string): Promise<string[]> {
  const fh = await open(path, 'r');
  try {
    const b = new Bytes(fh, (await fh.stat()).size, path);
    const out = new Set<string>();
    for await (const m of fields(b, 0, b.size, path)) {
      if (m.wire !== 2) continue;
      if (m.num === MODEL_GRAPH) await graph(b, m, path, out);
      else if (m.num === MODEL_FUNCTIONS)
        for await (const fn of fields(b, m.from, m.to, path)) if (fn.num === FUNCTION_NODE && fn.wire === 2) await node(b, fn, path, out);
    }
    return [...out].sort();
  } finally {
    await fh.close();
  }
}
