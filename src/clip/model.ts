/**
 * CLIP model directories (models/README.md): clip-topo's own layout (model.json + image.onnx + text.onnx),
 * the Hugging Face ONNX export layout (onnx/vision_model.onnx, onnx/text_model.onnx, tokenizer files,
 * preprocessor_config.json, config.json), or a bare pair of graphs from torch.onnx.export. Graph input
 * and output names are read from the graphs; anything unexpected is an error naming what was expected
 * and what was found.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as ort from 'onnxruntime-node';

// onnxruntime 1.30 on Linux sends usage telemetry (to mobile.events.data.microsoft.com) once a session has
// run; seen refused in test/pack/run.sh's registry-only sandbox. A study tool runs offline and quiet: off
// unless the user says otherwise (ORT_DISABLE_TELEMETRY=0). Read by the native library when it starts.
process.env.ORT_DISABLE_TELEMETRY ??= '1';

import { InputError, UsageError } from '../errors.js';
import { sha256File, sha256Hex } from '../io/hash.js';
import { externalDataFiles } from './onnx-files.js';
import { CLIP_MEAN, CLIP_STD, type PreprocessSpec } from './preprocess.js';
import { ClipTokenizer, CONTEXT_LENGTH, DEFAULT_VOCAB } from './tokenizer.js';

/** The logit scale of the released CLIP models (exp of the learned temperature, clamped at 100 in training):
 * zero-shot logits of a model whose card does not say, and the loss of embeddings made without a model. */
export const CLIP_LOGIT_SCALE = 100;

export type ModelLayout = 'clip-topo' | 'huggingface' | 'onnx-pair';

/**
 * The graph files of a Hugging Face layout, as transformers.js names them: onnx/vision_model.onnx (fp32),
 * onnx/vision_model_<variant>.onnx otherwise (the same for text_model).
 */
export const MODEL_VARIANTS = ['fp32', 'fp16', 'quantized', 'int8', 'uint8', 'q4', 'bnb4'] as const;
export type ModelVariant = (typeof MODEL_VARIANTS)[number];

export interface ReadModelOptions {
  /** Which graphs of a Hugging Face layout (default fp32: onnx/vision_model.onnx, onnx/text_model.onnx). */
  variant?: ModelVariant;
}

const towerFile = (tower: 'vision' | 'text', variant: ModelVariant) => `${tower}_model${variant === 'fp32' ? '' : `_${variant}`}.onnx`;
const TOWER_FILE = /^(vision|text)_model(?:_([A-Za-z0-9]+))?\.onnx$/;

const COMBINED_HINT =
  "export the vision and text towers as separate graphs (onnx/vision_model.onnx taking pixel_values, onnx/text_model.onnx taking input_ids; e.g. torch.onnx.export of transformers' CLIPVisionModelWithProjection and CLIPTextModelWithProjection), or use `clip-topo model fetch`";

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
  /** Hugging Face layout: the graph files found in onnx/ and the variant chosen (for the message when one is missing). */
  variants?: { found: string[]; chosen: ModelVariant };
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
    logitScale: Number(j.logit_scale ?? CLIP_LOGIT_SCALE),
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

/**
 * The side S of a preprocessor_config.json that describes CLIP's transform (resize the short side to S,
 * centre crop S×S); anything else (an exact height×width resize, no crop, no resize, a non-square crop)
 * is refused in one line rather than silently run as that transform.
 */
function huggingFaceCrop(pre: Record<string, unknown>, where: string): number {
  const refuse = (why: string) =>
    new InputError(
      `${where}: ${why}; clip-topo only does CLIP's transform (short side resized to S, centre crop S×S: size {"shortest_edge": S}, crop_size S, do_center_crop true)`,
      'ERR_MODEL',
    );
  const noCrop = pre.do_center_crop === false;
  if (pre.do_resize === false) throw refuse('do_resize is false (images are not resized)');
  let short: number | undefined;
  const size = pre.size;
  if (typeof size === 'number')
    short = size; // the old integer form means the shortest edge
  else if (size && typeof size === 'object') {
    const o = size as Record<string, unknown>;
    if (typeof o.shortest_edge === 'number') short = o.shortest_edge;
    else if (typeof o.height === 'number' || typeof o.width === 'number')
      throw refuse(
        `size ${JSON.stringify(size)} resizes every image to exactly ${String(o.height)}×${String(o.width)} (height×width, aspect ratio not kept)${noCrop ? ' and do_center_crop is false' : ''}`,
      );
    else throw refuse(`size ${JSON.stringify(size)} is not a form clip-topo knows`);
  } else if (size !== undefined) throw refuse(`size ${JSON.stringify(size)} is not a form clip-topo knows`);
  if (noCrop) throw refuse('do_center_crop is false (the resized image is not cropped)');
  let crop: number | undefined;
  const cs = pre.crop_size;
  if (typeof cs === 'number') crop = cs;
  else if (cs && typeof cs === 'object') {
    const o = cs as Record<string, unknown>;
    if (typeof o.height !== 'number' || o.height !== o.width) throw refuse(`crop_size ${JSON.stringify(cs)} is not a square`);
    crop = o.height;
  } else if (cs !== undefined) throw refuse(`crop_size ${JSON.stringify(cs)} is not a form clip-topo knows`);
  crop ??= 224;
  short ??= crop;
  if (short !== crop) throw new InputError(`${where}: resize to ${short} then crop ${crop} is not CLIP's transform (both equal); not supported`, 'ERR_MODEL');
  return crop;
}

function loadHuggingFace(dir: string, found: string[], variant: ModelVariant | undefined): ModelCard {
  const chosen = variant ?? 'fp32';
  const has = (f: string) => found.includes(f);
  // Every command embeds images: a missing vision graph is reported here, naming the graphs that are there,
  // unless the folder has no vision graph at all but this variant's text graph (a text-only use).
  const otherVision = MODEL_VARIANTS.filter((v) => v !== chosen && has(towerFile('vision', v)));
  if (!has(towerFile('vision', chosen)) && (otherVision.length > 0 || !has(towerFile('text', chosen)))) {
    const others = MODEL_VARIANTS.filter((v) => v !== chosen && (has(towerFile('vision', v)) || has(towerFile('text', v))));
    const use =
      others.length > 0
        ? `: pass --variant ${others.join(' or --variant ')} (or name the graphs onnx/vision_model.onnx and onnx/text_model.onnx)`
        : ` (none of them a variant clip-topo knows: ${MODEL_VARIANTS.map((v) => towerFile('vision', v)).join(', ')})`;
    throw new InputError(
      `${dir}: no onnx/${towerFile('vision', chosen)} (${chosen === 'fp32' ? 'the fp32 graph' : `--variant ${chosen}`}); found ${found.map((f) => `onnx/${f}`).join(', ')}${use}`,
      'ERR_MODEL',
    );
  }
  const warnings: string[] = [];
  const pre = existsSync(join(dir, 'preprocessor_config.json')) ? readJson(join(dir, 'preprocessor_config.json')) : {};
  const cfg = existsSync(join(dir, 'config.json')) ? readJson(join(dir, 'config.json')) : {};
  const crop = huggingFaceCrop(pre, join(dir, 'preprocessor_config.json'));
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
    logitScale: CLIP_LOGIT_SCALE,
    imagePath: join(dir, 'onnx', towerFile('vision', chosen)),
    textPath: join(dir, 'onnx', towerFile('text', chosen)),
    image: {},
    text: {},
    tokenizer,
    warnings,
    variants: { found, chosen },
  };
}

/** The Hugging Face tower graphs in <dir>/onnx (vision_model*.onnx, text_model*.onnx), sorted. */
function towerFiles(dir: string): string[] {
  try {
    return readdirSync(join(dir, 'onnx'))
      .filter((f) => TOWER_FILE.test(f))
      .sort();
  } catch {
    return [];
  }
}

/** Reads a model directory's description (no graph is loaded yet). */
export function readModelCard(dir: string, opts: ReadModelOptions = {}): ModelCard {
  const abs = resolve(dir);
  if (!existsSync(abs)) throw new InputError(`${dir}: model directory not found`, 'ERR_MODEL');
  if (opts.variant !== undefined && !MODEL_VARIANTS.includes(opts.variant))
    throw new UsageError(`variant "${String(opts.variant)}" is not one of ${MODEL_VARIANTS.join(', ')}`);
  const variantOnlyHf = () => {
    if (opts.variant && opts.variant !== 'fp32')
      throw new UsageError(
        `${dir}: --variant ${opts.variant} picks onnx/vision_model_${opts.variant}.onnx of a Hugging Face layout; this directory is not one`,
      );
  };
  if (existsSync(join(abs, 'model.json'))) {
    variantOnlyHf();
    return loadOwn(abs);
  }
  const found = towerFiles(abs);
  if (found.length > 0) return loadHuggingFace(abs, found, opts.variant);
  if (existsSync(join(abs, 'image.onnx')) && existsSync(join(abs, 'text.onnx'))) {
    variantOnlyHf();
    const card = loadOwn0(abs);
    card.warnings.push('no model.json: assuming OpenAI CLIP conventions (224 px, CLIP mean/std, 77 tokens, logit scale 100)');
    return card;
  }
  for (const combined of [join('onnx', 'model.onnx'), 'model.onnx']) {
    if (existsSync(join(abs, combined)))
      throw new InputError(
        `${dir}: ${combined} looks like optimum's combined CLIP graph (both towers in one), which clip-topo does not run: ${COMBINED_HINT}`,
        'ERR_MODEL',
      );
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
    logitScale: CLIP_LOGIT_SCALE,
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
  // A file that is no graph at all is onnxruntime's to report (it names what it could not load).
  const external = await externalDataFiles(path).catch(() => [] as string[]);
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

/** A graph's fixed batch size: the first dimension of its input when that is a number, not a symbol. */
function fixedBatch(meta: ort.InferenceSession.ValueMetadata | undefined): number | undefined {
  if (!meta?.isTensor) return undefined;
  const b = meta.shape[0];
  return typeof b === 'number' && Number.isInteger(b) && b > 0 ? b : undefined;
}

/** A missing tower graph of a Hugging Face layout: one line naming the graphs that are there. */
function requireTower(card: ModelCard, path: string): void {
  if (!card.variants || existsSync(path)) return;
  const { found, chosen } = card.variants;
  const tower = path === card.imagePath ? 'vision' : 'text';
  const same = MODEL_VARIANTS.filter((v) => v !== chosen && found.includes(towerFile(tower, v)));
  const use = same.length > 0 ? `: pass --variant ${same.join(' or --variant ')}` : '';
  throw new InputError(`${path}: graph file not found (--variant ${chosen}); ${card.dir}/onnx holds ${found.join(', ')}${use}`, 'ERR_MODEL');
}

/** optimum's combined export (one graph, both towers): refused in one line. */
function refuseCombined(s: ort.InferenceSession, path: string): void {
  if (s.inputNames.includes('pixel_values') && s.inputNames.includes('input_ids'))
    throw new InputError(`${path}: a combined CLIP graph (inputs ${s.inputNames.join(', ')}), which clip-topo does not run: ${COMBINED_HINT}`, 'ERR_MODEL');
}

/** Runs `check` on a new session; the session is released if it throws. */
async function checked<T>(session: ort.InferenceSession, check: () => T): Promise<T> {
  try {
    return check();
  } catch (err) {
    await session.release().catch(() => undefined);
    throw err;
  }
}

export interface ImageTower {
  session: ort.InferenceSession;
  sha256: string;
  names: GraphNames;
  /** The batch size the graph was exported with, when fixed (undefined: any batch). */
  batch?: number;
  /** Element type of the pixel input (fp16 exports take float16). */
  pixelType: 'float32' | 'float16';
}

export async function openImageTower(card: ModelCard, opts: SessionOptions = {}): Promise<ImageTower> {
  requireTower(card, card.imagePath);
  const { session, sha256 } = await openSession(card.imagePath, opts, card.imageSha256);
  return checked(session, () => {
    const all = describeGraph(session);
    refuseCombined(session, card.imagePath);
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
    const meta = session.inputMetadata.find((m) => m.name === input);
    let pixelType: ImageTower['pixelType'] = 'float32';
    if (meta?.isTensor) {
      if (meta.type !== 'float32' && meta.type !== 'float16')
        throw new InputError(`${card.imagePath}: input ${input} takes ${meta.type}; clip-topo feeds float32 or float16 pixels`, 'ERR_MODEL');
      pixelType = meta.type;
      const [, c, h, w] = meta.shape;
      const S = card.preprocess.size;
      if (meta.shape.length === 4 && ((typeof c === 'number' && c !== 3) || (typeof h === 'number' && h !== S) || (typeof w === 'number' && w !== S)))
        throw new InputError(
          `${card.imagePath}: input ${input} has shape [${meta.shape.join(', ')}], but the model directory describes ${S}×${S} RGB images [batch, 3, ${S}, ${S}]`,
          'ERR_MODEL',
        );
    }
    return { session, sha256, names: { input, output }, batch: fixedBatch(meta), pixelType };
  });
}

export interface TextTower {
  session: ort.InferenceSession;
  sha256: string;
  names: GraphNames;
  /** The batch size the graph was exported with, when fixed (undefined: any batch). */
  batch?: number;
}

export async function openTextTower(card: ModelCard, opts: SessionOptions = {}): Promise<TextTower> {
  requireTower(card, card.textPath);
  const { session, sha256 } = await openSession(card.textPath, opts, card.textSha256);
  return checked(session, () => {
    const all = describeGraph(session);
    refuseCombined(session, card.textPath);
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
    const ctx = meta?.isTensor ? meta.shape[1] : undefined;
    if (typeof ctx === 'number' && ctx !== card.contextLength)
      throw new InputError(`${card.textPath}: input ${input} takes ${ctx} tokens, the model directory says ${card.contextLength}`, 'ERR_MODEL');
    return {
      session,
      sha256,
      names: { input, output, mask: session.inputNames.includes('attention_mask') ? 'attention_mask' : undefined, idType },
      batch: fixedBatch(meta),
    };
  });
}
