/**
 * Text cleaning before CLIP's BPE, as SimpleTokenizer does it: `ftfy.fix_text`, `html.unescape` twice,
 * strip, collapse whitespace (Python's `str.split()` notion of whitespace), lower-case.
 *
 * ftfy is reproduced for the fixes that change ordinary text (HTML entities, terminal escapes, C1
 * controls, Latin ligatures, full-width forms, curly quotes, line breaks, control characters, NFC).
 * Its mojibake repair (`fix_encoding`, e.g. "cafÃ©" → "café") is not: text that is already broken
 * UTF-8 decoded as Latin-1 tokenizes as written. Prompts never contain it.
 */
import { readFileSync } from 'node:fs';

interface EntityTables {
  named: Record<string, string>;
  upper: Record<string, string>;
  invalid_charrefs: Record<string, string>;
  invalid_codepoints: number[];
}

let tables: { named: Map<string, string>; upper: Map<string, string>; charrefs: Map<number, string>; dropped: Set<number> } | undefined;
function entityTables() {
  if (!tables) {
    const raw = JSON.parse(readFileSync(new URL('../../models/vocab/html5-entities.json', import.meta.url), 'utf8')) as EntityTables;
    tables = {
      named: new Map(Object.entries(raw.named)),
      upper: new Map(Object.entries(raw.upper)),
      charrefs: new Map(Object.entries(raw.invalid_charrefs).map(([k, v]) => [Number(k), v])),
      dropped: new Set(raw.invalid_codepoints),
    };
  }
  return tables;
}

const HTML_REF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;

/** Python's `html.unescape`: named references (longest known prefix when the `;` is missing) and numeric ones. */
export function htmlUnescape(s: string): string {
  if (!s.includes('&')) return s;
  const t = entityTables();
  return s.replace(HTML_REF, (_m, ref: string) => {
    if (ref[0] === '#') {
      const hex = ref[1] === 'x' || ref[1] === 'X';
      const digits = ref.slice(hex ? 2 : 1).replace(/;$/, '');
      // BigInt: "&#99999999999999999999;" must become U+FFFD, not lose precision.
      const big = BigInt(hex ? `0x${digits}` : digits);
      const num = big > 0x10ffffn ? 0x110000 : Number(big);
      const remapped = t.charrefs.get(num);
      if (remapped !== undefined) return remapped;
      if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) return '\ufffd';
      if (t.dropped.has(num)) return '';
      return String.fromCodePoint(num);
    }
    const whole = t.named.get(ref);
    if (whole !== undefined) return whole;
    for (let k = ref.length - 1; k > 1; k--) {
      const head = t.named.get(ref.slice(0, k));
      if (head !== undefined) return head + ref.slice(k);
    }
    return '&' + ref;
  });
}

/** ftfy's HTML step: only complete `&…;` references (plus upper-cased names), used while the text has no "<". */
function ftfyUnescape(s: string): string {
  const t = entityTables();
  return s.replace(/&#?[0-9A-Za-z]{1,24};/g, (m) => {
    const name = m.slice(1);
    const named = name.endsWith(';') ? (t.named.get(name) ?? t.upper.get(name)) : undefined;
    if (named !== undefined) return named;
    if (m[1] === '#') {
      // A numeric reference counts only if it is consumed whole, semicolon included.
      const u = htmlUnescape(m);
      return u.includes(';') ? m : u;
    }
    return m;
  });
}

// Windows-1252 for the C1 range; the five bytes it leaves undefined stay as they are (ftfy's "sloppy" codec).
const CP1252_C1 = '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ';

const LIGATURES: Record<string, string> = {
  Ĳ: 'IJ',
  ĳ: 'ij',
  ŉ: 'ʼn',
  Ǆ: 'DŽ',
  ǅ: 'Dž',
  ǆ: 'dž',
  Ǉ: 'LJ',
  ǈ: 'Lj',
  ǉ: 'lj',
  Ǳ: 'DZ',
  ǲ: 'Dz',
  ǳ: 'dz',
  Ǌ: 'NJ',
  ǋ: 'Nj',
  ǌ: 'nj',
  ﬀ: 'ff',
  ﬁ: 'fi',
  ﬂ: 'fl',
  ﬃ: 'ffi',
  ﬄ: 'ffl',
  ﬅ: 'ſt',
  ﬆ: 'st',
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: ftfy removes exactly these control characters
const CONTROL = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;

function ftfyPass(s: string, html: boolean): string {
  if (html) s = ftfyUnescape(s);
  s = s.replace(/[\x80-\x9f]/g, (c) => CP1252_C1[c.charCodeAt(0) - 0x80]);
  s = s.replace(/[ĲĳŉǄǅǆǇǈǉǊǋǌǱǲǳﬀﬁﬂﬃﬄﬅﬆ]/g, (c) => LIGATURES[c]);
  s = s.replace(/[\u3000\uff01-\uffef]/g, (c) => (c === '\u3000' ? ' ' : c.normalize('NFKC')));
  s = s.replace(/[\u02bc\u2018-\u201b]/g, "'").replace(/[\u201c-\u201f]/g, '"');
  s = s.replace(/\r\n/g, '\n').replace(/[\r\u2028\u2029\x85]/g, '\n');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences, as ftfy strips them
  s = s.replace(/\x1b\[[\d;]*[a-zA-Z]/g, '');
  s = s.replace(CONTROL, '');
  return s.normalize('NFC');
}

/**
 * The subset of `ftfy.fix_text` described above. ftfy fixes each line on its own, repeating its passes
 * until the line stops changing, and stops decoding entities for good at the first line holding "<".
 */
export function fixText(text: string): string {
  let html = true;
  let out = '';
  for (const segment of text.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    if (segment.includes('<')) html = false;
    let s = segment;
    for (let i = 0; i < 64; i++) {
      const next = ftfyPass(s, html);
      if (next === s) break;
      s = next;
    }
    out += s;
  }
  return out;
}

// Python's str.isspace(): Unicode White_Space plus the information separators U+001C–U+001F.
// biome-ignore lint/suspicious/noControlCharactersInRegex: Python's isspace() includes U+001C–U+001F
const PY_SPACE = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

export function cleanText(text: string): string {
  const basic = htmlUnescape(htmlUnescape(fixText(text)));
  return basic.replace(PY_SPACE, ' ').replace(/^ | $/g, '').toLowerCase();
}
