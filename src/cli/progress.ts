/**
 * Progress on stderr: a one-line display redrawn in place when stderr is a terminal; otherwise (a log, a
 * pipe) nothing for short work and one plain line every `quietMs` once it has run that long, so a job that
 * takes minutes still says what it is doing without filling logs with redraws.
 */
import type { ProgressFn } from '../native.js';

export interface ProgressOptions {
  tty?: boolean;
  write?: (s: string) => void;
  now?: () => number;
  /** Off a terminal: first line after this long, then one per this long (default 30 s). */
  quietMs?: number;
}

export function stderrProgress(label: string, o: ProgressOptions = {}): { onProgress: ProgressFn; done(): void } {
  const tty = o.tty ?? process.stderr.isTTY === true;
  const write = o.write ?? ((s: string) => void process.stderr.write(s));
  const now = o.now ?? Date.now;
  const quietMs = o.quietMs ?? 30_000;
  const start = now();
  let last = tty ? 0 : start;
  let shown = false;
  const onProgress: ProgressFn = (stage, done, total) => {
    const t = now();
    const pct = total > 0 ? ` ${((100 * done) / total).toFixed(0)}%` : '';
    const text = `${label}: ${stage} ${done}${total > 0 ? `/${total}` : ''}${pct}`;
    if (!tty) {
      if (t - last < quietMs) return;
      last = t;
      write(`${text} (${Math.round((t - start) / 1000)} s)\n`);
      return;
    }
    if (t - last < 100 && done < total) return;
    last = t;
    shown = true;
    write(`\r\x1b[2K${text}`);
  };
  return {
    onProgress,
    done() {
      if (shown) write('\r\x1b[2K');
    },
  };
}
