import { PatternRule } from '../pattern-rule.js';

/**
 * US social security numbers in the printed AAA-GG-SSSS form (valid area, group and serial); bare 9-digit runs
 * only with context.
 *
 * @example
 * createUsSsnRule().scan('SSN 078-05-1121', { stage: 'input' })[0]?.entity // 'US_SSN'
 */
export function createUsSsnRule(): PatternRule {
  return new PatternRule({
    id: 'us-ssn',
    version: '1',
    category: 'pii',
    candidates: 'digits',
    hooksKeepScore: true,
    languages: ['en'],
    entity: 'US_SSN',
    context: ['ssn', 'social security', 'social-security'],
    contextBoost: 0.3,
    // fixed counts written out (\d\d\d, not \d{3}): V8 then skips most positions of the digit view (~2.5x faster)
    patterns: [
      { regex: /(?<![\w-])\d\d\d([- ])\d\d\1\d\d\d\d(?![\w]|-\d)/g, score: 0.6, name: 'dashed' },
      { regex: /(?<![\w-])\d\d\d\d\d\d\d\d\d(?![\w])/g, score: 0.2, name: 'digits' },
    ],
    validate: ({ value }) => {
      const d = value.replace(/\D/g, '');
      const area = d.slice(0, 3);
      if (area === '000' || area === '666' || area[0] === '9') return false;
      return d.slice(3, 5) !== '00' && d.slice(5) !== '0000';
    },
  });
}
