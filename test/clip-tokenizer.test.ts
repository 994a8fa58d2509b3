import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { InputError } from '../src/errors.js';
import { ClipTokenizer, defaultTokenizer, EOT, SOT } from '../src/clip/tokenizer.js';
import { fixture, runCli } from './helpers/cli.js';

interface Entry {
  text: string;
  length: number;
  ids: number[];
}
const ref = JSON.parse(readFileSync(fixture('clip', 'tokens.json'), 'utf8')) as { prompts: Entry[]; tricky: Entry[] };

describe('CLIP tokenizer (ids from open_clip SimpleTokenizer, make_tokens.py)', () => {
  const tok = defaultTokenizer();

  it('all 376 DTD prompts (47 classes × 8 templates) give identical ids', () => {
    expect(ref.prompts.length).toBe(376);
    const rows = tok.tokenize(ref.prompts.map((p) => p.text));
    const wrong = ref.prompts.filter((p, i) => JSON.stringify(Array.from(rows[i])) !== JSON.stringify(p.ids)).map((p) => p.text);
    expect(wrong).toEqual([]);
  });

  for (const e of ref.tricky) {
    it(`tricky ${JSON.stringify(e.text.length > 50 ? e.text.slice(0, 50) + '…' : e.text)}`, () => {
      expect(tok.encode(e.text).length + 2).toBe(e.length);
      const [row] = tok.tokenize([e.text], { truncate: true });
      expect(Array.from(row)).toEqual(e.ids);
      if (e.length > 77) {
        expect(row[76]).toBe(EOT);
        expect(() => tok.tokenize([e.text])).toThrow(InputError);
      } else {
        expect(Array.from(tok.tokenize([e.text])[0])).toEqual(e.ids);
      }
    });
  }

  it('covers over-long, boundary and empty texts', () => {
    expect(ref.tricky.some((e) => e.length === 77)).toBe(true);
    expect(ref.tricky.some((e) => e.length === 78)).toBe(true);
    expect(ref.tricky.some((e) => e.length === 2)).toBe(true);
  });

  it("recognises OpenAI's special-token spellings and decodes back", () => {
    expect(tok.encode('<|endoftext|>')).toEqual([EOT]);
    expect(tok.encode('<|startoftext|>')).toEqual([SOT]);
    expect(tok.decode(tok.tokenize(['a photo of a Polka-Dotted texture.'])[0])).toBe('a photo of a polka - dotted texture .');
  });

  it('refuses a file that is not the vocabulary', () => {
    expect(() => new ClipTokenizer(Buffer.from('not gzip'))).toThrow(/not a gzip file/);
  });
});

describe('clip-topo tokenize', () => {
  it('prints one 77-id array per text', async () => {
    const r = await runCli(['tokenize', 'a photo of a banded texture.', 'grid']);
    expect(r.code).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as number[]);
    expect(lines).toEqual([ref.prompts[0].ids, Array.from(defaultTokenizer().tokenize(['grid'])[0])]);
  });

  it('fails with one line on an over-long text unless --truncate', async () => {
    const long = 'word '.repeat(80);
    const r = await runCli(['tokenize', long]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--truncate/);
    const ok = await runCli(['tokenize', '--truncate', '--json', long]);
    expect(ok.code).toBe(0);
    const [doc] = JSON.parse(ok.stdout) as { length: number; ids: number[] }[];
    expect(doc.length).toBe(82);
    expect(doc.ids[76]).toBe(EOT);
  });
});
