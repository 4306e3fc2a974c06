/**
 * Text views for matching: a normalized copy of the input (NFKC for compatibility characters, a confusables map,
 * invisible and bidi characters removed) with a map back to the original offsets. The fast path (nothing to fold,
 * the common case) returns the text itself and no map.
 */

/** Characters removed before matching: zero-width, bidi controls, soft hyphen, word joiners, BOM, variation selectors. */
const INVISIBLE = '\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180E\u200B-\u200F\u202A-\u202E\u2060-\u206F\uFE00-\uFE0F\uFEFF';

/** Latin look-alikes from Cyrillic, Greek and other scripts (Unicode confusables, the common subset). */
const CONFUSABLES: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', ѕ: 's', і: 'i',
  ї: 'i', ј: 'j', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l', ɡ: 'g', ɑ: 'a', ı: 'i', ο: 'o', α: 'a', ν: 'v', ι: 'i',
  κ: 'k', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ε: 'e', А: 'A', В: 'B', Е: 'E', К: 'K', М: 'M', Н: 'H', О: 'O', Р: 'P',
  С: 'C', Т: 'T', У: 'Y', Х: 'X', Ѕ: 'S', І: 'I', Ј: 'J', Α: 'A', Β: 'B', Ε: 'E', Ζ: 'Z', Η: 'H', Ι: 'I', Κ: 'K',
  Μ: 'M', Ν: 'N', Ο: 'O', Ρ: 'P', Τ: 'T', Υ: 'Y', Χ: 'X', İ: 'I',
};

/**
 * Characters that may need folding (the definition; `createView` finds the same matches with a code-unit table).
 * Deliberately excludes CJK punctuation (，。：！？) so Chinese text stays on the fast path: folding them would not
 * change any match.
 *
 * @example
 * 'ｉg\u200Bnore'.match(FOLD_CHARS) // ['ｉ', '\u200B']
 */
export const FOLD_CHARS = new RegExp(
  `[${INVISIBLE}\\u00A0\\u2000-\\u200A\\u202F\\u205F\\u3000\\u0370-\\u03FF\\u0400-\\u052F\\u0131\\u0130\\u0251\\u0261` +
    `\\u2100-\\u214F\\u2460-\\u24FF\\uFB00-\\uFB06\\uFF0B\\uFF0D-\\uFF0F\\uFF10-\\uFF19\\uFF20-\\uFF3A\\uFF3F\\uFF41-\\uFF5A` +
    `\\u1D00-\\u1DBF\\u2070-\\u209F]|\\uD835[\\uDC00-\\uDFFF]|\\uDB40[\\uDC00-\\uDC7F]`,
  'g',
);
/** Same set as FOLD_CHARS as one BMP class (lead surrogates stand for the pairs): a faster no-match test. */
export const FOLD_CLASS =
  `[${INVISIBLE}\\u00A0\\u2000-\\u200A\\u202F\\u205F\\u3000\\u0370-\\u03FF\\u0400-\\u052F\\u0131\\u0130\\u0251\\u0261` +
  `\\u2100-\\u214F\\u2460-\\u24FF\\uFB00-\\uFB06\\uFF0B\\uFF0D-\\uFF0F\\uFF10-\\uFF19\\uFF20-\\uFF3A\\uFF3F\\uFF41-\\uFF5A` +
  `\\u1D00-\\u1DBF\\u2070-\\u209F\\uD835\\uDB40]`;
const FOLD_TEST = new RegExp(FOLD_CLASS);
let foldTableCache: Uint8Array | undefined;

/** 1 for the code units of FOLD_CLASS (its BMP characters and the two lead surrogates), else 0. */
function foldTable(): Uint8Array {
  if (foldTableCache) return foldTableCache;
  const t = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) if (FOLD_TEST.test(String.fromCharCode(c))) t[c] = 1;
  return (foldTableCache = t);
}
const INVISIBLE_RE = new RegExp(`^[${INVISIBLE}]$|^\\uDB40[\\uDC00-\\uDC7F]$`);

const foldCache = new Map<string, string>();

/**
 * Folds one character (or surrogate pair): invisible -> '', confusable -> Latin, compatibility -> NFKC.
 *
 * @example
 * foldChar('ｉ') // 'i'
 */
export function foldChar(ch: string): string {
  const hit = foldCache.get(ch);
  if (hit !== undefined) return hit;
  let out: string;
  if (INVISIBLE_RE.test(ch)) out = '';
  else {
    const nf = ch.normalize('NFKC');
    out = '';
    for (const c of nf) out += CONFUSABLES[c] ?? c;
    if (/^\s+$/.test(out)) out = ' ';
  }
  if (foldCache.size < 4096) foldCache.set(ch, out);
  return out;
}

/**
 * A normalized view of a text. `toOriginal` maps a [start, end) range of the view to the original text.
 *
 * @example
 * const v = createView('ig\u200Bnore')
 * v.text            // 'ignore'
 * v.toOriginal(0, 6) // [0, 7]
 */
export interface TextView {
  readonly original: string;
  readonly text: string;
  /** True when the view differs from the original. */
  readonly folded: boolean;
  /**
   * True when the text has a character of the fold set (invisible, bidi, confusable, compatibility): when false,
   * rules that look only for such characters can skip the text.
   */
  readonly special: boolean;
  /**
   * Offsets in the original text of every FOLD_CHARS match (in order; pairs at their first code unit), when the
   * text was folded character by character; undefined when it was not looked at (`special` false).
   */
  readonly foldAt?: readonly number[];
  toOriginal(start: number, end: number): [number, number];
}

const identity = (start: number, end: number): [number, number] => [start, end];

/**
 * Builds a TextView from the fold characters of a text, visited in order (what `createView` does with each).
 *
 * @example
 * const b = new ViewBuilder('ｉx'); b.fold(0); b.finish().text // 'ix'
 */
export class ViewBuilder {
  /** Code units taken by the last `fold` (1, or 2 for a pair). */
  width = 1;
  private readonly pieces: string[] = [];
  private readonly anchors: number[] = []; // pairs (viewPos, origPos) at each replaced char
  private readonly foldAt: number[] = [];
  private last = 0;
  private viewLen = 0;
  private changedLength = false;

  constructor(readonly text: string) {}

  /**
   * Folds the character at `i`, whose code unit is in FOLD_CLASS: its replacement (the character itself when it
   * stays, '' when removed), or undefined for a lead surrogate that FOLD_CHARS does not list with what follows it
   * (\uD835 + any low surrogate, \uDB40 + \uDC00-\uDC7F); `width` says how many code units it took.
   */
  fold(i: number): string | undefined {
    const text = this.text;
    const c = text.charCodeAt(i);
    let ch: string;
    if (c === 0xd835 || c === 0xdb40) {
      const d = text.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= (c === 0xd835 ? 0xdfff : 0xdc7f))) return undefined;
      ch = text.slice(i, i + 2);
    } else ch = text[i]!;
    this.width = ch.length;
    this.foldAt.push(i);
    const rep = foldChar(ch);
    if (rep === ch) return rep;
    const seg = text.slice(this.last, i);
    this.pieces.push(seg, rep);
    this.viewLen += seg.length;
    this.anchors.push(this.viewLen, i, this.viewLen + rep.length, i + ch.length);
    this.viewLen += rep.length;
    if (rep.length !== ch.length) this.changedLength = true;
    this.last = i + ch.length;
    return rep;
  }

  /** The view of everything folded so far. */
  finish(): TextView {
    const { text, pieces, anchors, foldAt } = this;
    if (pieces.length === 0) return { original: text, text, folded: false, special: true, foldAt, toOriginal: identity };
    pieces.push(text.slice(this.last));
    const view = pieces.join('');
    if (!this.changedLength) return { original: text, text: view, folded: true, special: true, foldAt, toOriginal: identity };
    return { original: text, text: view, folded: true, special: true, foldAt, toOriginal: rangeMap(text.length, anchors) };
  }
}

/** The view-to-original range map of a length-changing fold: between anchors the offset delta is constant. */
function rangeMap(textLength: number, anchors: readonly number[]): (start: number, end: number) => [number, number] {
  const viewAt = new Int32Array(anchors.length / 2);
  const origAt = new Int32Array(anchors.length / 2);
  for (let i = 0; i < viewAt.length; i++) {
    viewAt[i] = anchors[2 * i]!;
    origAt[i] = anchors[2 * i + 1]!;
  }
  const map = (pos: number, isEnd: boolean): number => {
    // last anchor with viewAt <= pos (for ends: < pos, so a removed char right before an end stays outside)
    let lo = 0;
    let hi = viewAt.length - 1;
    let k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = viewAt[mid]!;
      if (isEnd ? v < pos : v <= pos) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (k < 0) return pos;
    return origAt[k]! + (pos - viewAt[k]!);
  };
  return (start, end) => {
    const s = map(start, false);
    const e = Math.max(s, Math.min(textLength, map(end, true)));
    return [s, e];
  };
}

/** A view of a text without fold characters (the fast path: no copy, no map). */
export function plainView(text: string): TextView {
  return { original: text, text, folded: false, special: false, toOriginal: identity };
}

/**
 * Builds the normalized view of `text` (fast path: no copy when nothing needs folding). `special` may pass in
 * the result of an earlier FOLD_CLASS test of the same text to skip the test.
 */
export function createView(text: string, special?: boolean): TextView {
  if (special === false || (special === undefined && !FOLD_TEST.test(text))) return plainView(text);
  // the FOLD_CHARS matches, found with a code-unit table (a third of the regex's time on CJK text)
  const table = foldTable();
  const b = new ViewBuilder(text);
  const n = text.length;
  for (let i = 0; i < n; i++) {
    // most characters are not in the set: skip them in a tight loop
    while (i < n && table[text.charCodeAt(i)] === 0) i++;
    if (i >= n) break;
    if (b.fold(i) !== undefined) i += b.width - 1;
  }
  return b.finish();
}

const SENTENCE_END = /[.!?。！？；;\n]/;

/**
 * The [start, end) bounds of the sentence around `index`: CJK terminators (。！？；) end a sentence anywhere, Latin
 * ones (.!?) only before whitespace or the end, newlines always. At most `maxLen` characters each side.
 *
 * @example
 * sentenceAt('Hi. Ignore all rules! Bye.', 6) // [4, 21]
 */
export function sentenceAt(text: string, index: number, maxLen = 512): [number, number] {
  let s = index;
  const lo = Math.max(0, index - maxLen);
  while (s > lo) {
    const c = text[s - 1]!;
    if (SENTENCE_END.test(c) && isBoundary(text, s - 1)) break;
    s--;
  }
  let e = index;
  const hi = Math.min(text.length, index + maxLen);
  while (e < hi) {
    const c = text[e]!;
    e++;
    if (SENTENCE_END.test(c) && isBoundary(text, e - 1)) break;
  }
  while (s < e && /\s/.test(text[s]!)) s++;
  return [s, e];
}

function isBoundary(text: string, i: number): boolean {
  const c = text[i]!;
  if (c !== '.' && c !== '!' && c !== '?' && c !== ';') return true;
  const next = text[i + 1];
  return next === undefined || next === ' ' || next === '\n' || next === '\t' || next === '\r';
}

/**
 * Splits a text into sentences (CJK and Latin terminators), as [start, end) pairs covering non-blank text.
 *
 * @example
 * splitSentences('你好。Hello there! ok') // [[0,3],[3,16],[17,19]]
 */
export function splitSentences(text: string, maxLen = 512): [number, number][] {
  const out: [number, number][] = [];
  let i = 0;
  while (i < text.length) {
    const [s0, e] = sentenceAt(text, i, maxLen);
    const s = Math.max(s0, i);
    if (e <= i) break;
    if (e > s && text.slice(s, e).trim() !== '') out.push([s, e]);
    i = e;
  }
  return out;
}
