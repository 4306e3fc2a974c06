import { PatternRule, type PatternMatch } from '../pattern-rule.js';

// Character helpers of the lookalike checks (exported for their tests).

/**
 * True for a UTF-16 code unit that a JS regex `\s` matches (WhiteSpace and LineTerminator).
 *
 * @example
 * isRegexSpace(0x3000) // true
 */
export function isRegexSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * True when `text` has `word` (lowercase) right before `end`, starting at or after `lo`, compared as a regex with
 * the `i` flag (no `u`) compares: ASCII letters in either case, every other character as itself.
 *
 * @example
 * endsWithCI('Order No', 5, 'order', 0) // true
 */
export function endsWithCI(text: string, end: number, word: string, lo = 0): boolean {
  const s = end - word.length;
  if (s < lo) return false;
  for (let i = 0; i < word.length; i++) {
    const c = text.charCodeAt(s + i);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== word.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The position before the run of regex `\s` characters that ends at `end` (not before `lo`).
 *
 * @example
 * skipSpacesBack('ab  ', 4, 0) // 2
 */
export function skipSpacesBack(text: string, end: number, lo = 0): number {
  let q = end;
  while (q > lo && isRegexSpace(text.charCodeAt(q - 1))) q--;
  return q;
}

/**
 * A list of lowercase words looked up by the character they end with: `endsAt` tells whether one of them ends at
 * a position, compared as `endsWithCI` compares.
 *
 * @example
 * new WordEnds(['usd', 'total']).endsAt('Total: ', 5, 0) // true
 */
export class WordEnds {
  private readonly byLast = new Map<number, string[]>();

  constructor(words: readonly string[]) {
    for (const w of words) {
      const k = w.charCodeAt(w.length - 1);
      const list = this.byLast.get(k);
      if (list) list.push(w);
      else this.byLast.set(k, [w]);
    }
  }

  /** The words that may end with the character code `c` (any case), or undefined. */
  endingWith(c: number): readonly string[] | undefined {
    return this.byLast.get(c >= 65 && c <= 90 ? c + 32 : c);
  }

  /** True when one of the words ends at `end` and starts at or after `lo`. */
  endsAt(text: string, end: number, lo = 0): boolean {
    if (end <= lo) return false;
    const ws = this.endingWith(text.charCodeAt(end - 1));
    if (ws === undefined) return false;
    for (let i = 0; i < ws.length; i++) if (endsWithCI(text, end, ws[i]!, lo)) return true;
    return false;
  }
}

const CONTEXT = [
  'phone', 'tel', 'mobile', 'cell', 'call', 'fax', 'contact', 'number', 'whatsapp', 'sms', 'text me', 'reach',
  'office', 'desk', 'answering', 'message', 'dial', 'landline', 'hotline', 'extension',
  '电话', '手机', '联系', '致电', '号码', '微信', '热线', '座机',
];

const DATE_LIKE = /^(?:(?:19|20)\d{2}[-./ ](?:0?[1-9]|1[0-2])[-./ ](?:0?[1-9]|[12]\d|3[01])|(?:0?[1-9]|[12]\d|3[01])[-./ ](?:0?[1-9]|1[0-2])[-./ ](?:19|20)\d{2}|(?:0?[1-9]|1[0-2])[-./ ](?:0?[1-9]|[12]\d|3[01])[-./ ](?:19|20)\d{2})$/;

/**
 * Phone numbers: CN mobile (1[3-9]x, +86/0086 prefix, 3-4-4 separators), E.164 international numbers, North
 * American formats with extensions, trunk-prefixed national numbers (0…); bare digit groups only with context.
 * Dates, amounts, versions, order numbers and IP addresses are rejected.
 *
 * @example
 * createPhoneRule().scan('手机：+86 138-1234-5678', { stage: 'input' })[0]?.entity // 'PHONE'
 */
export function createPhoneRule(): PatternRule {
  return new PatternRule({
    id: 'phone',
    version: '1',
    category: 'pii',
    candidates: 'digits',
    entity: 'PHONE',
    context: CONTEXT,
    contextBoost: 0.35,
    // fixed counts are written out (\d\d\d\d, not \d{4}): V8 then checks several characters ahead at once and skips
    // most positions of the digit-dense candidate view (2-3x faster on the leading ones); same matches
    patterns: [
      { regex: /(?<![\w+])(?:\+|00)86[ -]?1[3-9]\d[ -]?\d\d\d\d[ -]?\d\d\d\d(?![\w])/g, score: 0.95, name: 'cn-mobile-intl', precheck: hasCnPrefix },
      { regex: /(?<![\w+.,-])1[3-9]\d([ -]?)\d\d\d\d\1\d\d\d\d(?![\w]|[.,]\d)/g, score: 0.8, name: 'cn-mobile' },
      {
        regex: /(?<![\w+])\+[1-9]\d{0,3}(?:[ .-]?\(0?\d{0,4}\))?(?:[ .-]?\d{1,5}){1,6}(?:\s?(?:x|ext\.?)\s?\d{1,6})?(?![\w])/g,
        score: 0.75,
        name: 'e164',
        // literal prechecks: the regex needs a '+' (and the one above '+86' or '0086'); skipped in most requests
        precheck: (t) => t.includes('+'),
      },
      {
        regex: /(?<![\w+(.,])(?:(?:1|001)[ .-]?)?(?:\([2-9]\d\d\)\s?|[2-9]\d\d[ .-])[2-9]\d\d[ .-]?\d\d\d\d(?:\s?(?:x|ext\.?)\s?\d{1,6})?(?![\w]|[.,]\d)/g,
        score: 0.65,
        name: 'nanp',
      },
      { regex: /(?<![\w+.]|\d,)\(?0\d{1,4}\)?(?:[ .-]?\d{2,5}){2,4}(?![\w]|[.,]\d)/g, score: 0.55, name: 'national' },
      { regex: /(?<![\w+.,])\(?\d{2,4}\)?(?:[ .-]\d{2,6}){1,4}(?![\w]|[.,]\d)/g, score: 0.25, name: 'groups' },
      { regex: /(?<![\w+.]|\d,)\d\d\d\d\d\d\d\d(?:\d(?:\d\d?)?)?(?![\w]|[.,]\d)/g, score: 0.2, name: 'digits' },
    ],
    validate: validatePhone,
    invalidate: (m) => lookalike(m),
    hooksKeepScore: true,
  });
}

/** The text has '+86' or '0086' (as `t.includes('+86') || t.includes('0086')`, searching the rarer '86' once). */
function hasCnPrefix(t: string): boolean {
  for (let i = t.indexOf('86', 1); i >= 0; i = t.indexOf('86', i + 1)) {
    const c = t.charCodeAt(i - 1);
    if (c === 43 || (c === 48 && t.charCodeAt(i - 2) === 48)) return true;
  }
  return false;
}

/** 7 to 15 digits, not all the same digit (one pass, no digit string built). */
function validatePhone(m: PatternMatch): boolean | number {
  const v = m.value;
  let n = 0;
  let first = -1;
  let same = true;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) continue;
    if (n === 0) first = c;
    else if (c !== first) same = false;
    n++;
  }
  return n >= 7 && n <= 15 && !same;
}

const IPV4_LIKE = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const AMOUNT_LIKE = /^\d{1,3}(?:,\d{3})+$/;

/**
 * Dates, IPv4 addresses, amounts, numbers after a currency or an identifier word, numbers before a unit, house
 * numbers. The context checks read characters instead of running a `$`-anchored regex over a slice (their regex
 * definitions are in the comments); the value regexes run only on values of a length they can match.
 */
function lookalike({ value, text, start, end, spec }: PatternMatch): boolean {
  const n = value.length;
  // DATE_LIKE has 8-10 characters and a separator after its leading year or before its trailing one
  if (n >= 8 && n <= 10 && (isDateSep(value.charCodeAt(4)) || isDateSep(value.charCodeAt(n - 5))) && DATE_LIKE.test(value)) return true;
  if (n >= 7 && n <= 15 && (value.charCodeAt(1) === 46 || value.charCodeAt(2) === 46 || value.charCodeAt(3) === 46) && IPV4_LIKE.test(value)) return true;
  if (value.includes(',') && AMOUNT_LIKE.test(value)) return true; // amount with thousands separators
  const lo = Math.max(0, start - 24);
  if (start > lo) {
    // CURRENCY_BEFORE and ID_BEFORE: most numbers have no sign before them and no character after their spaces
    // that a currency or identifier word (or a colon) can end with
    const c = text.charCodeAt(start - 1);
    if (isCurrencySign(c)) return true;
    let q = start;
    if (isRegexSpace(c)) {
      if (start - 1 > lo && isCurrencySign(text.charCodeAt(start - 2))) return true;
      q = skipSpacesBack(text, start - 1, lo);
    }
    if (q > lo) {
      const g = GATE[text.charCodeAt(q - 1)]!;
      if ((g & CUR) !== 0 && currencyWordBefore(text, lo, q)) return true;
      if ((g & ID) !== 0 && idBefore(text, lo, q)) return true;
    }
  }
  if (end < text.length && unitAfter(text, end)) return true;
  // weak shapes (bare groups/digits) followed by a capitalized word are house numbers and the like
  if (spec.name === 'groups' || spec.name === 'digits') {
    const c1 = text.charCodeAt(end + 1);
    const c2 = text.charCodeAt(end + 2);
    if (text.charCodeAt(end) === 32 && c1 >= 65 && c1 <= 90 && c2 >= 97 && c2 <= 122) return true;
  }
  return false;
}

/** One of DATE_LIKE's separators [-./ ]. */
function isDateSep(c: number): boolean {
  return c === 45 || c === 46 || c === 47 || c === 32;
}

/** One of $¥€£₹₩. */
function isCurrencySign(c: number): boolean {
  return c === 36 || c === 0xa5 || c === 0xa3 || c === 0x20ac || c === 0x20b9 || c === 0x20a9;
}

const CURRENCY_WORDS = new WordEnds(['usd', 'eur', 'rmb', 'cny', 'gbp', 'jpy', 'amount', 'total', 'price', '金额', '价格']);
const ID_WORDS = new WordEnds(['order', 'invoice', 'ticket', 'tracking', 'ref', 'sku', 'case', 'licence', 'license', 'passport', 'ssn', '版本', '订单', '单号', '编号', '发票', 'version']);
const ID_SUFFIXES = new WordEnds(['no', 'no.', 'number', '#', 'id']);
const IS_WAS = new WordEnds(['is', 'was']);
/** The units after a number (UNIT_AFTER), by their first character (lowercase). */
const UNITS = new Map<number, string[]>();
for (const w of ['%', '元', '块', '美元', '万', '亿', 'kg', 'km', 'mb', 'gb', 'ms', 'usd', 'eur', 'rmb']) {
  const k = w.charCodeAt(0);
  UNITS.set(k, [...(UNITS.get(k) ?? []), w]);
}

/** GATE bits: a currency word or colon may end with the character (CUR), an ID_BEFORE piece may (ID), a unit may start with it (UNIT). */
const CUR = 1;
const ID = 2;
const UNIT = 4;
const GATE = new Uint8Array(65536);
function gate(words: readonly string[], bit: number, first = false): void {
  for (const w of words) {
    const c = w.charCodeAt(first ? 0 : w.length - 1);
    GATE[c]! |= bit;
    if (c >= 97 && c <= 122) GATE[c - 32]! |= bit;
  }
}
gate(['usd', 'eur', 'rmb', 'cny', 'gbp', 'jpy', 'amount', 'total', 'price', '金额', '价格', ':', '：'], CUR);
gate(['order', 'invoice', 'ticket', 'tracking', 'ref', 'sku', 'case', 'licence', 'license', 'passport', 'ssn', '版本', '订单', '单号', '编号', '发票', 'version'], ID);
gate(['no', 'no.', 'number', '#', 'id', 'is', 'was', ':', '：'], ID);
gate(['%', '元', '块', '美元', '万', '亿', 'kg', 'km', 'mb', 'gb', 'ms', 'usd', 'eur', 'rmb'], UNIT, true);

/**
 * With `q` after the spaces before a number: a currency word, spaces, a colon, spaces end there. With the sign
 * checks in lookalike, as `/[$¥€£₹₩]\s?$|(?:usd|eur|rmb|cny|gbp|jpy|amount|total|price|金额|价格)\s*[:：]?\s*$/i.test(text.slice(lo, start))`.
 */
function currencyWordBefore(text: string, lo: number, q: number): boolean {
  const k = text.charCodeAt(q - 1);
  return CURRENCY_WORDS.endsAt(text, k === 58 || k === 0xff1a ? skipSpacesBack(text, q - 1, lo) : q, lo);
}

/**
 * With `q` after the spaces before a number (q > lo): an identifier word, an optional suffix (no., number, #, id),
 * is/was and [:：#], with spaces between, end there (read from the end): as `/(?:order|invoice|ticket|tracking|ref|
 * sku|case|licen[cs]e|passport|ssn|版本|订单|单号|编号|发票|version)\s*(?:no\.?|number|#|id)?\s*(?:is|was)?\s*[:：#]?\s*$/i
 * .test(text.slice(lo, start))`.
 */
function idBefore(text: string, lo: number, q: number): boolean {
  const k = text.charCodeAt(q - 1);
  if ((k === 58 || k === 0xff1a || k === 35) && idFrom(text, lo, skipSpacesBack(text, q - 1, lo), false)) return true;
  return idFrom(text, lo, q, false);
}

/** The part of ID_BEFORE before its [:：#]? ends at `q` (`afterIs`: is/was was read already). */
function idFrom(text: string, lo: number, q: number, afterIs: boolean): boolean {
  if (q <= lo) return false;
  const c = text.charCodeAt(q - 1);
  if (ID_WORDS.endsAt(text, q, lo)) return true;
  const isWas = afterIs ? undefined : IS_WAS.endingWith(c);
  if (isWas) for (const w of isWas) if (endsWithCI(text, q, w, lo) && idFrom(text, lo, skipSpacesBack(text, q - w.length, lo), true)) return true;
  const suffixes = ID_SUFFIXES.endingWith(c);
  if (suffixes) for (const w of suffixes) if (endsWithCI(text, q, w, lo) && ID_WORDS.endsAt(text, skipSpacesBack(text, q - w.length, lo), lo)) return true;
  return false;
}

/** An optional space, then a unit: as `/^\s?(?:%|元|块|美元|万|亿|kg|km|mb|gb|ms|usd|eur|rmb)/i.test(text.slice(end, end + 4))`. */
function unitAfter(text: string, end: number): boolean {
  const lim = Math.min(text.length, end + 4);
  let k = end;
  if (k >= lim) return false;
  let c = text.charCodeAt(k);
  if (isRegexSpace(c)) {
    if (++k >= lim) return false;
    c = text.charCodeAt(k);
  }
  if ((GATE[c]! & UNIT) === 0) return false;
  const ws = UNITS.get(c >= 65 && c <= 90 ? c + 32 : c);
  if (ws) for (const w of ws) if (k + w.length <= lim && endsWithCI(text, k + w.length, w, k)) return true;
  return false;
}
