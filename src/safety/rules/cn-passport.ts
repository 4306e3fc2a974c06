import { PatternRule } from '../pattern-rule.js';

/**
 * CN passport numbers (E/G + 8 characters for ordinary passports, P/S/D + 7 digits for official ones). The format
 * is too generic alone, so a match only passes the default threshold next to a context word.
 *
 * @example
 * createCnPassportRule().scan('护照号码：E12345678', { stage: 'input' })[0]?.score // 0.8
 */
export function createCnPassportRule(): PatternRule {
  return new PatternRule({
    id: 'cn-passport',
    version: '1',
    category: 'pii',
    candidates: 'digits',
    hooksKeepScore: true,
    languages: ['zh', '*'],
    entity: 'CN_PASSPORT',
    context: ['护照', 'passport', '旅行证', '证件号'],
    contextWindow: 32,
    contextBoost: 0.5,
    // digit counts written out (\d\d\d, not \d{7}): V8 then skips positions faster, same matches
    patterns: [
      { regex: /(?<![\w])(?:E[A-HJ-NP-Z0-9]\d\d\d\d\d\d\d|G\d\d\d\d\d\d\d\d)(?![\w])/g, score: 0.3, name: 'ordinary' },
      { regex: /(?<![\w])[PSD]E?\d\d\d\d\d\d\d(?![\w])/g, score: 0.2, name: 'official' },
    ],
  });
}
