import type { Finding, Rule } from '../types.js';
import { termsRegex } from './blocked-terms.js';

/**
 * Blocked topics: named keyword lists (`{ topics: { weapons: ['rifle', '枪支'], … }, minHits?: 2 }`). A topic fires
 * when at least `minHits` keyword occurrences (default 1) appear; each occurrence is a span and the evidence names
 * the topic.
 *
 * @example
 * createBlockedTopicsRule({ topics: { gambling: ['casino', '赌博'] } }).scan('best casino bonus', { stage: 'output' })[0]?.evidence // 'topic:gambling'
 */
export function createBlockedTopicsRule(opts: { topics?: Readonly<Record<string, readonly string[]>>; minHits?: number } = {}): Rule {
  const topics = Object.entries(opts.topics ?? {}).flatMap(([name, words]) => {
    const re = termsRegex(words);
    return re ? [{ name, re }] : [];
  });
  const minHits = opts.minHits ?? 1;
  return {
    id: 'blocked-topics',
    version: '1',
    category: 'output',
    defaultAction: 'block',
    languages: ['*'],
    entities: ['BLOCKED_TOPIC'],
    stages: ['input', 'output'],
    scan(text: string): Finding[] {
      const out: Finding[] = [];
      for (const { name, re } of topics) {
        const hits: Finding[] = [];
        re.lastIndex = 0;
        for (let m = re.exec(text); m !== null; m = re.exec(text)) {
          hits.push({ start: m.index, end: m.index + m[0].length, entity: 'BLOCKED_TOPIC', score: 0, ruleId: 'blocked-topics', evidence: `topic:${name}` });
        }
        if (hits.length < minHits) continue;
        const score = Math.min(1, 0.7 + 0.1 * (hits.length - minHits));
        for (const h of hits) out.push({ ...h, score: Math.round(score * 1000) / 1000 });
      }
      return out;
    },
  };
}
