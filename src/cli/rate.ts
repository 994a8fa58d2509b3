/** Progress for long image runs: images/s and ETA, redrawn on a terminal; a summary line always. */
export function rateProgress(label: string) {
  const tty = process.stderr.isTTY === true;
  const start = Date.now();
  let last = 0;
  let base = 0;
  let baseSet = false;
  return {
    update(done: number, total: number, reused: number) {
      if (!baseSet) {
        base = reused;
        baseSet = true;
      }
      if (!tty) return;
      const now = Date.now();
      if (now - last < 200 && done < total) return;
      last = now;
      const secs = (now - start) / 1000;
      const rate = secs > 0 ? (done - base) / secs : 0;
      const eta = rate > 0 ? (total - done) / rate : 0;
      process.stderr.write(`\r\x1b[2K${label}: ${done}/${total} images, ${rate.toFixed(1)} images/s, ETA ${eta.toFixed(0)} s`);
    },
    finish(done: number, skipped: number, reused: number) {
      const secs = (Date.now() - start) / 1000;
      if (tty) process.stderr.write('\r\x1b[2K');
      const rate = secs > 0 ? (done - reused) / secs : 0;
      const extra = reused > 0 ? `, ${reused} reused from an earlier run` : '';
      process.stderr.write(
        `${label}: ${done - skipped} of ${done} images embedded, ${skipped} skipped${extra}; ${secs.toFixed(1)} s, ${rate.toFixed(1)} images/s\n`,
      );
    },
  };
}
