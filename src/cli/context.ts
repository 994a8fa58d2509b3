/** What every command gets from the CLI shell: the interrupt signal and how to report progress. */
import type { ProgressFn } from '../native.js';

export interface CliContext {
  signal: AbortSignal;
  /** A progress reporter for stderr: redrawn on a terminal, a line every 30 s of long work otherwise. */
  progress(label: string): { onProgress: ProgressFn; done(): void };
}
