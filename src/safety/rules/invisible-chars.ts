import type { Finding, Rule, ScanContext } from '../types.js';

const INVISIBLE_RE = /(?:[\u00AD\u034F\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|\uDB40[\uDC00-\uDC7F])+/g;
/** The same runs, read from a given start (every character of the class is in the fold set: ScanContext.foldAt). */
const INVISIBLE_AT = new RegExp(INVISIBLE_RE.source, 'y');

/** The runs of INVISIBLE_RE in `text`: with `foldAt`, only tried at those offsets (same runs, no pass over the text). */
function* runs(text: string, foldAt: readonly number[] | undefined): Generator<{ index: number; run: string }> {
  if (!foldAt) {
    INVISIBLE_RE.lastIndex = 0;
    for (let m = INVISIBLE_RE.exec(text); m !== null; m = INVISIBLE_RE.exec(text)) yield { index: m.index, run: m[0] };
    return;
  }
  let next = 0;
  for (const at of foldAt) {
    if (at < next) continue;
    INVISIBLE_AT.lastIndex = at;
    const m = INVISIBLE_AT.exec(text);
    if (m === null) continue;
    next = at + m[0].length;
    yield { index: at, run: m[0] };
  }
}

/**
 * Invisible and bidi control characters in the ORIGINAL text: zero-width spaces and joiners, bidi overrides and
 * isolates (Trojan Source), Unicode tag characters (ASCII smuggling), soft hyphens. One finding per run; a BOM at
 * the very start is ignored. Bidi overrides and tag characters score highest.
 *
 * @example
 * createInvisibleCharsRule().scan('ig\u200Bnore', { stage: 'input' })[0]?.entity // 'INVISIBLE_CHARS'
 */
export function createInvisibleCharsRule(): Rule {
  return {
    id: 'invisible-chars',
    version: '1',
    category: 'abuse',
    languages: ['*'],
    entities: ['INVISIBLE_CHARS'],
    stages: ['input', 'output'],
    raw: true,
    scan(text: string, ctx?: ScanContext): Finding[] {
      if (ctx?.special === false) return [];
      const out: Finding[] = [];
      for (const { index, run } of runs(text, ctx?.foldAt)) {
        if (index === 0 && run === '\uFEFF') continue;
        let score = 0.55;
        let evidence = 'zero-width';
        if (/[\u202A-\u202E\u2066-\u2069]/.test(run)) {
          score = 0.9;
          evidence = 'bidi-control';
        } else if (/\uDB40/.test(run)) {
          score = 0.95;
          evidence = 'tag-chars';
        } else if (/[\u00AD]/.test(run) && run.length === 1) {
          score = 0.3;
          evidence = 'soft-hyphen';
        }
        if (run.length >= 4) score = Math.min(0.98, score + 0.2);
        out.push({ start: index, end: index + run.length, entity: 'INVISIBLE_CHARS', score, ruleId: 'invisible-chars', evidence });
      }
      return out;
    },
  };
}
