import { PatternRule, hasContext } from '../pattern-rule.js';
import { cardBrand, digitsOf, luhnValid } from '../validators.js';

const CONTEXT = ['card', 'credit', 'debit', 'visa', 'mastercard', 'amex', 'unionpay', 'cc', 'pan', '卡号', '银行卡', '信用卡', '储蓄卡', '借记卡', '银联'];

/**
 * Bank and credit card numbers (PAN): 12–19 digits, optionally in groups separated by spaces or dashes, with a
 * known IIN range for the length and a valid Luhn check. UnionPay (62…) numbers that fail Luhn (some do) are kept
 * only next to a context word.
 *
 * @example
 * createPaymentCardRule().scan('card 4111 1111 1111 1111', { stage: 'input' })[0]?.entity // 'CARD'
 */
export function createPaymentCardRule(): PatternRule {
  return new PatternRule({
    id: 'payment-card',
    version: '1',
    category: 'pii',
    candidates: 'digits',
    entity: 'CARD',
    context: CONTEXT,
    contextBoost: 0.15,
    patterns: [
      {
        // 4-4-4-4(-3) groups, Amex 4-6-5, or 12-19 digits in one run (fixed counts written out: V8 skips positions faster)
        regex: /(?<![\w.,+-])(?:[1-9]\d\d\d[ -]?\d\d\d\d[ -]?\d\d\d\d(?:[ -]?\d\d{0,6})?|3[47]\d\d[ -]\d\d\d\d\d\d[ -]\d\d\d\d\d|06\d\d\d\d\d\d\d\d\d\d\d{0,7})(?![\w]|[.,]\d)/g,
        score: 0.85,
        name: 'pan',
      },
    ],
    validate: ({ value, text, start, end }) => {
      const d = digitsOf(value);
      if (d.length < 12 || d.length > 19) return false;
      const brand = cardBrand(d);
      if (!brand) return false;
      if (luhnValid(d)) return brand;
      if (brand === 'unionpay' && hasContext(text, start, end, CONTEXT)) return 0.6;
      return false;
    },
  });
}
