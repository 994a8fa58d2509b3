import { writeSynthDataset } from '../../src/data/synth.js';
import { nativeRenderer, synthClasses } from '../../src/kernels/synth.js';
import { tempDir } from './cli.js';

/** A small synthetic DTD-layout set in a new temporary folder (one render thread: tests share the cores). */
export async function synthSet(o: { prefix: string; classes: string[]; perClass: number; size: number; seed: number }): Promise<string> {
  const out = tempDir(o.prefix);
  await writeSynthDataset({
    out,
    render: nativeRenderer({ threads: 1 }),
    available: synthClasses(),
    classes: o.classes,
    perClass: o.perClass,
    size: o.size,
    seed: o.seed,
  });
  return out;
}
