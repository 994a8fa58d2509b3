/**
 * CLIP's text tokenizer: byte-level BPE over the first 48,894 merges of bpe_simple_vocab_16e6, as
 * OpenAI's SimpleTokenizer does it. Ids must equal the reference's exactly, or the text tower sees a
 * different sentence; test/clip-tokenizer.test.ts checks them against ids the Python tokenizer made.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

import { InputError } from '../errors.js';
import { cleanText } from './text-clean.js';

export const SOT = 49406;
export const EOT = 49407;
export const CONTEXT_LENGTH = 77;
/** 49,152 ids = 256 bytes + 256 bytes with `</w>` + merges + 2 specials. */
const MERGE_COUNT = 49152 - 256 - 2;

export const DEFAULT_VOCAB = new URL('../../models/vocab/bpe_simple_vocab_16e6.txt.gz', import.meta.url);

/** The byte → printable-character table of GPT-2/CLIP BPE: printable Latin-1 bytes map to themselves, the rest to U+0100…. */
function byteTable(): string[] {
  const keep: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) keep.push(b);
  for (let b = 0xa1; b <= 0xac; b++) keep.push(b);
  for (let b = 0xae; b <= 0xff; b++) keep.push(b);
  const kept = new Set(keep);
  const table = new Array<string>(256);
  for (const b of keep) table[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (!kept.has(b)) table[b] = String.fromCodePoint(256 + n++);
  // Vocabulary order is the kept bytes first, then the others: return that order too.
  return [...keep, ...Array.from({ length: 256 }, (_, b) => b).filter((b) => !kept.has(b))].map((b) => table[b]).concat(table);
}

// Python's `regex` module \s = Unicode White_Space; JS \s also matches U+FEFF, which Python treats as a symbol.
const WS = '\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PATTERN = new RegExp(`<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^${WS}\\p{L}\\p{N}]+`, 'giu');

export interface TokenizeOptions {
  /** Cut texts longer than the context to it, ending with EOT; without it they are an error. */
  truncate?: boolean;
  contextLength?: number;
}

export class ClipTokenizer {
  private readonly encoder = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  private readonly byteChars: string[] = [];
  private readonly cache = new Map<string, number[]>();

  /** From the gzipped bpe_simple_vocab_16e6 file (first line a header, then merges). */
  constructor(vocabGz: Uint8Array, where = 'vocabulary') {
    let text: string;
    try {
      text = gunzipSync(vocabGz).toString('utf8');
    } catch (err) {
      throw new InputError(`${where}: not a gzip file (${(err as Error).message}); expected bpe_simple_vocab_16e6.txt.gz`);
    }
    const lines = text.split('\n');
    this.byteChars = this.build(lines.slice(1, MERGE_COUNT + 1), where, 2);
  }

  /** From a merge list without header (Hugging Face merges.txt / tokenizer.json), e.g. a model directory's own. */
  static fromMerges(merges: string[], where: string): ClipTokenizer {
    const gz = gzipSync(Buffer.from(['#version: 0.2', ...merges.slice(0, MERGE_COUNT)].join('\n'), 'utf8'));
    return new ClipTokenizer(gz, where);
  }

  private build(merges: string[], where: string, firstLine: number): string[] {
    if (merges.length < MERGE_COUNT) {
      throw new InputError(`${where}: holds ${merges.length} merges, CLIP needs ${MERGE_COUNT}; expected bpe_simple_vocab_16e6.txt.gz`);
    }
    const table = byteTable();
    const vocab = table.slice(0, 256);
    for (const v of table.slice(0, 256)) vocab.push(v + '</w>');
    for (let i = 0; i < MERGE_COUNT; i++) {
      const parts = merges[i].split(' ');
      if (parts.length !== 2) throw new InputError(`${where}:${i + firstLine}: a merge line needs two symbols, found "${merges[i]}"`);
      this.ranks.set(merges[i], i);
      vocab.push(parts[0] + parts[1]);
    }
    vocab.push('<|startoftext|>', '<|endoftext|>');
    vocab.forEach((v, i) => this.encoder.set(v, i));
    this.cache.set('<|startoftext|>', [SOT]);
    this.cache.set('<|endoftext|>', [EOT]);
    return table.slice(256);
  }

  /** Refuses a vocabulary (token → id, as in vocab.json) that numbers tokens differently from these merges. */
  checkVocabulary(vocab: Record<string, number>, where: string): void {
    for (const [token, id] of Object.entries(vocab)) {
      const mine = this.encoder.get(token);
      if (mine !== undefined && mine !== id) {
        throw new InputError(
          `${where}: token ${JSON.stringify(token)} has id ${id}, but CLIP's BPE numbering gives ${mine}: not a CLIP vocabulary`,
          'ERR_MODEL',
        );
      }
    }
  }

  static fromFile(path: string | URL = DEFAULT_VOCAB): ClipTokenizer {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new InputError(`${String(path)}: cannot read the BPE vocabulary (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 'ERR_FILE');
    }
    return new ClipTokenizer(bytes, String(path));
  }

  private bpe(token: string): number[] {
    const hit = this.cache.get(token);
    if (hit) return hit;
    const word = [...token];
    word[word.length - 1] += '</w>';
    // Greedy: always merge the lowest-ranked adjacent pair, all its occurrences left to right.
    while (word.length > 1) {
      let best = Infinity;
      let first = '';
      let second = '';
      for (let i = 0; i + 1 < word.length; i++) {
        const r = this.ranks.get(word[i] + ' ' + word[i + 1]);
        if (r !== undefined && r < best) {
          best = r;
          first = word[i];
          second = word[i + 1];
        }
      }
      if (best === Infinity) break;
      const merged: string[] = [];
      for (let i = 0; i < word.length; ) {
        if (i + 1 < word.length && word[i] === first && word[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(word[i++]);
        }
      }
      word.splice(0, word.length, ...merged);
    }
    const ids = word.map((w) => this.encoder.get(w)!);
    this.cache.set(token, ids);
    return ids;
  }

  /** BPE ids of a text, without SOT/EOT. */
  encode(text: string): number[] {
    const out: number[] = [];
    const clean = cleanText(text);
    for (const m of clean.matchAll(PATTERN)) {
      const piece = m[0];
      if (piece === '<|startoftext|>' || piece === '<|endoftext|>') {
        out.push(...this.bpe(piece));
        continue;
      }
      let mapped = '';
      for (const b of Buffer.from(piece, 'utf8')) mapped += this.byteChars[b];
      out.push(...this.bpe(mapped));
    }
    return out;
  }

  /** Text back from ids (SOT/EOT/padding dropped), as SimpleTokenizer.decode does. */
  decode(ids: ArrayLike<number>): string {
    const inverse = new Map<string, number>(this.byteChars.map((c, b) => [c, b]));
    const words: string[] = [];
    const names = [...this.encoder.keys()];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === SOT || id === EOT || id === 0) continue;
      words.push(names[id] ?? '');
    }
    const bytes: number[] = [];
    for (const ch of words.join('').replaceAll('</w>', ' ')) bytes.push(ch === ' ' ? 0x20 : (inverse.get(ch) ?? 0x3f));
    return Buffer.from(bytes).toString('utf8').trim();
  }

  /** One row of `contextLength` ids per text: SOT, BPE ids, EOT, zero padding. */
  tokenize(texts: string[], opts: TokenizeOptions = {}): Int32Array[] {
    const ctx = opts.contextLength ?? CONTEXT_LENGTH;
    return texts.map((t, k) => {
      const ids = [SOT, ...this.encode(t), EOT];
      if (ids.length > ctx) {
        if (!opts.truncate) {
          const preview = t.length > 40 ? `${t.slice(0, 40)}…` : t;
          throw new InputError(
            `text ${k + 1} ("${preview}") is ${ids.length} tokens with SOT/EOT, the model's context is ${ctx}: shorten it or pass --truncate`,
            'ERR_TOO_LONG',
          );
        }
        ids.length = ctx;
        ids[ctx - 1] = EOT;
      }
      const row = new Int32Array(ctx);
      row.set(ids);
      return row;
    });
  }
}

let shared: ClipTokenizer | undefined;
/** The tokenizer over the bundled vocabulary, loaded once. */
export function defaultTokenizer(): ClipTokenizer {
  shared ??= ClipTokenizer.fromFile();
  return shared;
}
