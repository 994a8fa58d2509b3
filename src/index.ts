/** clip-topo's library API. Everything here is also what the CLI uses. */
export { ClipTopoError, UsageError, InputError, CancelledError } from './errors.js';
export type { Hooks, ProgressFn } from './native.js';
export type { Matrix } from './kernels/matrix.js';
export {
  principalAngles,
  classSubspaceAngles,
  anglesToJson,
  anglesToCsv,
  type PrincipalAngles,
  type ClassAngles,
  type ClassAnglesOptions,
  type PairSpectrum,
} from './kernels/angles.js';
export { readNpy, readMatrix, parseNpy, encodeNpy, type NpyArray } from './io/npy.js';
export { readLabels, labelsFromIntegers, labelsFromNames, type Labels } from './io/labels.js';
export { ClipTokenizer, defaultTokenizer, SOT, EOT, CONTEXT_LENGTH, type TokenizeOptions } from './clip/tokenizer.js';
export { preprocessImage, cropRgb, normalizeInto, resizedSize, cropOffsets, CLIP_MEAN, CLIP_STD, DEFAULT_SPEC, type PreprocessSpec } from './clip/preprocess.js';
export { readModelCard, openImageTower, openTextTower, resolveModelDir, type ModelCard, type ImageTower, type TextTower } from './clip/model.js';
export { embedImages, embedTexts, embedTokens, prepareBatch, runImageBatch, l2NormalizeRows, type ImageItem, type TensorTransform } from './clip/embed.js';
export { embedDataset, zeroShotEval, readTemplates, type EmbedDatasetOptions, type EmbeddedDataset } from './clip/pipeline.js';
export { listImageFolder, type LabelledImages } from './clip/folder.js';
export { zeroShot, ensembleWeights, prompts, DTD_TEMPLATES, type ZeroShotResult } from './clip/zeroshot.js';
export { fetchModel, CATALOGUE } from './clip/fetch.js';
export { EmbeddingStore, cacheKey, type Manifest } from './store/embeddings.js';
