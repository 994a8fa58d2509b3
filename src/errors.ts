/** Errors the CLI turns into one line on stderr. `exitCode` 2 means the command line was wrong. */
export class ClipTopoError extends Error {
  readonly code: string;
  readonly exitCode: 1 | 2;

  constructor(message: string, code = 'ERR_CLIP_TOPO', exitCode: 1 | 2 = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClipTopoError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** The command line itself is wrong (a flag value, a missing argument, conflicting options). */
export class UsageError extends ClipTopoError {
  constructor(message: string) {
    super(message, 'ERR_USAGE', 2);
    this.name = 'UsageError';
  }
}

/** An input file or value is unusable (missing, malformed, non-finite). */
export class InputError extends ClipTopoError {
  constructor(message: string, code = 'ERR_INPUT', options?: { cause?: unknown }) {
    super(message, code, 1, options);
    this.name = 'InputError';
  }
}

/** The work was stopped by an AbortSignal. */
export class CancelledError extends ClipTopoError {
  constructor(message = 'cancelled') {
    super(message, 'ERR_CANCELLED', 1);
    this.name = 'CancelledError';
  }
}
