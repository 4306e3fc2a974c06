import { PatternRule } from '../pattern-rule.js';
import { usccValid } from '../validators.js';

/**
 * CN unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters from the 31-character alphabet
 * (no I, O, Z, S, V), a registration authority and type, a region code, and the mod-31 check character.
 *
 * @example
 * createCnUsccRule().scan('统一社会信用代码：91350100M000100Y43', { stage: 'input' })[0]?.entity // 'CN_USCC'
 */
export function createCnUsccRule(): PatternRule {
  return new PatternRule({
    id: 'cn-uscc',
    version: '1',
    category: 'pii',
    candidates: 'digits',
    languages: ['zh', '*'],
    entity: 'CN_USCC',
    context: ['信用代码', '社会信用', '营业执照', '税号', '纳税人识别号', 'uscc', 'credit code', 'tax id'],
    contextBoost: 0.1,
    // \d{6} written out: V8 then skips most positions of the digit view (2x faster). Its first two digits are a
    // province code or 10 (as usccValid requires): a match has a fixed length and no other can start inside it,
    // so leaving out the codes validate drops anyway gives the same findings with fewer matches to validate.
    patterns: [{ regex: /(?<![\w])[1-9ANYany][0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy](?:1[0-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3]|91)\d\d\d\d[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{10}(?![\w])/g, score: 0.85, name: 'mod31' }],
    validate: ({ value }) => usccValid(value),
  });
}
