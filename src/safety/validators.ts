/**
 * Checksums and parsers used by the recognizers. Pure functions over strings; each is exported for reuse and tests.
 */

/**
 * Keeps only ASCII digits.
 *
 * @example
 * digitsOf('+86 138-1234') // '861381234'
 */
export function digitsOf(s: string): string {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === s.length) return s; // digits only (most card and ID values): no copy
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) out += s[i];
  }
  return out;
}

/**
 * Luhn (mod 10) check over a digit string.
 *
 * @example
 * luhnValid('4111111111111111') // true
 */
export function luhnValid(digits: string): boolean {
  if (digits.length < 2) return false;
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

/** Card brands by IIN prefix and allowed lengths. */
const CARD_BRANDS: { brand: string; test: (d: string) => boolean; lengths: number[] }[] = [
  { brand: 'amex', test: (d) => /^3[47]/.test(d), lengths: [15] },
  { brand: 'visa', test: (d) => d[0] === '4', lengths: [13, 16, 19] },
  { brand: 'mastercard', test: (d) => /^5[1-5]/.test(d) || inRange(d, 4, 2221, 2720), lengths: [16] },
  { brand: 'unionpay', test: (d) => /^62/.test(d) || /^81/.test(d), lengths: [16, 17, 18, 19] },
  { brand: 'discover', test: (d) => /^6011|^64[4-9]|^65/.test(d) || inRange(d, 6, 622126, 622925), lengths: [16, 17, 18, 19] },
  { brand: 'jcb', test: (d) => /^35/.test(d), lengths: [16, 17, 18, 19] },
  { brand: 'jcb', test: (d) => /^(?:1800|2131)/.test(d), lengths: [15] },
  { brand: 'diners', test: (d) => /^3(?:0[0-5]|09|6|[89])/.test(d), lengths: [14, 15, 16, 17, 18, 19] },
  { brand: 'maestro', test: (d) => /^(?:5018|5020|5038|5893|6304|6759|676[1-3]|0604|6390|50|5[6-8]|6)/.test(d), lengths: [12, 13, 14, 15, 16, 17, 18, 19] },
  { brand: 'mir', test: (d) => inRange(d, 4, 2200, 2204), lengths: [16, 17, 18, 19] },
];

function inRange(d: string, n: number, lo: number, hi: number): boolean {
  const v = Number(d.slice(0, n));
  return v >= lo && v <= hi;
}

/**
 * Card brand for a digit string by IIN range and length, or undefined.
 *
 * @example
 * cardBrand('6212345678901232') // 'unionpay'
 */
export function cardBrand(digits: string): string | undefined {
  const n = digits.length;
  if (n < 12 || n > 19) return undefined; // no brand has such a length
  let p6 = 0;
  for (let i = 0; i < n; i++) {
    const c = digits.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return cardBrandOf(digits); // not digits only: the table's tests as written
    if (i < 6) p6 = p6 * 10 + c;
  }
  // the CARD_BRANDS table in its order, on the numeric prefixes
  const p4 = Math.floor(p6 / 100);
  const p3 = Math.floor(p6 / 1000);
  const p2 = Math.floor(p6 / 10000);
  const d0 = Math.floor(p6 / 100000);
  if (n === 15 && (p2 === 34 || p2 === 37)) return 'amex';
  if (d0 === 4 && (n === 13 || n === 16 || n === 19)) return 'visa';
  if (n === 16 && ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))) return 'mastercard';
  if (n >= 16 && (p2 === 62 || p2 === 81)) return 'unionpay';
  if (n >= 16 && (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925))) return 'discover';
  if (n >= 16 && p2 === 35) return 'jcb';
  if (n === 15 && (p4 === 1800 || p4 === 2131)) return 'jcb';
  if (n >= 14 && ((p3 >= 300 && p3 <= 305) || p3 === 309 || p2 === 36 || p2 === 38 || p2 === 39)) return 'diners';
  // maestro: 5018|5020|5038|5893|6304|6759|676[1-3]|0604|6390|50|5[6-8]|6 is 50, 56-58, 6 or 0604
  if (d0 === 6 || p2 === 50 || (p2 >= 56 && p2 <= 58) || p4 === 604) return 'maestro';
  if (n >= 16 && p4 >= 2200 && p4 <= 2204) return 'mir';
  return undefined;
}

/** cardBrand by the CARD_BRANDS table (any string): the reference its numeric fast path is tested against.
 * @example cardBrandOf('4111111111111111') // 'visa' */
export function cardBrandOf(digits: string): string | undefined {
  for (const b of CARD_BRANDS) if (b.lengths.includes(digits.length) && b.test(digits)) return b.brand;
  return undefined;
}

/** IBAN lengths per country (ISO 13616 registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = Object.freeze({
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27,
  MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33,
  SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
});

/**
 * IBAN check: known country, its exact length, and ISO 7064 mod-97 == 1. Spaces are ignored; case-insensitive.
 *
 * @example
 * ibanValid('GB82 WEST 1234 5698 7654 32') // true
 */
export function ibanValid(raw: string): boolean {
  const fast = ibanValidAscii(raw);
  return fast ?? ibanValidOf(raw);
}

/** ASCII \s (tab to carriage return, space) and '-': what ibanValid drops. */
function ibanSkip(c: number): boolean {
  return c === 32 || c === 45 || (c >= 9 && c <= 13);
}

/**
 * ibanValid in two passes without building strings, for ASCII text (undefined otherwise: toUpperCase and `\s`
 * then go beyond ASCII).
 */
function ibanValidAscii(raw: string): boolean | undefined {
  let n = 0;
  let head = 0; // the first four characters of the compact form, uppercased, 8 bits each
  for (let i = 0; i < raw.length; i++) {
    let c = raw.charCodeAt(i);
    if (c >= 128) return undefined;
    if (ibanSkip(c)) continue;
    if (c >= 97 && c <= 122) c -= 32;
    const letter = c >= 65 && c <= 90;
    const digit = c >= 48 && c <= 57;
    if (n < 2 ? !letter : n < 4 ? !digit : !(letter || digit)) return false;
    if (n < 4) head = head * 256 + c;
    n++;
  }
  if (n < 5) return false;
  const len = IBAN_LENGTHS[String.fromCharCode(head >>> 24, (head >>> 16) & 255)];
  if (len === undefined || n !== len) return false;
  let rem = 0;
  const step = (c: number): void => {
    const v = c <= 57 ? c - 48 : c - 55;
    rem = v > 9 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  };
  for (let i = 0, k = 0; i < raw.length; i++) {
    let c = raw.charCodeAt(i);
    if (ibanSkip(c)) continue;
    if (k++ < 4) continue;
    if (c >= 97) c -= 32;
    step(c);
  }
  step(head >>> 24);
  step((head >>> 16) & 255);
  step((head >>> 8) & 255);
  step(head & 255);
  return rem === 1;
}

/** ibanValid as first written (any string): the reference its fast ASCII path is tested against.
 * @example ibanValidOf('GB82 WEST 1234 5698 7654 32') // true */
export function ibanValidOf(raw: string): boolean {
  const s = raw.replace(/[\s-]/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s)) return false;
  const len = IBAN_LENGTHS[s.slice(0, 2)];
  if (len === undefined || s.length !== len) return false;
  const r = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < r.length; i++) {
    const c = r.charCodeAt(i);
    const v = c <= 57 ? c - 48 : c - 55;
    rem = v > 9 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97;
  }
  return rem === 1;
}

/** Province-level prefixes of CN administrative division codes (GB/T 2260). */
const CN_PROVINCES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37', '41', '42', '43', '44',
  '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65', '71', '81', '82', '83', '91',
]);

/**
 * True when the 6-digit region code has a valid province prefix.
 *
 * @example
 * cnRegionValid('110105') // true
 */
export function cnRegionValid(code: string): boolean {
  return /^\d{6}$/.test(code) && CN_PROVINCES.has(code.slice(0, 2)) && code.slice(2) !== '0000';
}

/**
 * True for a real calendar date (Gregorian) within [minYear, maxYear].
 *
 * @example
 * dateValid(2024, 2, 29) // true
 */
export function dateValid(y: number, m: number, d: number, maxYear = currentUtcYear(), minYear = 1850): boolean {
  if (y < minYear || y > maxYear || m < 1 || m > 12 || d < 1) return false;
  if (!Number.isInteger(m)) return false; // no such month (a month table has no entry there)
  if (m === 2) return d <= ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28);
  return d <= (m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31);
}

let yearNow = 0;
let yearFrom = 0;
let yearUntil = 0;

/** The current UTC year (as `new Date().getUTCFullYear()`), a Date built only when the clock leaves the cached year. */
function currentUtcYear(): number {
  const now = Date.now();
  if (now < yearFrom || now >= yearUntil || yearNow === 0) {
    yearNow = new Date(now).getUTCFullYear();
    yearFrom = Date.UTC(yearNow, 0, 1);
    yearUntil = Date.UTC(yearNow + 1, 0, 1);
  }
  return yearNow;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/**
 * ISO 7064 MOD 11-2 check character of the first 17 digits of a CN resident ID.
 *
 * @example
 * cnIdCheckChar('11010519491231002') // 'X'
 */
export function cnIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

/**
 * CN resident identity card number: 18 characters (region, birth date, sequence, MOD 11-2 check with X) or the
 * legacy 15-digit form (region, YYMMDD, sequence; no check digit).
 *
 * @example
 * cnResidentIdValid('11010519491231002X') // true
 */
export function cnResidentIdValid(id: string): boolean {
  const s = id.toUpperCase();
  if (/^\d{17}[\dX]$/.test(s)) {
    if (!cnRegionValid(s.slice(0, 6))) return false;
    if (!dateValid(+s.slice(6, 10), +s.slice(10, 12), +s.slice(12, 14))) return false;
    return cnIdCheckChar(s) === s[17];
  }
  if (/^\d{15}$/.test(s)) {
    return cnRegionValid(s.slice(0, 6)) && dateValid(1900 + +s.slice(6, 8), +s.slice(8, 10), +s.slice(10, 12), 1999);
  }
  return false;
}

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/**
 * GB 32100-2015 check character of the first 17 characters of a unified social credit code.
 *
 * @example
 * usccCheckChar('91350100M000100Y4') // '3'
 */
export function usccCheckChar(first17: string): string | undefined {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_CHARS.indexOf(first17[i]!);
    if (v < 0) return undefined;
    sum += v * USCC_WEIGHTS[i]!;
  }
  return USCC_CHARS[(31 - (sum % 31)) % 31];
}

/**
 * CN unified social credit code (统一社会信用代码, GB 32100-2015): registration authority (1-9, A, N, Y), type,
 * a 6-digit region code, the 9-character organization code, and the mod-31 check character.
 *
 * @example
 * usccValid('91350100M000100Y43') // true
 */
export function usccValid(code: string): boolean {
  const s = code.toUpperCase();
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(s)) return false;
  if (!/^[1-9ANY][0-9A-HJ-NPQRTUWXY]\d{6}/.test(s)) return false;
  if (!CN_PROVINCES.has(s.slice(2, 4)) && s.slice(2, 4) !== '10') return false;
  return usccCheckChar(s.slice(0, 17)) === s[17];
}

/**
 * Parses a dotted-quad IPv4 address (no leading zeros, each octet 0..255). Returns the octets or undefined.
 *
 * @example
 * parseIPv4('192.168.0.1') // [192, 168, 0, 1]
 */
export function parseIPv4(s: string): number[] | undefined {
  // four '.'-separated parts of 1-3 ASCII digits, no leading zero, at most 255 (read in one pass)
  const out: number[] = [];
  let v = 0;
  let n = 0;
  let first = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (n === 0 || (n > 1 && first === 48) || v > 255 || out.length === 4) return undefined;
      out.push(v);
      v = 0;
      n = 0;
    } else if (c >= 48 && c <= 57) {
      if (n === 0) first = c;
      else if (n === 3) return undefined;
      v = v * 10 + (c - 48);
      n++;
    } else return undefined;
  }
  return out.length === 4 ? out : undefined;
}

/**
 * Parses an IPv6 address (RFC 4291 text forms: `::` compression, embedded IPv4, optional `%zone`) into 8 groups.
 *
 * @example
 * parseIPv6('2001:db8::1')?.length // 8
 */
export function parseIPv6(input: string): number[] | undefined {
  let s = input;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (s.length < 2 || s.length > 45) return undefined;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) > lastColon) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith('::')) s = s.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  if (!head) return undefined;
  if (halves.length === 2) {
    const rest = parse(halves[1]!);
    if (!rest) return undefined;
    const fill = 8 - head.length - rest.length - tail.length;
    if (fill < 1) return undefined;
    return [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  }
  return head.length + tail.length === 8 ? [...head, ...tail] : undefined;
}

/**
 * Shannon entropy in bits per character.
 *
 * @example
 * shannonEntropy('aaaa') // 0
 */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<number, number>();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}
