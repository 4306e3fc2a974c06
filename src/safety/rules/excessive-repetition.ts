import type { Finding, Rule } from '../types.js';

/**
 * Excessive repetition (token-flooding and context-stuffing attacks): a unit of 1–32 characters repeated back to
 * back over at least `minChars` characters (default 64) and `minRepeats` times (default 8). Runs of layout
 * characters (spaces, dashes, `=`) need 4× more. Linear time: the text is sampled every 48 characters and each
 * sample checks the periods 1–32, so a long run cannot be missed.
 *
 * @example
 * createExcessiveRepetitionRule().scan('ha'.repeat(100), { stage: 'input' })[0]?.entity // 'REPETITION'
 */
export function createExcessiveRepetitionRule(opts: { minChars?: number; minRepeats?: number } = {}): Rule {
  const minChars = Math.max(64, opts.minChars ?? 64);
  const minRepeats = opts.minRepeats ?? 8;
  const MAXP = 32;
  // Sampling every STRIDE chars cannot miss a run: a run of the needed length L(p) contains a sample i with
  // [i, i + 2p) inside it whenever 2p + STRIDE <= L(p); take the largest stride that holds for every period
  // (48 with the defaults).
  let STRIDE = 48;
  for (let p = 1; p <= MAXP; p++) STRIDE = Math.min(STRIDE, Math.max(minChars, minRepeats * p, 4 * p) - 2 * p);
  STRIDE = Math.max(1, STRIDE);
  return {
    id: 'excessive-repetition',
    version: '1',
    category: 'abuse',
    languages: ['*'],
    entities: ['REPETITION'],
    stages: ['input', 'output'],
    scan(text: string): Finding[] {
      const out: Finding[] = [];
      const n = text.length;
      let i = 0;
      while (i + minChars <= n) {
        const c = text.charCodeAt(i);
        let next = i + STRIDE;
        for (let p = 1; p <= MAXP; p++) {
          if (text.charCodeAt(i + p) !== c) continue;
          let k = 1;
          while (k < p && text.charCodeAt(i + k) === text.charCodeAt(i + p + k)) k++;
          if (k < p) continue;
          let b = i + p;
          while (b < n && text.charCodeAt(b) === text.charCodeAt(b - p)) b++;
          let a = i;
          while (a > 0 && text.charCodeAt(a - 1) === text.charCodeAt(a - 1 + p)) a--;
          const len = b - a;
          const need0 = Math.max(minChars, minRepeats * p, 4 * p);
          if (len < need0) continue; // too short even for a non-layout unit: skip the layout test
          const layout = /^[\s\-=_*.~#+|]+$/.test(text.slice(a, a + p));
          const need = need0 * (layout ? 4 : 1);
          if (len < need) continue;
          const score = Math.min(0.95, 0.5 + 0.1 * Math.log2(len / need));
          out.push({ start: a, end: b, entity: 'REPETITION', score: Math.round(score * 1000) / 1000, ruleId: 'excessive-repetition', evidence: `period-${p}` });
          next = b;
          break;
        }
        i = next;
      }
      return out;
    },
  };
}
