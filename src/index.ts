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
