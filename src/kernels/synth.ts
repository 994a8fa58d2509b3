/** Typed wrapper of the synthetic texture renderer in the Rust core. */
import { addon, callNative, type Hooks } from '../native.js';

export interface SynthTexture {
  class: string;
  size: number;
  rgb: Uint8Array;
  colors: string[];
  scale: string;
  orientation?: string | null;
  detail: string;
  lighting: string;
}

export interface SynthRequest {
  class: string;
  index: number;
}

/** Renders a batch (the native core in the package; injectable for tests). */
export type SynthRenderer = (requests: SynthRequest[], size: number, seed: number, signal?: AbortSignal) => Promise<SynthTexture[]>;

/** Classes the generator can draw, in DTD's canonical order. */
export function synthClasses(): string[] {
  return addon().synthClasses();
}

export interface RenderTexturesOptions extends Hooks {
  threads?: number;
}

/** Renders RGB images (size × size × 3 bytes each) with the facts their captions state. */
export async function renderTextures(requests: SynthRequest[], size: number, seed: number, options: RenderTexturesOptions = {}): Promise<SynthTexture[]> {
  return callNative(options, (token, progress) => addon().synthRender(requests, size, seed, token, progress, options.threads));
}

/** The renderer `writeSynthDataset` expects, bound to the native core. */
export function nativeRenderer(options: RenderTexturesOptions = {}): SynthRenderer {
  return (requests, size, seed, signal) => renderTextures(requests, size, seed, { ...options, signal: signal ?? options.signal });
}
