import { containsVia } from '../candidates.js';
import { PatternRule } from '../pattern-rule.js';
import { parseIPv4 } from '../validators.js';

/**
 * URLs with a scheme (http, https, ftp, ws…) or starting with `www.`; the host must be a domain with an alphabetic
 * TLD, `localhost` or an IPv4 address. Trailing punctuation is not part of the URL.
 *
 * @example
 * createUrlRule().scan('see https://example.com/a?b=1.', { stage: 'input' })[0]?.end // 27
 */
export function createUrlRule(): PatternRule {
  return new PatternRule({
    id: 'url',
    version: '1',
    category: 'pii',
    entity: 'URL',
    precheck: (t) => containsVia(t, '://', 1) || t.includes('www.') || t.includes('WWW.'),
    patterns: [
      {
        regex: /(?<![\w])(?:(?:https?|ftp|wss?|sftp):\/\/|www\.)[^\s<>"'`，。！？、；：（）【】《》「」]{2,2048}/gi,
        score: 0.6,
        name: 'url',
      },
    ],
    validate: (m) => {
      let v = m.value;
      // strip trailing punctuation, and a closing bracket without an opening one
      for (;;) {
        const last = v[v.length - 1]!;
        if ('.,;:!?'.includes(last) || (last === ')' && !v.includes('(')) || (last === ']' && !v.includes('['))) v = v.slice(0, -1);
        else break;
      }
      m.end = m.start + v.length;
      m.value = v;
      const host = v.replace(/^[a-z]+:\/\//i, '').split(/[/?#]/)[0]!.replace(/^[^@]*@/, '').replace(/:\d+$/, '');
      if (host === 'localhost' || parseIPv4(host)) return true;
      return /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}$/i.test(host);
    },
  });
}
