import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PatternRule, type PatternMatch, type PatternRuleOptions } from '../../../src/safety/pattern-rule.js';
import { createCnPassportRule } from '../../../src/safety/rules/cn-passport.js';
import { createCnResidentIdRule } from '../../../src/safety/rules/cn-resident-id.js';
import { createCnUsccRule } from '../../../src/safety/rules/cn-uscc.js';
import { createIbanRule } from '../../../src/safety/rules/iban.js';
import { createIpAddressRule } from '../../../src/safety/rules/ip-address.js';
import { createPaymentCardRule } from '../../../src/safety/rules/payment-card.js';
import { WordEnds, createPhoneRule, endsWithCI, isRegexSpace, skipSpacesBack } from '../../../src/safety/rules/phone.js';
import { createUsSsnRule } from '../../../src/safety/rules/us-ssn.js';
import {
  cardBrand,
  cardBrandOf,
  cnResidentIdValid,
  dateValid,
  digitsOf,
  ibanValid,
  ibanValidOf,
  parseIPv4,
  parseIPv6,
  usccCheckChar,
  usccValid,
} from '../../../src/safety/validators.js';

// The digit rules read characters where they used regexes over slices, write fixed counts out, and check cheap
// conditions first. Each must give exactly what its plain definition (the rule as first written, below) gives.

const base = { version: '1', category: 'pii', candidates: 'digits' } as const;

const PHONE_CONTEXT = [
  'phone', 'tel', 'mobile', 'cell', 'call', 'fax', 'contact', 'number', 'whatsapp', 'sms', 'text me', 'reach',
  'office', 'desk', 'answering', 'message', 'dial', 'landline', 'hotline', 'extension',
  '电话', '手机', '联系', '致电', '号码', '微信', '热线', '座机',
];
const DATE_LIKE = /^(?:(?:19|20)\d{2}[-./ ](?:0?[1-9]|1[0-2])[-./ ](?:0?[1-9]|[12]\d|3[01])|(?:0?[1-9]|[12]\d|3[01])[-./ ](?:0?[1-9]|1[0-2])[-./ ](?:19|20)\d{2}|(?:0?[1-9]|1[0-2])[-./ ](?:0?[1-9]|[12]\d|3[01])[-./ ](?:19|20)\d{2})$/;
const CURRENCY_BEFORE = /[$¥€£₹₩]\s?$|(?:usd|eur|rmb|cny|gbp|jpy|amount|total|price|金额|价格)\s*[:：]?\s*$/i;
const UNIT_AFTER = /^\s?(?:%|元|块|美元|万|亿|kg|km|mb|gb|ms|usd|eur|rmb)/i;
const ID_BEFORE = /(?:order|invoice|ticket|tracking|ref|sku|case|licen[cs]e|passport|ssn|版本|订单|单号|编号|发票|version)\s*(?:no\.?|number|#|id)?\s*(?:is|was)?\s*[:：#]?\s*$/i;

function plainLookalike({ value, text, start, end, spec }: PatternMatch): boolean {
  if (DATE_LIKE.test(value)) return true;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(value)) return true;
  if (/^\d{1,3}(?:,\d{3})+$/.test(value)) return true;
  const before = text.slice(Math.max(0, start - 24), start);
  if (CURRENCY_BEFORE.test(before) || ID_BEFORE.test(before)) return true;
  if (UNIT_AFTER.test(text.slice(end, end + 4))) return true;
  if ((spec.name === 'groups' || spec.name === 'digits') && /^ [A-Z][a-z]/.test(text.slice(end, end + 3))) return true;
  return false;
}

const CARD_CONTEXT = ['card', 'credit', 'debit', 'visa', 'mastercard', 'amex', 'unionpay', 'cc', 'pan', '卡号', '银行卡', '信用卡', '储蓄卡', '借记卡', '银联'];

/** A rule's options (to reuse a hook that did not change). */
const optionsOf = (r: PatternRule): PatternRuleOptions => (r as unknown as { opts: PatternRuleOptions }).opts;

/** The plain definitions: regexes as first written, hooks with regexes over slices. */
const PLAIN: Record<string, () => PatternRuleOptions> = {
  phone: () => ({
    ...base, id: 'phone', entity: 'PHONE', context: PHONE_CONTEXT, contextBoost: 0.35, hooksKeepScore: true,
    patterns: [
      { regex: /(?<![\w+])(?:\+|00)86[ -]?1[3-9]\d(?:[ -]?\d{4}){2}(?![\w])/g, score: 0.95, name: 'cn-mobile-intl', precheck: (t) => t.includes('+86') || t.includes('0086') },
      { regex: /(?<![\w+.,-])1[3-9]\d(?:([ -]?)\d{4}\1\d{4})(?![\w]|[.,]\d)/g, score: 0.8, name: 'cn-mobile' },
      { regex: /(?<![\w+])\+[1-9]\d{0,3}(?:[ .-]?\(0?\d{0,4}\))?(?:[ .-]?\d{1,5}){1,6}(?:\s?(?:x|ext\.?)\s?\d{1,6})?(?![\w])/g, score: 0.75, name: 'e164', precheck: (t) => t.includes('+') },
      { regex: /(?<![\w+(.,])(?:(?:1|001)[ .-]?)?(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]?\d{4}(?:\s?(?:x|ext\.?)\s?\d{1,6})?(?![\w]|[.,]\d)/g, score: 0.65, name: 'nanp' },
      { regex: /(?<![\w+.]|\d,)\(?0\d{1,4}\)?(?:[ .-]?\d{2,5}){2,4}(?![\w]|[.,]\d)/g, score: 0.55, name: 'national' },
      { regex: /(?<![\w+.,])\(?\d{2,4}\)?(?:[ .-]\d{2,6}){1,4}(?![\w]|[.,]\d)/g, score: 0.25, name: 'groups' },
      { regex: /(?<![\w+.]|\d,)\d{8,11}(?![\w]|[.,]\d)/g, score: 0.2, name: 'digits' },
    ],
    validate: (m) => {
      const d = digitsOf(m.value);
      if (d.length < 7 || d.length > 15) return false;
      return !/^(\d)\1+$/.test(d);
    },
    invalidate: plainLookalike,
  }),
  'ip-address': () => ({
    ...base, id: 'ip-address', entity: 'IP_ADDRESS', context: ['ip', 'address', 'host', 'server', '地址', '服务器'], contextBoost: 0.1,
    patterns: [
      { regex: /(?<![\w.:])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\d)/g, score: 0.8, name: 'ipv4' },
      { regex: /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4}|:)(?:%[\w.]+)?(?![\w:]|\.\d)/g, score: 0.85, name: 'ipv6', precheck: (t) => t.includes(':') },
    ],
    validate: ({ value, spec }) => (spec.name === 'ipv4' ? parseIPv4(value) !== undefined : parseIPv6(value) !== undefined && /[0-9a-f]*:[0-9a-f]*:/i.test(value) && !/^\d{1,2}:\d{2}(?::\d{2})?$/.test(value)),
    invalidate: ({ text, start }) => /(?:\bv|version|ver\.?|版本)\s*$/i.test(text.slice(Math.max(0, start - 10), start)),
  }),
  'cn-uscc': () => ({
    ...base, id: 'cn-uscc', entity: 'CN_USCC', context: ['信用代码', '社会信用', '营业执照', '税号', '纳税人识别号', 'uscc', 'credit code', 'tax id'], contextBoost: 0.1,
    patterns: [{ regex: /(?<![\w])[1-9ANYany][0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]\d{6}[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{10}(?![\w])/g, score: 0.85, name: 'mod31' }],
    validate: ({ value }) => usccValid(value),
  }),
  'cn-resident-id': () => ({
    ...base, id: 'cn-resident-id', entity: 'CN_RESIDENT_ID', hooksKeepScore: true, contextBoost: 0.3,
    context: ['身份证', '证件号', '公民身份', '身份号码', 'id card', 'identity', 'id no', 'id number', 'resident id'],
    patterns: [
      { regex: /(?<![\w])[1-9]\d{5}(?:18|19|20)\d{2}[01]\d[0-3]\d{4}[\dXx](?![\w])/g, score: 0.9, name: 'mod11-2' },
      { regex: /(?<![\w])[1-9]\d{5}\d{2}[01]\d[0-3]\d{4}(?![\w])/g, score: 0.45, name: 'legacy-15' },
    ],
    validate: ({ value }) => cnResidentIdValid(value),
  }),
  'payment-card': () => ({
    ...base, id: 'payment-card', entity: 'CARD', context: CARD_CONTEXT, contextBoost: 0.15,
    patterns: [{ regex: /(?<![\w.,+-])(?:[1-9]\d{3}(?:[ -]?\d{4}){2}(?:[ -]?\d{1,7})?|3[47]\d{2}[ -]\d{6}[ -]\d{5}|06\d{10,17})(?![\w]|[.,]\d)/g, score: 0.85, name: 'pan' }],
    // the hook did not change: the rule's own
    validate: optionsOf(createPaymentCardRule()).validate!,
  }),
  'us-ssn': () => ({
    ...base, id: 'us-ssn', entity: 'US_SSN', hooksKeepScore: true, context: ['ssn', 'social security', 'social-security'], contextBoost: 0.3,
    patterns: [
      { regex: /(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w]|-\d)/g, score: 0.6, name: 'dashed' },
      { regex: /(?<![\w-])\d{9}(?![\w])/g, score: 0.2, name: 'digits' },
    ],
    validate: ({ value }) => {
      const d = value.replace(/\D/g, '');
      const area = d.slice(0, 3);
      if (area === '000' || area === '666' || area[0] === '9') return false;
      return d.slice(3, 5) !== '00' && d.slice(5) !== '0000';
    },
  }),
  iban: () => ({
    ...base, id: 'iban', entity: 'IBAN', context: ['iban', 'account', 'bank', '账户', '账号'], contextBoost: 0.05,
    patterns: [{ regex: /(?<![\w])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,4})?(?![\w])/g, score: 0.95, name: 'mod97' }],
    validate: optionsOf(createIbanRule()).validate!,
  }),
  'cn-passport': () => ({
    ...base, id: 'cn-passport', entity: 'CN_PASSPORT', hooksKeepScore: true, context: ['护照', 'passport', '旅行证', '证件号'], contextWindow: 32, contextBoost: 0.5,
    patterns: [
      { regex: /(?<![\w])(?:E[A-HJ-NP-Z0-9]\d{7}|G\d{8})(?![\w])/g, score: 0.3, name: 'ordinary' },
      { regex: /(?<![\w])[PSD]E?\d{7}(?![\w])/g, score: 0.2, name: 'official' },
    ],
  }),
};

const FAST: Record<string, () => PatternRule> = {
  phone: createPhoneRule,
  'ip-address': createIpAddressRule,
  'cn-uscc': createCnUsccRule,
  'cn-resident-id': createCnResidentIdRule,
  'payment-card': createPaymentCardRule,
  'us-ssn': createUsSsnRule,
  iban: createIbanRule,
  'cn-passport': createCnPassportRule,
};

const digitRun = fc.array(fc.constantFrom(...'0123456789'), { minLength: 1, maxLength: 19 }).map((a) => a.join(''));
const PIECES = [
  ' ', ' ', '-', '.', ',', '(', ')', '+', '+86', '0086', '00', '0', '1', '13', '138', '2024', '-03-', '15', '1234', '5678', '415', '555',
  'x', 'ext.', ':', '：', '#', '::', 'ff', 'db8', '%eth0', '\n', '\u3000', '\u00a0', '\t', 'order', 'Order', 'No.', 'no', 'number', 'NUMBER', 'is',
  'was', 'ID', 'id', 'ref', 'ticket', 'SSN', 'license', '版本', '订单', 'USD', 'eur', 'Total', 'price', '金额', '价格', '$', '¥', '€', '£', '₹', '₩',
  '%', '元', '美元', 'kg', 'KM', 'ms', 'Main', ' St', 'call', 'phone', '电话', '手机', 'version', 'v', 'ver.', 'IBAN', 'GB82', 'WEST', 'E', 'G', 'P',
  'S', 'D', 'X', 'ſ', 'K', 'ı', 'İ', 'a', 'Z', '_', '身份证', 'card', '银联', '护照', 'passport', 'ip', '地址', 'credit code', 'social security',
  '4111111111111111', '6212345678901232', '11010519491231002X', '110105491231002', '91350100M000100Y43', 'GB82 WEST 1234 5698 7654 32',
  'DE89370400440532013000', '2001:db8::7', '2001:0db8:85a3:0000:0000:8a2e:0370:7334', 'fe80:1234:5678:9abc:def0:1234:5678:9abc', '10.0.0.1', '192.168.1.254', '078-05-1121', '078 05 1121', 'E12345678', 'G12345678', 'DE1234567',
  '13812345678', '138-1234-5678', '15-03-2024', '3/15/2024', '2024.3.5', '1 2 1999', '+1-415-555-0100', '(415) 555-0100', '020 7946 0958', '20231129001',
];
const opt = (...xs: string[]) => fc.constantFrom('', ...xs);
const sp = opt(' ', '  ', '\u3000', '\t');
/** What the lookalike checks read before a number: identifier or currency words, suffixes, is/was, colons, spaces. */
const before = fc
  .tuple(opt('order', 'Order', 'ORDER', 'sku', 'case', 'licence', 'passport', '发票', 'version', 'usd', 'Total', '金额', 'amount', 'x', '$', '¥ ', 'ſsn', 'ssn'), sp, opt('no', 'No.', 'number', '#', 'id', 'ID'), sp, opt('is', 'was', 'WAS'), sp, opt(':', '：', '#', '::'), sp)
  .map((a) => a.join(''));
const after = opt(' kg', '%', '元', ' 美元', 'KM', ' Main', ' main', ' M', '万', ' eur', ' rmb');
const hex = fc.array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: 0, maxLength: 5 }).map((a) => a.join(''));
const ipv6ish = fc.array(hex, { minLength: 2, maxLength: 9 }).map((a) => a.join(':'));
/** Digit groups with separators: dotted quads, dashed and spaced numbers, parenthesized area codes. */
const groupsArb = fc
  .tuple(opt('+', '(', '+1 ', '00', '0', 'v', 'E', 'G'), fc.array(fc.tuple(fc.array(fc.constantFrom(...'0123456789'), { minLength: 1, maxLength: 6 }).map((a) => a.join('')), opt('.', '-', ' ', ',', ')', ') ', ':', 'X')), { minLength: 1, maxLength: 6 }))
  .map(([p, gs]) => p + gs.map(([g, sep]) => g + sep).join(''));
const USCC_CHARS = [...'0123456789ABCDEFGHJKLMNPQRTUWXY'];
/** Unified social credit codes: random codes (some with a province code), half with their check character. */
const usccArb = fc
  .tuple(fc.constantFrom(...'19ANYna'), fc.constantFrom(...USCC_CHARS), fc.constantFrom('11', '10', '91', '00', '16', '54', '55', '71', '72', '83'), fc.array(fc.constantFrom(...'0123456789'), { minLength: 4, maxLength: 4 }), fc.array(fc.constantFrom(...USCC_CHARS), { minLength: 9, maxLength: 9 }), fc.boolean(), fc.boolean())
  .map(([a, t, p, r, o, check, lower]) => {
    const head = a.toUpperCase() + t + p + r.join('') + o.join('');
    const code = head + (check ? (usccCheckChar(head) ?? '0') : o[0]!);
    return lower ? code.toLowerCase() : code;
  });
/** Dates in the three orders with random separators, some out of range. */
const dateArb = fc
  .tuple(fc.oneof(fc.integer({ min: 1890, max: 2110 }), fc.constantFrom(1899, 1900, 2099, 2100)), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 33 }), fc.constantFrom(...'-. -./x'), fc.constantFrom(...'-. -./:'), fc.nat(2), fc.boolean())
  .map(([y, m, d, s1, s2, order, pad]) => {
    const p = (v: number) => (pad && v < 10 ? `0${v}` : String(v));
    return order === 0 ? `${y}${s1}${p(m)}${s2}${p(d)}` : order === 1 ? `${p(d)}${s1}${p(m)}${s2}${y}` : `${p(m)}${s1}${p(d)}${s2}${y}`;
  });
const dotted = fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('01', '1a', '')), { minLength: 3, maxLength: 6 }).map((a) => a.join('.'));
const piece = fc.oneof(
  { weight: 1, arbitrary: dateArb },
  { weight: 1, arbitrary: usccArb },
  { weight: 1, arbitrary: dotted },
  { weight: 2, arbitrary: groupsArb },
  { weight: 6, arbitrary: fc.constantFrom(...PIECES) },
  { weight: 2, arbitrary: digitRun },
  { weight: 2, arbitrary: fc.tuple(before, fc.constantFrom('13812345678', '20231129001', '415 555 0100', '1234 5678', '2024-03-15', '12,345', '10.0.0.1', '0755-8888-6666'), after).map((a) => a.join('')) },
  { weight: 1, arbitrary: ipv6ish },
);
const textArb = fc.array(piece, { maxLength: 40 }).map((a) => a.join(''));

describe('digit rules: fast definitions equal the plain ones', () => {
  for (const id of Object.keys(FAST)) {
    it(`${id}: same findings on random identifier-dense text (threshold 0.5 and 0)`, () => {
      const fast = FAST[id]!();
      const plain = new PatternRule(PLAIN[id]!());
      fc.assert(
        fc.property(textArb, (text) => {
          for (const min of [0.5, 0]) {
            fast.minScore = min;
            plain.minScore = min;
            expect(fast.scan(text, { stage: 'input' })).toEqual(plain.scan(text, { stage: 'input' }));
          }
        }),
        { numRuns: 1500 },
      );
    });
  }
});

describe('phone: lookalike shapes alone', () => {
  it('dates in every order, separator and range are dropped exactly as the plain DATE_LIKE drops them', () => {
    const fast = createPhoneRule();
    const plain = new PatternRule(PLAIN.phone!());
    fast.minScore = plain.minScore = 0;
    fc.assert(
      fc.property(dateArb, fc.constantFrom('x ', 'call ', '(', ''), (date, pre) => {
        const text = `${pre}${date} and`;
        expect(fast.scan(text, { stage: 'input' })).toEqual(plain.scan(text, { stage: 'input' }));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('character helpers', () => {
  it('isRegexSpace is /\\s/ on every UTF-16 code unit', () => {
    for (let c = 0; c < 65536; c++) if (isRegexSpace(c) !== /\s/.test(String.fromCharCode(c))) expect([c, isRegexSpace(c)]).toEqual([c, !isRegexSpace(c)]);
  });

  it('endsWithCI and WordEnds compare as a /i regex does (ASCII letters only fold)', () => {
    const words = ['usd', 'order', 'no.', '#', '金额', 'id', 'ssn', 'k'];
    const ends = new WordEnds(words);
    const chars = fc.constantFrom(...'usdUSDorderORDERno.NO#金额idIDsSſKkKıİ \u3000x');
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 12 }).map((a) => a.join('')), fc.nat(14), fc.nat(6), (text, e0, lo0) => {
        const end = Math.min(e0, text.length);
        const lo = Math.min(lo0, end);
        const slice = text.slice(lo, end);
        for (const w of words) expect(endsWithCI(text, end, w, lo)).toBe(new RegExp(`${w.replace(/[.#]/g, '\\$&')}$`, 'i').test(slice));
        expect(ends.endsAt(text, end, lo)).toBe(words.some((w) => new RegExp(`${w.replace(/[.#]/g, '\\$&')}$`, 'i').test(slice)));
        expect(skipSpacesBack(text, end, lo)).toBe(lo + slice.replace(/\s+$/, '').length);
      }),
      { numRuns: 2000 },
    );
  });
});

/** The plain definitions of the validators with fast paths. */
function plainParseIPv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out.push(v);
  }
  return out;
}

function plainDateValid(y: number, m: number, d: number, maxYear = new Date().getUTCFullYear(), minYear = 1850): boolean {
  if (y < minYear || y > maxYear || m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1]!;
}

describe('validators: fast paths equal the plain definitions', () => {
  it('dateValid (no month table, cached current year) is the table definition', () => {
    const num = (lo: number, hi: number) => fc.oneof(fc.integer({ min: lo, max: hi }), fc.constantFrom(NaN, 1.5, 2.5, -0, Infinity));
    fc.assert(
      fc.property(num(1800, 2200), num(-1, 14), num(-1, 33), fc.option(num(1900, 2100), { nil: undefined }), (y, m, d, max) => {
        expect(dateValid(y, m, d, max)).toBe(plainDateValid(y, m, d, max));
        expect(dateValid(y, m, d)).toBe(plainDateValid(y, m, d));
      }),
      { numRuns: 20000 },
    );
    const year = new Date().getUTCFullYear();
    expect([dateValid(year, 1, 1), dateValid(year + 1, 1, 1)]).toEqual([true, false]);
  });

  it('ibanValid (two passes over ASCII) is the normalize-and-test definition', () => {
    const valid = ['GB82WEST12345698765432', 'DE89370400440532013000', 'FR1420041010050500013M02606', 'NL91ABNA0417164300', 'NO9386011117947', 'BE71096123456769'];
    const mutate = fc.tuple(fc.constantFrom(...valid), fc.nat(40), fc.constantFrom('', ' ', '-', '\t', '\u00a0', '\u3000', 'ß', 'ı', 'x', '0', '9', 'Z', '.', '_', 'ﬁ'), fc.boolean(), fc.boolean());
    fc.assert(
      fc.property(mutate, ([v, at, ins, lower, drop]) => {
        const k = at % (v.length + 1);
        let s = v.slice(0, k) + ins + v.slice(drop ? k + 1 : k);
        if (lower) s = s.toLowerCase();
        expect(ibanValid(s)).toBe(ibanValidOf(s));
        const spaced = s.replace(/(.{4})/g, '$1 ');
        expect(ibanValid(spaced)).toBe(ibanValidOf(spaced));
      }),
      { numRuns: 20000 },
    );
    for (const v of valid) expect(ibanValid(v)).toBe(true);
  });

  const prefix = fc.constantFrom('', '3', '34', '37', '4', '5', '51', '55', '56', '58', '50', '2221', '2720', '2200', '2204', '2199', '62', '622126', '622925', '81', '6011', '644', '649', '65', '35', '1800', '2131', '300', '305', '309', '36', '38', '39', '0604', '6', '9', ' ', '+', 'a');
  const digits = fc.array(fc.constantFrom(...'0123456789'), { maxLength: 20 }).map((a) => a.join(''));
  it('cardBrand (numeric prefixes) is the CARD_BRANDS table', () => {
    fc.assert(
      fc.property(prefix, digits, fc.constantFrom('', '', '', ' ', 'x', '-'), (p, d, tail) => {
        const s = (p + d + tail).slice(0, 20);
        expect(cardBrand(s)).toBe(cardBrandOf(s));
      }),
      { numRuns: 20000 },
    );
  });

  it('parseIPv4 (one pass) is the split-and-test definition', () => {
    const part = fc.oneof(fc.integer({ min: 0, max: 1100 }).map(String), fc.constantFrom('', '00', '01', '0', '1a', ' 1', '+1', '1e2', '0x1', '٣'));
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), fc.constantFrom('', '.', 'x'), (parts, tail) => {
        const s = parts.join('.') + tail;
        expect(parseIPv4(s)).toEqual(plainParseIPv4(s));
      }),
      { numRuns: 20000 },
    );
  });

  it('digitsOf keeps the ASCII digits', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789 -+x１'), maxLength: 30 }), (s) => {
        expect(digitsOf(s)).toBe(s.replace(/[^0-9]/g, ''));
      }),
    );
  });
});
