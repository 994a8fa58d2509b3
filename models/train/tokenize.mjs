// Token ids for the training captions with clip-topo's own CLIP tokenizer (equal to open_clip's; see
// test/clip-tokenizer.test.ts), so training needs no Python tokenizer.
// Usage: node tokenize.mjs <texts.json> <ids.bin>   (texts.json: a JSON array of strings;
// ids.bin: int32 little-endian, 77 ids per text; texts longer than 77 tokens are truncated, EOT kept)
import { readFileSync, writeFileSync } from 'node:fs';

const { ClipTokenizer } = await import(new URL('../../dist/clip/tokenizer.js', import.meta.url));
const [inPath, outPath] = process.argv.slice(2);
const texts = JSON.parse(readFileSync(inPath, 'utf8'));
const tok = ClipTokenizer.fromFile();
const rows = tok.tokenize(texts, { truncate: true, contextLength: 77 });
const out = new Int32Array(texts.length * 77);
rows.forEach((r, i) => out.set(r, i * 77));
writeFileSync(outPath, Buffer.from(out.buffer));
