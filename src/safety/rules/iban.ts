import { PatternRule } from '../pattern-rule.js';
import { ibanValid } from '../validators.js';

/**
 * International bank account numbers: a country code with its registered length and a valid ISO 7064 mod-97
 * check; compact or printed in groups of four; case-insensitive. A word after the IBAN is never part of it.
 *
 * @example
 * createIbanRule().scan('IBAN: GB82 WEST 1234 5698 7654 32', { stage: 'input' })[0]?.entity // 'IBAN'
 */
export function createIbanRule(): PatternRule {
  return new PatternRule({
    id: 'iban',
    version: '1',
    category: 'pii',
    candidates: 'digits',
    entity: 'IBAN',
    context: ['iban', 'account', 'bank', '账户', '账号'],
    contextBoost: 0.05,
    patterns: [
      { regex: /(?<![\w])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,4})?(?![\w])/g, score: 0.95, name: 'mod97' },
    ],
    // the optional trailing group can swallow a short word after the IBAN ('BE71 0961 2345 6769 and'): when the
    // whole match fails, retry without its last space-separated groups
    validate: (m) => {
      for (let v = m.value; ; ) {
        if (ibanValid(v)) {
          m.end = m.start + v.length;
          m.value = v;
          return true;
        }
        const cut = v.lastIndexOf(' ');
        if (cut < 0) return false;
        v = v.slice(0, cut);
      }
    },
  });
}
