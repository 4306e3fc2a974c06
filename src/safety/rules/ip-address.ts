import { PatternRule } from '../pattern-rule.js';
import { parseIPv4, parseIPv6 } from '../validators.js';

/**
 * IPv4 and IPv6 addresses, parsed (not just matched): octets 0–255 without leading zeros, IPv6 text forms with
 * `::`, embedded IPv4 and zones. Version-like strings (`v1.2.3.4`, `version 1.2.3.4`) are rejected.
 *
 * @example
 * createIpAddressRule().scan('from 2001:db8::7 and 10.0.0.1', { stage: 'input' }).length // 2
 */
export function createIpAddressRule(): PatternRule {
  return new PatternRule({
    id: 'ip-address',
    version: '1',
    category: 'pii',
    candidates: 'digits',
    entity: 'IP_ADDRESS',
    context: ['ip', 'address', 'host', 'server', '地址', '服务器'],
    contextBoost: 0.1,
    // ipv4: \d{1,3}(?:\.\d{1,3}){3} written out (V8 skips positions faster), same matches
    patterns: [
      { regex: /(?<![\w.:])\d\d{0,2}\.\d\d{0,2}\.\d\d{0,2}\.\d\d{0,2}(?![\w]|\.\d)/g, score: 0.8, name: 'ipv4' },
      { regex: /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4}|:)(?:%[\w.]+)?(?![\w:]|\.\d)/g, score: 0.85, name: 'ipv6', precheck: hasColonPair },
    ],
    validate: ({ value, spec }) => (spec.name === 'ipv4' ? parseIPv4(value) !== undefined : parseIPv6(value) !== undefined && /[0-9a-f]*:[0-9a-f]*:/i.test(value) && !/^\d{1,2}:\d{2}(?::\d{2})?$/.test(value)),
    invalidate: ({ text, start }) => /(?:\bv|version|ver\.?|版本)\s*$/i.test(text.slice(Math.max(0, start - 10), start)),
  });
}

/**
 * True when `t` has two colons with at most 4 hex digits between them (as `/:[0-9A-Fa-f]{0,4}:/.test(t)`): every
 * IPv6 match has such a pair, and most texts with a colon (times, labels) have none.
 */
function hasColonPair(t: string): boolean {
  for (let i = t.indexOf(':'); i >= 0; i = t.indexOf(':', i + 1)) {
    for (let k = i + 1; k < t.length && k - i <= 5; k++) {
      const c = t.charCodeAt(k);
      if (c === 58) return true;
      const l = c | 32;
      if (!((c >= 48 && c <= 57) || (l >= 97 && l <= 102))) break;
    }
  }
  return false;
}
