import type { Finding, Rule } from '../types.js';

/**
 * Builds one case-insensitive regex for a term list: whole words for Latin terms, substrings for CJK ones.
 *
 * @example
 * termsRegex(['foo bar', '内部'])?.test('FOO  bar') // true
 */
export function termsRegex(terms: readonly string[]): RegExp | undefined {
  const parts = terms
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .sort((a, b) => b.length - a.length)
    .map((t) => {
      const esc = t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+');
      const start = /^[A-Za-z0-9]/.test(t) ? '(?<![A-Za-z0-9])' : '';
      const end = /[A-Za-z0-9]$/.test(t) ? '(?![A-Za-z0-9])' : '';
      return start + esc + end;
    });
  return parts.length === 0 ? undefined : new RegExp(parts.join('|'), 'gi');
}

/**
 * Blocked terms (input and output): a configured word list, matched case-insensitively on the normalized text
 * (whole words for Latin terms). Options: `{ terms: string[] }`.
 *
 * @example
 * createBlockedTermsRule({ terms: ['project x'] }).scan('About Project X…', { stage: 'output' })[0]?.entity // 'BLOCKED_TERM'
 */
export function createBlockedTermsRule(opts: { terms?: readonly string[] } = {}): Rule {
  const re = termsRegex(opts.terms ?? []);
  return {
    id: 'blocked-terms',
    version: '1',
    category: 'output',
    defaultAction: 'block',
    languages: ['*'],
    entities: ['BLOCKED_TERM'],
    stages: ['input', 'output'],
    scan(text: string): Finding[] {
      if (!re) return [];
      const out: Finding[] = [];
      re.lastIndex = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        out.push({ start: m.index, end: m.index + m[0].length, entity: 'BLOCKED_TERM', score: 1, ruleId: 'blocked-terms', evidence: 'term-list' });
      }
      return out;
    },
  };
}
