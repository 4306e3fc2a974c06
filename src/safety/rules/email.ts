import { PatternRule } from '../pattern-rule.js';

/** Top-level domains are letters only (or punycode `xn--`), 2..24 chars. */
const TLD = /^(?:[a-z]{2,24}|xn--[a-z0-9-]{1,59})$/i;

/**
 * Email addresses (RFC 5321 common subset): dot-atom local part, a domain with at least two labels and an
 * alphabetic TLD. Runs only when the text contains '@'.
 *
 * @example
 * createEmailRule().scan('mail me: li.lei@example.cn', { stage: 'input' })[0]?.entity // 'EMAIL'
 */
export function createEmailRule(): PatternRule {
  return new PatternRule({
    id: 'email',
    version: '1',
    category: 'pii',
    entity: 'EMAIL',
    precheck: (t) => t.includes('@'),
    candidates: { needle: '@', before: 66, after: 256 },
    patterns: [
      {
        regex: /(?<![\w.+%-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{1,23}(?![\w-]|\.[A-Za-z])/g,
        score: 0.95,
        name: 'email',
      },
    ],
    validate: ({ value }) => {
      if (value.includes('..')) return false;
      const tld = value.slice(value.lastIndexOf('.') + 1);
      return TLD.test(tld);
    },
  });
}
