import { describe, expect, it } from 'vitest';

import { stderrProgress } from '../src/cli/progress.js';

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('stderr progress', () => {
  it('off a terminal says nothing for short work, then one plain line per 30 s', () => {
    const c = clock();
    const out: string[] = [];
    const p = stderrProgress('distance', { tty: false, write: (s) => out.push(s), now: c.now });
    for (let i = 0; i < 100; i++) {
      c.advance(250);
      p.onProgress('bottleneck in (0.1, 0.2]', i, 0);
    }
    expect(out).toEqual([]); // 25 s
    for (let i = 0; i < 200; i++) {
      c.advance(250);
      p.onProgress('bottleneck in (0.15, 0.16]', 100 + i, 0);
    }
    // 75 s in all: lines at 30 s and 60 s, each a whole line without control characters
    expect(out).toEqual(['distance: bottleneck in (0.15, 0.16] 119 (30 s)\n', 'distance: bottleneck in (0.15, 0.16] 239 (60 s)\n']);
    p.done();
    expect(out).toHaveLength(2);
  });

  it('on a terminal redraws one line at most every 100 ms and clears it at the end', () => {
    const c = clock();
    const out: string[] = [];
    const p = stderrProgress('rips', { tty: true, write: (s) => out.push(s), now: c.now });
    p.onProgress('H1', 1, 10);
    c.advance(50);
    p.onProgress('H1', 2, 10);
    c.advance(60);
    p.onProgress('H1', 3, 10);
    p.onProgress('H1', 10, 10);
    expect(out).toEqual(['\r\x1b[2Krips: H1 1/10 10%', '\r\x1b[2Krips: H1 3/10 30%', '\r\x1b[2Krips: H1 10/10 100%']);
    p.done();
    expect(out.at(-1)).toBe('\r\x1b[2K');
  });
});
