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
export {
  bottleneck,
  wasserstein,
  flattenDiagram,
  type DiagramInput,
  type DistanceResult,
  type MatchedPair,
  type BottleneckOptions,
  type WassersteinOptions,
} from './kernels/diagram_distance.js';
export { readDiagramFile, parseDiagramJson, parseDiagramText, type DiagramFile } from './io/diagram_file.js';
