/** A one-line progress display on stderr, only when stderr is a terminal (logs stay clean). */
import type { ProgressFn } from '../native.js';

export function stderrProgress(label: string): { onProgress: ProgressFn; done(): void } {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  let shown = false;
  const onProgress: ProgressFn = (stage, done, total) => {
    if (!tty) return;
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    shown = true;
    const pct = total > 0 ? ` ${((100 * done) / total).toFixed(0)}%` : '';
    process.stderr.write(`\r\x1b[2K${label}: ${stage} ${done}${total > 0 ? `/${total}` : ''}${pct}`);
  };
  return {
    onProgress,
    done() {
      if (shown) process.stderr.write('\r\x1b[2K');
    },
  };
}
