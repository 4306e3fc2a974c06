import { PatternRule } from '../pattern-rule.js';

/** Top-level domains are letters only (or punycode `xn--`), 2..24 chars. */
const TLD = /^(?:[a-z]{2,24}|xn--[a-z0-9-]{1,59})$/i;

/** The local-part characters, which are also the characters the regex's lookbehind rules out before a match. */
const LOCAL = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-') LOCAL[c.charCodeAt(0)] = 1;

/**
 * Where an email match can start: a match holds one '@' and starts where the run of local-part characters before
 * it starts (the lookbehind rules out any later start), at most 64 characters before it.
 *
 * @example
 * localPartStarts('mail li.lei@example.cn') // [5]
 */
export function localPartStarts(t: string): number[] {
  const out: number[] = [];
  for (let q = t.indexOf('@'); q >= 0; q = t.indexOf('@', q + 1)) {
    let s = q;
    while (s > 0 && q - s < 65 && LOCAL[t.charCodeAt(s - 1)] === 1) s--;
    if (q - s >= 1 && q - s <= 64 && !(s > 0 && LOCAL[t.charCodeAt(s - 1)] === 1)) out.push(s);
  }
  return out;
}

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
    patterns: [
      {
        regex: /(?<![\w.+%-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{1,23}(?![\w-]|\.[A-Za-z])/g,
        score: 0.95,
        name: 'email',
        starts: localPartStarts,
      },
    ],
    validate: ({ value }) => {
      if (value.includes('..')) return false;
      const tld = value.slice(value.lastIndexOf('.') + 1);
      return TLD.test(tld);
    },
  });
}
