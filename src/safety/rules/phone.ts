import { PatternRule, type PatternMatch } from '../pattern-rule.js';
import { digitsOf } from '../validators.js';

const CONTEXT = [
  'phone', 'tel', 'mobile', 'cell', 'call', 'fax', 'contact', 'number', 'whatsapp', 'sms', 'text me', 'reach',
  'office', 'desk', 'answering', 'message', 'dial', 'landline', 'hotline', 'extension',
  '电话', '手机', '联系', '致电', '号码', '微信', '热线', '座机',
];

const DATE_LIKE = /^(?:(?:19|20)\d{2}[-./ ](?:0?[1-9]|1[0-2])[-./ ](?:0?[1-9]|[12]\d|3[01])|(?:0?[1-9]|[12]\d|3[01])[-./ ](?:0?[1-9]|1[0-2])[-./ ](?:19|20)\d{2}|(?:0?[1-9]|1[0-2])[-./ ](?:0?[1-9]|[12]\d|3[01])[-./ ](?:19|20)\d{2})$/;
const CURRENCY_BEFORE = /[$¥€£₹₩]\s?$|(?:usd|eur|rmb|cny|gbp|jpy|amount|total|price|金额|价格)\s*[:：]?\s*$/i;
const UNIT_AFTER = /^\s?(?:%|元|块|美元|万|亿|kg|km|mb|gb|ms|usd|eur|rmb)/i;
const ID_BEFORE = /(?:order|invoice|ticket|tracking|ref|sku|case|licen[cs]e|passport|ssn|版本|订单|单号|编号|发票|version)\s*(?:no\.?|number|#|id)?\s*(?:is|was)?\s*[:：#]?\s*$/i;

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
    patterns: [
      { regex: /(?<![\w+])(?:\+|00)86[ -]?1[3-9]\d(?:[ -]?\d{4}){2}(?![\w])/g, score: 0.95, name: 'cn-mobile-intl', precheck: (t) => t.includes('+86') || t.includes('0086') },
      { regex: /(?<![\w+.,-])1[3-9]\d(?:([ -]?)\d{4}\1\d{4})(?![\w]|[.,]\d)/g, score: 0.8, name: 'cn-mobile' },
      {
        regex: /(?<![\w+])\+[1-9]\d{0,3}(?:[ .-]?\(0?\d{0,4}\))?(?:[ .-]?\d{1,5}){1,6}(?:\s?(?:x|ext\.?)\s?\d{1,6})?(?![\w])/g,
        score: 0.75,
        name: 'e164',
        // literal prechecks: the regex needs a '+' (and the one above '+86' or '0086'); skipped in most requests
        precheck: (t) => t.includes('+'),
      },
      {
        regex: /(?<![\w+(.,])(?:(?:1|001)[ .-]?)?(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]?\d{4}(?:\s?(?:x|ext\.?)\s?\d{1,6})?(?![\w]|[.,]\d)/g,
        score: 0.65,
        name: 'nanp',
      },
      { regex: /(?<![\w+.]|\d,)\(?0\d{1,4}\)?(?:[ .-]?\d{2,5}){2,4}(?![\w]|[.,]\d)/g, score: 0.55, name: 'national' },
      { regex: /(?<![\w+.,])\(?\d{2,4}\)?(?:[ .-]\d{2,6}){1,4}(?![\w]|[.,]\d)/g, score: 0.25, name: 'groups' },
      { regex: /(?<![\w+.]|\d,)\d{8,11}(?![\w]|[.,]\d)/g, score: 0.2, name: 'digits' },
    ],
    validate: validatePhone,
    invalidate: (m) => lookalike(m),
    hooksKeepScore: true,
  });
}

function validatePhone(m: PatternMatch): boolean | number {
  const d = digitsOf(m.value);
  if (d.length < 7 || d.length > 15) return false;
  if (/^(\d)\1+$/.test(d)) return false;
  return true;
}

function lookalike({ value, text, start, end, spec }: PatternMatch): boolean {
  if (DATE_LIKE.test(value)) return true;
  if (/^\d{1,3}(?:\.\d{1,3}){3}$/.test(value)) return true; // IPv4
  if (/^\d{1,3}(?:,\d{3})+$/.test(value)) return true; // amount with thousands separators
  const before = text.slice(Math.max(0, start - 24), start);
  if (CURRENCY_BEFORE.test(before) || ID_BEFORE.test(before)) return true;
  if (UNIT_AFTER.test(text.slice(end, end + 4))) return true;
  // weak shapes (bare groups/digits) followed by a capitalized word are house numbers and the like
  if ((spec.name === 'groups' || spec.name === 'digits') && /^ [A-Z][a-z]/.test(text.slice(end, end + 3))) return true;
  return false;
}
