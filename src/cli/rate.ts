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
    /**
     * `images` are the listed images, `embedded` the rows written (so the line agrees with embeddings.npy),
     * `ignored` the files the listing left out before any decoding (not images, outside class folders).
     */
    finish(images: number, embedded: number, ignored: number, reused: number) {
      const secs = (Date.now() - start) / 1000;
      if (tty) process.stderr.write('\r\x1b[2K');
      const rate = secs > 0 ? (images - reused) / secs : 0;
      const extra = reused > 0 ? `, ${reused} reused from an earlier run` : '';
      const other = ignored > 0 ? `; ${ignored} other file(s) ignored` : '';
      process.stderr.write(
        `${label}: ${embedded} of ${images} images embedded, ${images - embedded} skipped${extra}${other}; ${secs.toFixed(1)} s, ${rate.toFixed(1)} images/s\n`,
      );
    },
  };
}
