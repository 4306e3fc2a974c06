import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nfkc, foldWhitespace, removeInvisible, stripHtml, normalize } from '../../../src/preprocess/normalize.js';
import { mapSpan, mapPosition, type MappedText } from '../../../src/preprocess/offsets.js';

/** Every processed span maps to an original span whose NFKC form contains the processed slice. */
function checkMap(m: MappedText, original: string, relate: (orig: string) => string = (s) => s.normalize('NFKC')) {
  expect(m.original).toBe(original);
  expect(m.start.length).toBe(m.text.length);
  for (let i = 0; i < m.text.length; i++) {
    expect(m.start[i]).toBeLessThan(m.end[i]! + 1);
    expect(m.end[i]).toBeLessThanOrEqual(original.length);
    if (i > 0) expect(m.start[i]).toBeGreaterThanOrEqual(m.start[i - 1]!);
  }
  for (let s = 0; s < m.text.length; s++) {
    for (let e = s + 1; e <= Math.min(m.text.length, s + 4); e++) {
      const span = mapSpan(m, s, e);
      expect(relate(original.slice(span.start, span.end))).toContain(m.text.slice(s, e).trim() || '');
    }
  }
}

const pieces = ['１２３', 'ﬁ', 'ﬂ', 'e\u0301', 'A\u030A', '😀', '👩\u200D💻', '東京', 'ｶﾞ', 'ｶ', 'ﾞ', '㍻', '①', 'Å', ' ', '\u3000', 'a', 'Z', '\u1100\u1161', '½', 'x\u0323\u0307', '\u212B'];
const mixedString = fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 3 }), fc.string({ unit: 'grapheme', maxLength: 3 })), { maxLength: 12 }).map((a) => a.join(''));

describe('nfkc with offset map', () => {
  it('maps full-width digits one to one', () => {
    const m = nfkc('Tel １２３');
    expect(m.text).toBe('Tel 123');
    expect(mapSpan(m, 4, 7)).toEqual({ start: 4, end: 7 });
  });
  it('maps both letters of a ligature to the ligature', () => {
    const src = 'the ﬁle';
    const m = nfkc(src);
    expect(m.text).toBe('the file');
    expect(mapSpan(m, 4, 5)).toEqual({ start: 4, end: 5 });
    expect(mapSpan(m, 4, 8)).toEqual({ start: 4, end: 7 });
    expect(src.slice(4, 7)).toBe('ﬁle');
  });
  it('composes combining marks and keeps emoji and CJK', () => {
    const src = 'cafe\u0301 😀 東京 ｶﾞ';
    const m = nfkc(src);
    expect(m.text).toBe(src.normalize('NFKC'));
    const i = m.text.indexOf('é');
    expect(mapSpan(m, i, i + 1)).toEqual({ start: 3, end: 5 });
    const j = m.text.indexOf('東京');
    expect(src.slice(mapSpan(m, j, j + 2).start, mapSpan(m, j, j + 2).end)).toBe('東京');
    const k = m.text.indexOf('ガ');
    expect(src.slice(mapSpan(m, k, k + 1).start, mapSpan(m, k, k + 1).end)).toBe('ｶﾞ');
  });
  it('property: output equals String.normalize and spans map back', () => {
    fc.assert(
      fc.property(mixedString, (s) => {
        const m = nfkc(s);
        expect(m.text).toBe(s.normalize('NFKC'));
        checkMap(m, s);
        expect(mapPosition(m, m.text.length)).toBe(m.text.length ? m.end[m.text.length - 1] : s.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('other steps', () => {
  it('folds whitespace', () => {
    const m = foldWhitespace('  a \n\t b ');
    expect(m.text).toBe('a b');
    expect(mapSpan(m, 1, 2)).toEqual({ start: 3, end: 7 });
    expect(mapSpan(m, 2, 3)).toEqual({ start: 7, end: 8 });
  });
  it('removes invisible characters but keeps ZWJ', () => {
    const src = 'a\u200Bb\u00ADc\uFEFF👩\u200D💻\u0007';
    const m = removeInvisible(src);
    expect(m.text).toBe('abc👩\u200D💻');
    expect(mapSpan(m, 2, 3)).toEqual({ start: 4, end: 5 });
  });
  it('strips html and decodes entities', () => {
    const src = '<p>Fish &amp; chips</p><script>x()</script>&#x1F600;';
    const m = stripHtml(src);
    expect(m.text).toBe(' Fish & chips 😀');
    const amp = m.text.indexOf('&');
    expect(src.slice(mapSpan(m, amp, amp + 1).start, mapSpan(m, amp, amp + 1).end)).toBe('&amp;');
  });
  it('composes all steps back to the caller text', () => {
    const src = '<b>Ｔｏｋｙｏ</b>\u200B  tower ﬁ';
    const m = normalize(src, ['html', 'invisible', 'nfkc', 'whitespace']);
    expect(m.text).toBe('Tokyo tower fi');
    const s = mapSpan(m, 0, 5);
    expect(src.slice(s.start, s.end)).toBe('Ｔｏｋｙｏ');
    const t = mapSpan(m, 6, 11);
    expect(src.slice(t.start, t.end)).toBe('tower');
  });
  it('property: composed maps relate processed spans to the original', () => {
    fc.assert(
      fc.property(mixedString, fc.constantFrom(' ', '\u200B', '\n\n', '&amp;'), (s, glue) => {
        const src = s + glue + s;
        const m = normalize(src, ['invisible', 'nfkc', 'whitespace']);
        checkMap(m, src, (o) => normalize(o, ['invisible', 'nfkc', 'whitespace']).text);
      }),
      { numRuns: 200 },
    );
  });
});
