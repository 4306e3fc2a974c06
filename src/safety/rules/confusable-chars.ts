import type { Finding, Rule, ScanContext } from '../types.js';

const TRIGGER = /[\u0370-\u03FF\u0400-\u052F\uFF21-\uFF3A\uFF41-\uFF5A]|\uD835[\uDC00-\uDFFF]/g;
/** A trigger letter at a given offset (all of them are in the fold set: ScanContext.foldAt lists their offsets). */
const TRIGGER_AT = new RegExp(TRIGGER.source, 'y');

/** Offsets of the trigger letters from `from` on: the next TRIGGER match, or with `foldAt` the next listed one. */
function nextTrigger(text: string, from: number, foldAt: readonly number[] | undefined, k: { i: number }): number {
  if (!foldAt) {
    TRIGGER.lastIndex = from;
    return TRIGGER.exec(text)?.index ?? -1;
  }
  for (; k.i < foldAt.length; k.i++) {
    const at = foldAt[k.i]!;
    if (at < from) continue;
    TRIGGER_AT.lastIndex = at;
    if (TRIGGER_AT.test(text)) return at;
  }
  return -1;
}
/** A word: a maximal run of Latin, Greek, Cyrillic, fullwidth and mathematical letters (sticky: read from a start). */
const WORD = /(?:[A-Za-z\u0370-\u03FF\u0400-\u052F\uFF21-\uFF3A\uFF41-\uFF5A]|\uD835[\uDC00-\uDFFF])+/y;

const LATIN = /[A-Za-z]/;
const CYR_GREEK = /[\u0370-\u03FF\u0400-\u052F]/;
const STYLED = /[\uFF21-\uFF3A\uFF41-\uFF5A]|\uD835[\uDC00-\uDFFF]/;

/**
 * Start of the word around the first trigger letter found in it: every letter of WORD outside ASCII is itself a
 * trigger, so only ASCII letters can come before it in the word.
 */
function wordStart(text: string, i: number): number {
  let s = i;
  for (let c = text.charCodeAt(s - 1); s > 0 && ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)); c = text.charCodeAt(s - 1)) s--;
  return s;
}

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
      const out: Finding[] = [];
      // only words with a Greek, Cyrillic, fullwidth or mathematical letter can be reported: find those letters,
      // then read the word around each (a word of plain Latin letters is neither mixed nor styled)
      const k = { i: 0 };
      for (let t = nextTrigger(text, 0, ctx?.foldAt, k); t >= 0; ) {
        WORD.lastIndex = wordStart(text, t);
        const m = WORD.exec(text);
        if (m === null) break;
        t = nextTrigger(text, m.index + m[0].length, ctx?.foldAt, k);
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
