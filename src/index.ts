/** clip-topo's library API. Everything here is also what the CLI uses. */
export { ClipTopoError, UsageError, InputError, CancelledError } from './errors.js';
export type { Hooks, ProgressFn } from './native.js';
export type { Matrix } from './kernels/matrix.js';
export {
  principalAngles,
  classSubspaceAngles,
  type PrincipalAngles,
  type ClassAngles,
  type ClassAnglesOptions,
  type PairSpectrum,
} from './kernels/angles.js';
export { anglesToJson, anglesToCsv, type AnglesResult } from './io/angles_file.js';
export {
  rips,
  ripsFromDistances,
  ripsFromEdges,
  ripsMemoryEstimate,
  type Diagrams,
  type RipsOptions,
  type RipsMetric,
  type RipsCycle,
  type RipsCost,
  type RipsEstimate,
} from './kernels/rips.js';
export {
  trainProbe,
  evaluateProbe,
  type ProbeOptions,
  type ProbeModel,
  type ProbeStop,
  type ProbeEvaluation,
} from './kernels/probe.js';
export { readPointCloudCsv, readDistanceCsv } from './io/pointcloud.js';
export {
  tsne,
  umap,
  type TsneOptions,
  type UmapOptions,
  type TsneResult,
  type UmapResult,
  type MapResult,
} from './kernels/maps.js';
export { readNpy, readMatrix, parseNpy, encodeNpy, type NpyArray } from './io/npy.js';
export { readLabels, labelsFromIntegers, labelsFromNames, type Labels } from './io/labels.js';
export {
  summarize,
  summaryToJson,
  type DiagramSummary,
  type DiagramStatistics,
  type SummaryOptions,
  type ImageSpec,
} from './kernels/summaries.js';
export { DatasetError, SPLITS, type Dataset, type DatasetFormat, type Split, type ImageItem, type SkippedFile, type ImageCheck } from './data/types.js';
export { loadDataset, detectFormat, type LoadOptions } from './data/detect.js';
export { loadDtd, parseImdb, readJointAnnotations, DTD_CLASSES, type DtdOptions } from './data/dtd.js';
export { loadFolder, IMAGE_EXTENSIONS, type FolderOptions } from './data/folder.js';
export { loadEmbeddings, type EmbeddingsOptions } from './data/embeddings.js';
export { checkImage, DEFAULT_PIXEL_LIMIT, type ImageCheckResult } from './data/validate.js';
export { readMat, matToJs, MatError, type MatValue } from './data/mat.js';
export {
  writeSynthDataset,
  writeContactSheet,
  caption as synthCaption,
  type SynthTexture,
  type SynthRequest,
  type SynthOptions,
  type SynthResult,
} from './data/synth.js';
export { synthClasses, renderTextures, nativeRenderer } from './kernels/synth.js';
export {
  addGaussianNoise,
  addGaussianNoiseBatch,
  standardNormal,
  type NoiseSpace,
  type NoiseKey,
  type GaussianNoiseOptions,
} from './noise/gaussian.js';
export { gaussianNoiseTransform, imageIds, type NoiseSpec } from './clip/transform.js';
export {
  bottleneck,
  wasserstein,
  type DistanceResult,
  type MatchedPair,
  type BottleneckOptions,
  type WassersteinOptions,
} from './kernels/diagram_distance.js';
export {
  readDiagramFile,
  readDiagramFiles,
  parseDiagramJson,
  parseDiagramText,
  diagramsDocument,
  diagramsToJson,
  diagramsToRipserText,
  type DiagramFile,
} from './io/diagram_file.js';
export { flattenDiagram, jsonPairs, sampleGuarantee, type DiagramInput, type Pair, type PersistenceDiagram } from './diagram.js';
export { ClipTokenizer, defaultTokenizer, SOT, EOT, CONTEXT_LENGTH, type TokenizeOptions } from './clip/tokenizer.js';
export {
  preprocessImage,
  cropRgb,
  normalizeInto,
  resizedSize,
  cropOffsets,
  CLIP_MEAN,
  CLIP_STD,
  DEFAULT_SPEC,
  type PreprocessSpec,
} from './clip/preprocess.js';
export { readModelCard, openImageTower, openTextTower, resolveModelDir, type ModelCard, type ImageTower, type TextTower } from './clip/model.js';
export {
  embedImages,
  embedTexts,
  embedTokens,
  prepareBatch,
  runImageBatch,
  l2NormalizeRows,
  type ImageItem as EmbedItem,
  type TensorTransform,
} from './clip/embed.js';
export { embedDataset, zeroShotEval, readTemplates, type EmbedDatasetOptions, type EmbeddedDataset } from './clip/pipeline.js';
export { loadImageDataset, type ImageDatasetOptions } from './data/images.js';
export { zeroShot, ensembleWeights, prompts, DTD_TEMPLATES, type ZeroShotResult } from './clip/zeroshot.js';
export { fetchModel, CATALOGUE } from './clip/fetch.js';
export { EmbeddingStore, cacheKey, type Manifest } from './store/embeddings.js';
export { analyze, type AnalyzeOptions, type AnalyzeHooks, type AnalyzeProgress, type AnalyzeResult } from './analyze.js';
export { METRICS_SCHEMA, type AnalysisMetrics, type ReportInput } from './analysis/types.js';
export { spearman } from './analysis/stats.js';
export { renderReport } from './report/html.js';
export { writeReport, metricsJson, assertJsonSafe, type WrittenReport } from './report/write.js';
export { reportTables, toCsv, type CsvTable } from './report/csv.js';
export type { MapFigure, DiagramFigure, MapInfo, LevelAccuracy, LevelDiagrams, GlobalDistance, ClassDistance, Correlation } from './analysis/types.js';
