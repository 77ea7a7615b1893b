// Writes hf-codepoints.txt: what Hugging Face tokenizers does to every Unicode scalar value, stage by
// stage, for CodePointsTest. Run with the npm peer (../shared/peers/setup.sh installs it):
//   NODE_PATH=/tmp/jbert-peers/tokenizers/node_modules node hf-codepoints.js > ../resources/jbert/tokenizer/hf-codepoints.txt
// Each line: a code point or range (hex) and what differs from "unchanged, not a separator":
//   c=x dropped by clean_text, c=s made a space by it; j=s spaced by handle_chinese_chars;
//   a=... strip_accents alone gives these code points (a=x: nothing); l=... lowercase alone gives these;
//   p=w BertPreTokenizer splits on it as whitespace, p=p isolates it as punctuation.
const t = require('tokenizers');
const mk = (o) => t.bertNormalizer(Object.assign({ cleanText: false, handleChineseChars: false, stripAccents: false, lowercase: false }, o));
const clean = mk({ cleanText: true }), cjk = mk({ handleChineseChars: true }), strip = mk({ stripAccents: true }), lower = mk({ lowercase: true });
const pre = t.bertPreTokenizer();
const hex = (s) => [...s].map((c) => c.codePointAt(0).toString(16).toUpperCase()).join(' ');
const lines = [];
let run = null; // [start, end, fields] of code points with the same value-free fields
const flush = () => { if (run) lines.push((run[0] === run[1] ? run[0].toString(16) : run[0].toString(16) + '-' + run[1].toString(16)).toUpperCase() + ' ' + run[2]); run = null; };
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (cp >= 0xd800 && cp <= 0xdfff) continue;
  const ch = String.fromCodePoint(cp);
  const f = [];
  const a = clean.normalizeString(ch); if (a !== ch) f.push(a === '' ? 'c=x' : a === ' ' ? 'c=s' : 'c=' + hex(a));
  const b = cjk.normalizeString(ch); if (b !== ch) f.push(b === ' ' + ch + ' ' ? 'j=s' : 'j=' + hex(b));
  const d = strip.normalizeString(ch); let valued = false; if (d !== ch) { f.push(d === '' ? 'a=x' : 'a=' + hex(d)); valued = d !== ''; }
  const e = lower.normalizeString(ch); if (e !== ch) { f.push('l=' + hex(e)); valued = true; }
  const p = pre.preTokenizeString('a' + ch + 'b'); if (p.length === 2) f.push('p=w'); else if (p.length === 3) f.push('p=p');
  const key = f.join(' ');
  if (!key || valued) { flush(); if (key) lines.push(cp.toString(16).toUpperCase() + ' ' + key); continue; }
  if (run && run[1] === cp - 1 && run[2] === key) run[1] = cp; else { flush(); run = [cp, cp, key]; }
}
flush();
process.stdout.write('# Hugging Face tokenizers ' + require('tokenizers/package.json').version + ', per code point; see hf-codepoints.js\n' + lines.join('\n') + '\n');
