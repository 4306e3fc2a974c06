import type { Finding, Rule, ScanContext } from '../types.js';

const TRIGGER = /[\u0370-\u03FF\u0400-\u052F\uFF21-\uFF3A\uFF41-\uFF5A]|\uD835[\uDC00-\uDFFF]/;
const WORD = /(?:[A-Za-z\u0370-\u03FF\u0400-\u052F\uFF21-\uFF3A\uFF41-\uFF5A]|\uD835[\uDC00-\uDFFF])+/g;
const LATIN = /[A-Za-z]/;
const CYR_GREEK = /[\u0370-\u03FF\u0400-\u052F]/;
const STYLED = /[\uFF21-\uFF3A\uFF41-\uFF5A]|\uD835[\uDC00-\uDFFF]/;

/**
 * Confusable (homoglyph) spelling in the ORIGINAL text: words that mix Latin letters with Cyrillic or Greek ones
 * (`іgnore` with a Cyrillic і), and Latin words written in fullwidth or mathematical letters. Matching rules see
 * the folded text anyway; this rule reports the evasion attempt itself.
 *
 * @example
 * createConfusableCharsRule().scan('please \u0456gnore this', { stage: 'input' })[0]?.entity // 'CONFUSABLES'
 */
export function createConfusableCharsRule(): Rule {
  return {
    id: 'confusable-chars',
    version: '1',
    category: 'abuse',
    languages: ['*'],
    entities: ['CONFUSABLES'],
    stages: ['input'],
    raw: true,
    scan(text: string, ctx?: ScanContext): Finding[] {
      if (ctx?.special === false) return [];
      if (!TRIGGER.test(text)) return [];
      const out: Finding[] = [];
      WORD.lastIndex = 0;
      for (let m = WORD.exec(text); m !== null; m = WORD.exec(text)) {
        const w = m[0];
        const mixed = LATIN.test(w) && CYR_GREEK.test(w);
        const styled = STYLED.test(w);
        if (!mixed && !styled) continue;
        out.push({
          start: m.index,
          end: m.index + w.length,
          entity: 'CONFUSABLES',
          score: mixed ? 0.75 : 0.5,
          ruleId: 'confusable-chars',
          evidence: mixed ? 'mixed-script' : 'styled-letters',
        });
      }
      return out;
    },
  };
}
