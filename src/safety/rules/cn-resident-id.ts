import { PatternRule } from '../pattern-rule.js';
import { cnResidentIdValid } from '../validators.js';

const CONTEXT = ['身份证', '证件号', '公民身份', '身份号码', 'id card', 'identity', 'id no', 'id number', 'resident id'];

/**
 * CN resident identity card numbers (GB 11643): 18 characters with a valid province prefix, a real birth date and
 * the ISO 7064 MOD 11-2 check character (X allowed); legacy 15-digit numbers (no check digit) score lower unless a
 * context word is near.
 *
 * @example
 * createCnResidentIdRule().scan('身份证号 11010519491231002X', { stage: 'input' })[0]?.score // 1
 */
export function createCnResidentIdRule(): PatternRule {
  return new PatternRule({
    id: 'cn-resident-id',
    version: '1',
    category: 'pii',
    candidates: 'digits',
    hooksKeepScore: true,
    languages: ['zh', '*'],
    entity: 'CN_RESIDENT_ID',
    context: CONTEXT,
    contextBoost: 0.3,
    // fixed counts written out (\d\d\d\d, not \d{4}): V8 then skips most positions of the digit view (2-3x faster)
    patterns: [
      { regex: /(?<![\w])[1-9]\d\d\d\d\d(?:18|19|20)\d\d[01]\d[0-3]\d\d\d\d[\dXx](?![\w])/g, score: 0.9, name: 'mod11-2' },
      { regex: /(?<![\w])[1-9]\d\d\d\d\d\d\d[01]\d[0-3]\d\d\d\d(?![\w])/g, score: 0.45, name: 'legacy-15' },
    ],
    validate: ({ value }) => cnResidentIdValid(value),
  });
}
