import { InvalidArgumentError, type Command } from 'commander';

import { defaultTokenizer } from '../clip/tokenizer.js';
import { boundedInt } from './options.js';

/** Most ids per text: CLIP's context is 77 and long-text variants a few hundred; 10⁹ would allocate gigabytes. */
const MAX_CONTEXT = 10_000;

function contextLength(value: string): number {
  const n = boundedInt(MAX_CONTEXT, 'ids per text')(value);
  // Every row holds at least SOT and EOT.
  if (n < 2) throw new InvalidArgumentError(`"${value}" cannot hold the start and end tokens (at least 2).`);
  return n;
}

interface TokenizeFlags {
  truncate?: boolean;
  json?: boolean;
  contextLength?: number;
}

export function registerTokenize(program: Command): void {
  program
    .command('tokenize')
    .description("CLIP token ids (OpenAI's SimpleTokenizer): one JSON array of 77 ids per text, one per line")
    .argument('<text...>', 'texts to tokenize (quote each one)')
    .option('--truncate', 'cut texts longer than the context (the last id stays EOT) instead of failing')
    .option('--json', 'print one JSON document: [{ text, length, ids }] (length counts SOT and EOT, before truncation)')
    .option('--context-length <n>', 'ids per text', contextLength, 77)
    .action((texts: string[], flags: TokenizeFlags) => {
      const tok = defaultTokenizer();
      const rows = tok.tokenize(texts, { truncate: flags.truncate, contextLength: flags.contextLength });
      if (flags.json) {
        const docs = texts.map((text, i) => ({ text, length: tok.encode(text).length + 2, ids: Array.from(rows[i]) }));
        process.stdout.write(JSON.stringify(docs) + '\n');
      } else {
        process.stdout.write(rows.map((r) => JSON.stringify(Array.from(r))).join('\n') + '\n');
      }
    });
}
