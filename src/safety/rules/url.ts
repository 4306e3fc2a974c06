import { PatternRule } from '../pattern-rule.js';
import { parseIPv4 } from '../validators.js';

const WORD = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_') WORD[c.charCodeAt(0)] = 1;

/**
 * Where a URL match can start: before '://', where the run of word characters (the scheme) starts (the
 * lookbehind rules out any later start); and at each 'www.' in any case.
 *
 * @example
 * urlStarts('see https://a.cn or WWW.b.cn') // [4, 19]
 */
export function urlStarts(t: string): number[] {
  const out: number[] = [];
  for (let q = t.indexOf('://'); q >= 0; q = t.indexOf('://', q + 3)) {
    let s = q;
    while (s > 0 && WORD[t.charCodeAt(s - 1)] === 1) s--;
    if (s < q) out.push(s);
  }
  const www: number[] = [];
  for (let q = t.indexOf('.', 3); q >= 0; q = t.indexOf('.', q + 1)) {
    if ((t.charCodeAt(q - 1) | 32) === 119 && (t.charCodeAt(q - 2) | 32) === 119 && (t.charCodeAt(q - 3) | 32) === 119) www.push(q - 3);
  }
  if (www.length === 0) return out;
  return [...new Set([...out, ...www])].sort((a, b) => a - b);
}

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
    patterns: [
      {
        regex: /(?<![\w])(?:(?:https?|ftp|wss?|sftp):\/\/|www\.)[^\s<>"'`，。！？、；：（）【】《》「」]{2,2048}/gi,
        score: 0.6,
        name: 'url',
        starts: urlStarts,
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
