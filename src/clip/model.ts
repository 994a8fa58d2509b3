/**
 * CLIP model directories (models/README.md): clip-topo's own layout (model.json + image.onnx + text.onnx),
 * the Hugging Face ONNX export layout (onnx/vision_model.onnx, onnx/text_model.onnx, tokenizer files,
 * preprocessor_config.json, config.json), or a bare pair of graphs from torch.onnx.export. Graph input
 * and output names are read from the graphs; anything unexpected is an error naming what was expected
 * and what was found.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as ort from 'onnxruntime-node';

import { InputError, UsageError } from '../errors.js';
import { sha256File, sha256Hex } from '../io/hash.js';
import { externalDataFiles } from './onnx-files.js';
import { CLIP_MEAN, CLIP_STD, type PreprocessSpec } from './preprocess.js';
import { ClipTokenizer, CONTEXT_LENGTH, DEFAULT_VOCAB } from './tokenizer.js';

export type ModelLayout = 'clip-topo' | 'huggingface' | 'onnx-pair';

export interface GraphNames {
  input: string;
  output: string;
  /** Text graphs exported from Hugging Face may also take an attention mask. */
  mask?: string;
  /** Element type of the token input. */
  idType?: 'int64' | 'int32';
}

export interface ModelCard {
  dir: string;
  layout: ModelLayout;
  name: string;
  embedDim?: number;
  preprocess: PreprocessSpec;
  interpolation: 'bicubic';
  contextLength: number;
  logitScale: number;
  imagePath: string;
  textPath: string;
  imageSha256?: string;
  textSha256?: string;
  image: Partial<GraphNames>;
  text: Partial<GraphNames>;
  tokenizer: () => ClipTokenizer;
  warnings: string[];
}

/** The model used when neither --model nor CLIP_TOPO_MODEL is given: clip-topo's own small CLIP (models/clip-topo-mini). */
export const DEFAULT_MODEL_NAME = 'clip-topo-mini';
// From src/clip/ and dist/clip/ alike the package root is two levels up, in the repository and in an installed package.
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL(`../../models/${DEFAULT_MODEL_NAME}`, import.meta.url));

export const NO_MODEL_HINT = `the default model (${DEFAULT_MODEL_DIR}) is missing: pass --model <dir> (a directory with model.json + image.onnx + text.onnx, or a Hugging Face ONNX export; see models/README.md), set CLIP_TOPO_MODEL, or run \`clip-topo model fetch <name> --to <dir>\``;

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new InputError(`${path}: cannot read JSON (${(err as Error).message})`, 'ERR_MODEL');
  }
}

function triple(v: unknown, where: string): [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new InputError(`${where}: expected three numbers, found ${JSON.stringify(v)}`, 'ERR_MODEL');
  }
  return [v[0], v[1], v[2]];
}

function tokenizerFromMerges(merges: string[], where: string, vocab?: Record<string, number>): ClipTokenizer {
  const tok = ClipTokenizer.fromMerges(merges, where);
  if (vocab) tok.checkVocabulary(vocab, where);
  return tok;
}

function loadOwn(dir: string): ModelCard {
  const where = join(dir, 'model.json');
  const j = readJson(where);
  const img = (j.image ?? {}) as Record<string, string>;
  const txt = (j.text ?? {}) as Record<string, string>;
  const vocab = (j.vocab ?? {}) as Record<string, string>;
  if (j.interpolation !== undefined && j.interpolation !== 'bicubic') {
    throw new InputError(`${where}: interpolation "${String(j.interpolation)}" is not supported (CLIP uses "bicubic")`, 'ERR_MODEL');
  }
  const size = Number(j.image_size ?? 224);
  if (!Number.isInteger(size) || size < 1) throw new InputError(`${where}: image_size must be a positive integer`, 'ERR_MODEL');
  const vocabPath = vocab.file ? resolve(dir, vocab.file) : DEFAULT_VOCAB;
  return {
    dir,
    layout: 'clip-topo',
    name: String(j.name ?? dir),
    embedDim: typeof j.embed_dim === 'number' ? j.embed_dim : undefined,
    preprocess: { size, mean: j.mean ? triple(j.mean, `${where} mean`) : CLIP_MEAN, std: j.std ? triple(j.std, `${where} std`) : CLIP_STD },
    interpolation: 'bicubic',
    contextLength: Number(j.context_length ?? CONTEXT_LENGTH),
    logitScale: Number(j.logit_scale ?? 100),
    imagePath: join(dir, img.file ?? 'image.onnx'),
    textPath: join(dir, txt.file ?? 'text.onnx'),
    imageSha256: img.sha256,
    textSha256: txt.sha256,
    image: { input: img.input, output: img.output },
    text: { input: txt.input, output: txt.output },
    tokenizer: () => {
      const tok = ClipTokenizer.fromFile(vocabPath);
      if (vocab.sha256) {
        const got = sha256Hex(readFileSync(vocabPath));
        if (got !== vocab.sha256) throw new InputError(`${String(vocabPath)}: sha256 ${got} differs from ${where}'s ${vocab.sha256}`, 'ERR_MODEL');
      }
      return tok;
    },
    warnings: [],
  };
}

function loadHuggingFace(dir: string): ModelCard {
  const warnings: string[] = [];
  const pre = existsSync(join(dir, 'preprocessor_config.json')) ? readJson(join(dir, 'preprocessor_config.json')) : {};
  const cfg = existsSync(join(dir, 'config.json')) ? readJson(join(dir, 'config.json')) : {};
  const sizeOf = (v: unknown): number | undefined => {
    if (typeof v === 'number') return v;
    if (v && typeof v === 'object') {
      const o = v as Record<string, number>;
      return o.shortest_edge ?? o.height ?? o.width;
    }
    return undefined;
  };
  const crop = sizeOf(pre.crop_size) ?? 224;
  const short = sizeOf(pre.size) ?? crop;
  if (short !== crop) {
    throw new InputError(
      `${dir}/preprocessor_config.json: resize to ${short} then crop ${crop} is not CLIP's transform (both equal); not supported`,
      'ERR_MODEL',
    );
  }
  if (pre.resample !== undefined && pre.resample !== 3) {
    throw new InputError(`${dir}/preprocessor_config.json: resample ${String(pre.resample)} is not bicubic (3); not supported`, 'ERR_MODEL');
  }
  const textCfg = (cfg.text_config ?? {}) as Record<string, number>;
  // config.json holds only the *initial* logit scale (2.6592 = ln(1/0.07)); trained CLIP models end at 100.
  warnings.push('Hugging Face layout: logit scale taken as 100 (the trained value of OpenAI CLIP); config.json only records its initial value');
  const tokenizer = () => {
    const tj = join(dir, 'tokenizer.json');
    if (existsSync(tj)) {
      const t = readJson(tj) as { model?: { merges?: (string | string[])[]; vocab?: Record<string, number> } };
      const merges = (t.model?.merges ?? []).map((m) => (Array.isArray(m) ? m.join(' ') : m));
      return tokenizerFromMerges(merges, tj, t.model?.vocab);
    }
    const mt = join(dir, 'merges.txt');
    if (existsSync(mt)) {
      const lines = readFileSync(mt, 'utf8')
        .split('\n')
        .filter((l) => l.length > 0 && !l.startsWith('#version'));
      const vj = join(dir, 'vocab.json');
      return tokenizerFromMerges(lines, mt, existsSync(vj) ? (readJson(vj) as Record<string, number>) : undefined);
    }
    warnings.push('no tokenizer.json or merges.txt: using the bundled bpe_simple_vocab_16e6');
    return ClipTokenizer.fromFile();
  };
  return {
    dir,
    layout: 'huggingface',
    name: String(cfg._name_or_path ?? dir),
    embedDim: typeof cfg.projection_dim === 'number' ? cfg.projection_dim : undefined,
    preprocess: {
      size: crop,
      mean: pre.image_mean ? triple(pre.image_mean, `${dir}/preprocessor_config.json image_mean`) : CLIP_MEAN,
      std: pre.image_std ? triple(pre.image_std, `${dir}/preprocessor_config.json image_std`) : CLIP_STD,
    },
    interpolation: 'bicubic',
    contextLength: Number(textCfg.max_position_embeddings ?? CONTEXT_LENGTH),
    logitScale: 100,
    imagePath: join(dir, 'onnx', 'vision_model.onnx'),
    textPath: join(dir, 'onnx', 'text_model.onnx'),
    image: {},
    text: {},
    tokenizer,
    warnings,
  };
}

/** Reads a model directory's description (no graph is loaded yet). */
export function readModelCard(dir: string): ModelCard {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new InputError(`${dir}: model directory not found`, 'ERR_MODEL');
  if (existsSync(join(abs, 'model.json'))) return loadOwn(abs);
  if (existsSync(join(abs, 'onnx', 'vision_model.onnx')) || existsSync(join(abs, 'onnx', 'text_model.onnx'))) return loadHuggingFace(abs);
  if (existsSync(join(abs, 'image.onnx')) && existsSync(join(abs, 'text.onnx'))) {
    const card = loadOwn0(abs);
    card.warnings.push('no model.json: assuming OpenAI CLIP conventions (224 px, CLIP mean/std, 77 tokens, logit scale 100)');
    return card;
  }
  throw new InputError(
    `${dir}: not a CLIP model directory: expected model.json + image.onnx + text.onnx, or onnx/vision_model.onnx + onnx/text_model.onnx (Hugging Face export); see models/README.md`,
    'ERR_MODEL',
  );
}

function loadOwn0(dir: string): ModelCard {
  return {
    dir,
    layout: 'onnx-pair',
    name: dir,
    preprocess: { size: 224, mean: CLIP_MEAN, std: CLIP_STD },
    interpolation: 'bicubic',
    contextLength: CONTEXT_LENGTH,
    logitScale: 100,
    imagePath: join(dir, 'image.onnx'),
    textPath: join(dir, 'text.onnx'),
    image: {},
    text: {},
    tokenizer: () => ClipTokenizer.fromFile(),
    warnings: [],
  };
}

/**
 * The model directory: --model, else CLIP_TOPO_MODEL (an empty value counts as unset), else the packaged
 * default (DEFAULT_MODEL_DIR). A missing packaged model is a usage error with a one-line hint.
 */
export function resolveModelDir(flag: string | undefined): string {
  const dir = flag ?? (process.env.CLIP_TOPO_MODEL || undefined);
  if (dir) return dir;
  if (!existsSync(join(DEFAULT_MODEL_DIR, 'model.json'))) throw new UsageError(NO_MODEL_HINT);
  return DEFAULT_MODEL_DIR;
}

function pick(found: readonly string[], declared: string | undefined, preferred: string[], what: string, where: string, all: string): string {
  if (declared) {
    if (found.includes(declared)) return declared;
    throw new InputError(`${where}: expected ${what} "${declared}" (as model.json says), found ${all}`, 'ERR_MODEL');
  }
  for (const p of preferred) if (found.includes(p)) return p;
  if (found.length === 1) return found[0];
  throw new InputError(`${where}: expected ${what} named ${preferred.join(' or ')} (or a single one), found ${all}`, 'ERR_MODEL');
}

function describeGraph(s: ort.InferenceSession): string {
  return `inputs [${s.inputNames.join(', ')}], outputs [${s.outputNames.join(', ')}]`;
}

export interface SessionOptions {
  /** Intra-op threads of onnxruntime (default: all cores). */
  threads?: number;
  /**
   * The graph's sha256 when the caller has already computed it, or a promise of it: the session is then
   * created while the hash is being computed (two cores instead of one), and released unused if the
   * promise rejects (e.g. a pinned hash that does not match), whose error is the one reported.
   */
  sha256?: string | Promise<string>;
  /** Let idle onnxruntime threads spin (onnxruntime's default); off unless asked. */
  spin?: boolean;
}

/**
 * The digest caches key a graph on: the sha256 of the graph file (checked against the pin in model.json
 * when there is one), or, when its tensors live in external data files beside it (onnx-files.ts), the
 * sha256 of the graph's and every such file's sha256 — new weights in `model.onnx.data` under an unchanged
 * `model.onnx` must not reuse old embeddings. A graph without external data keeps its plain sha256.
 */
export async function checkedSha256(path: string, expectSha?: string): Promise<string> {
  if (!existsSync(path)) throw new InputError(`${path}: graph file not found`, 'ERR_MODEL');
  const sha256 = await sha256File(path);
  if (expectSha && sha256 !== expectSha) {
    throw new InputError(`${path}: sha256 is ${sha256}, model.json says ${expectSha}: the file is damaged or was replaced`, 'ERR_MODEL');
  }
  const external = await externalDataFiles(path);
  if (external.length === 0) return sha256;
  const data: Record<string, string> = {};
  for (const loc of external) {
    const file = join(dirname(path), loc);
    if (!existsSync(file)) throw new InputError(`${path}: its weights are in ${loc}, which is not beside it; copy ${loc} into ${dirname(path)}`, 'ERR_MODEL');
    data[loc] = await sha256File(file);
  }
  return sha256Hex(JSON.stringify({ graph: sha256, external: data }));
}

async function openSession(path: string, opts: SessionOptions, expectSha?: string): Promise<{ session: ort.InferenceSession; sha256: string }> {
  if (opts.sha256 instanceof Promise) {
    const pending = createSession(path, opts);
    pending.catch(() => undefined); // awaited below, or released if the hash fails first
    let sha256: string;
    try {
      sha256 = await opts.sha256;
    } catch (err) {
      pending.then((s) => s.release()).catch(() => undefined);
      throw err;
    }
    return { session: await pending, sha256 };
  }
  const sha256 = opts.sha256 ?? (await checkedSha256(path, expectSha));
  return { session: await createSession(path, opts), sha256 };
}

async function createSession(path: string, opts: SessionOptions): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      intraOpNumThreads: opts.threads ?? 0,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // Idle onnxruntime workers spin by default, taking the CPU that decoding and preprocessing the
      // next batch need; on a machine with few cores that costs more than it saves.
      extra: { session: { intra_op: { allow_spinning: opts.spin ? '1' : '0' }, inter_op: { allow_spinning: opts.spin ? '1' : '0' } } },
    });
  } catch (err) {
    throw new InputError(`${path}: onnxruntime cannot load it (${(err as Error).message.split('\n')[0]})`, 'ERR_MODEL');
  }
}

export interface ImageTower {
  session: ort.InferenceSession;
  sha256: string;
  names: GraphNames;
}

export async function openImageTower(card: ModelCard, opts: SessionOptions = {}): Promise<ImageTower> {
  const { session, sha256 } = await openSession(card.imagePath, opts, card.imageSha256);
  const all = describeGraph(session);
  const input = pick(session.inputNames, card.image.input, ['pixel_values', 'image', 'images', 'input'], 'an image input', card.imagePath, all);
  const output = pick(
    session.outputNames,
    card.image.output,
    ['image_embeds', 'image_features', 'embeds', 'output'],
    'an embedding output',
    card.imagePath,
    all,
  );
  if (session.inputNames.length !== 1) {
    throw new InputError(`${card.imagePath}: expected one input (the image batch), found ${all}`, 'ERR_MODEL');
  }
  return { session, sha256, names: { input, output } };
}

export interface TextTower {
  session: ort.InferenceSession;
  sha256: string;
  names: GraphNames;
}

export async function openTextTower(card: ModelCard, opts: SessionOptions = {}): Promise<TextTower> {
  const { session, sha256 } = await openSession(card.textPath, opts, card.textSha256);
  const all = describeGraph(session);
  const input = pick(
    session.inputNames.filter((n) => n !== 'attention_mask'),
    card.text.input,
    ['input_ids', 'text', 'tokens', 'input'],
    'a token input',
    card.textPath,
    all,
  );
  const output = pick(session.outputNames, card.text.output, ['text_embeds', 'text_features', 'embeds', 'output'], 'an embedding output', card.textPath, all);
  const extra = session.inputNames.filter((n) => n !== input && n !== 'attention_mask');
  if (extra.length > 0)
    throw new InputError(
      `${card.textPath}: unexpected inputs [${extra.join(', ')}]: expected ${input} (and optionally attention_mask), found ${all}`,
      'ERR_MODEL',
    );
  const meta = session.inputMetadata.find((m) => m.name === input);
  const idType = meta?.isTensor && meta.type === 'int32' ? 'int32' : 'int64';
  return { session, sha256, names: { input, output, mask: session.inputNames.includes('attention_mask') ? 'attention_mask' : undefined, idType } };
}
