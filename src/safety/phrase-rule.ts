import type { Prescan } from './prescan.js';
import { round } from './pattern-rule.js';
import { sentenceAt } from './text.js';
import type { Finding, Rule, RuleCategory, SafetyStage, ScanContext } from './types.js';

/**
 * A trigger regex that is only tried at given positions: `sticky` (flag `y`) matches only where one of the
 * positions (`Prescan.triggerHits`, ascending) is, which the prescan records for the first characters of its
 * alternatives; `global` is the same regex with the `g` flag, for when no positions are known.
 */
export interface HitTrigger {
  global: RegExp;
  sticky: RegExp;
  /** The characters every match starts with (what the prescan must mark). */
  firsts: string[];
  /**
   * Second-character filter, by code unit: `anySecond[c1]` is 1 when an alternative starting with c1 has no fixed
   * second character; otherwise `second[c2]` must be 1 (c2 is the fixed second character of some alternative). A
   * hit that fails both cannot match: no regex call.
   */
  anySecond?: Uint8Array;
  second?: Uint8Array;
}

/**
 * The HitTrigger for key word fragments (regex sources, no i flag) when each of them starts with a literal
 * character; undefined otherwise (then the fragments need a plain regex pass).
 *
 * @example
 * hitTrigger(['忽略', '新的?指令'])?.firsts // ['忽', '新']
 */
export function hitTrigger(frags: readonly string[]): HitTrigger | undefined {
  if (frags.length === 0) return undefined;
  const firsts: string[] = [];
  const anySecond = new Uint8Array(65536);
  const second = new Uint8Array(65536);
  for (const f of frags) {
    const lit = literalPrefix(f);
    if (!lit) return undefined;
    firsts.push(lit.first);
    if (lit.second === undefined) anySecond[lit.first.charCodeAt(0)] = 1;
    else second[lit.second.charCodeAt(0)] = 1;
  }
  const src = frags.join('|');
  return { global: new RegExp(src, 'g'), sticky: new RegExp(src, 'y'), firsts: [...new Set(firsts)], anySecond, second };
}

const QUANT = new Set(['?', '*', '{', '+']);

/** One literal character at `i` of a regex source: [char, index after it], or undefined. */
function literalAt(frag: string, i: number): [string, number] | undefined {
  let ch = frag[i];
  let next = i + 1;
  if (ch === '\\') {
    ch = frag[i + 1];
    next = i + 2;
    if (ch === undefined || /[A-Za-z0-9]/.test(ch)) return undefined; // \d, \s, \u…, back references
  } else if (ch === undefined || '()[]{}|.^$*+?'.includes(ch)) return undefined;
  if (/[\uD800-\uDFFF]/.test(ch)) return undefined; // astral: keep it simple
  return [ch, next];
}

/**
 * The first character of a regex fragment when every match of it starts with that character (a plain literal, or
 * an escaped punctuation character, not followed by a quantifier), and the second one when it is fixed too.
 */
function literalPrefix(frag: string): { first: string; second?: string; third?: string } | undefined {
  const a = literalAt(frag, 0);
  if (!a || QUANT.has(frag[a[1]] ?? '')) return undefined;
  // a top-level alternative would start with another character
  if (alternatives(frag, 0).alts.length > 1) return undefined;
  const b = literalAt(frag, a[1]);
  // the second is fixed unless it may be skipped ('?', '*', '{0,…}'); '+' still needs it
  if (!b || (QUANT.has(frag[b[1]] ?? '') && frag[b[1]] !== '+')) return { first: a[0] };
  // the third likewise, when the second is not repeated
  const c = frag[b[1]] === '+' ? undefined : literalAt(frag, b[1]);
  if (!c || (QUANT.has(frag[c[1]] ?? '') && frag[c[1]] !== '+')) return { first: a[0], second: b[0] };
  return { first: a[0], second: b[0], third: c[0] };
}

/** A Latin key word's first character and, when fixed, its second and third (lowercase). */
export interface WordStart {
  first: string;
  second?: string;
  third?: string;
}

/**
 * The HitTrigger for Latin key words (matched case-insensitively) when the prescan can find every position where
 * one may match: `words` match at word starts only (the union gives them one leading \b) and each starts with a
 * literal letter, or with a leading group of alternatives that do; `others` each start with a literal non-word
 * character (the prescan marks those). Undefined when a fragment has no such start (then a regex pass is needed).
 *
 * @example
 * latinTrigger(['ignore', '(?:system|assistant):'], ['<\\|'])?.starts // [{ first: 'i', second: 'g', third: 'n' }, { first: 's', second: 'y', third: 's' }, { first: 'a', second: 's', third: 's' }]
 */
export function latinTrigger(words: readonly string[], others: readonly string[]): { trigger: HitTrigger; starts: WordStart[] } | undefined {
  const starts: WordStart[] = [];
  for (const w of words) {
    const s = wordStarts(w);
    if (!s) return undefined;
    starts.push(...s);
  }
  const firsts: string[] = [];
  for (const o of others) {
    const lit = literalPrefix(o);
    if (!lit || /\w/.test(lit.first)) return undefined;
    firsts.push(lit.first);
  }
  const src = [words.length > 0 ? `\\b(?:${words.join('|')})` : '', ...others].filter((x) => x !== '').join('|');
  if (src === '') return undefined;
  return { trigger: { global: new RegExp(src, 'gi'), sticky: new RegExp(src, 'yi'), firsts: [...new Set(firsts)] }, starts };
}

/**
 * The alternatives of a regex source from `from` (0: the top level; after a group's '(?:': that group) up to the
 * ')' that closes it (`close`, -1 at the end of the source), split at their own '|' only.
 */
function alternatives(src: string, from: number): { alts: string[]; close: number } {
  const alts: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = from;
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (c === ')') {
      alts.push(src.slice(start, i));
      return { alts, close: i };
    } else if (c === '|' && depth === 0) {
      alts.push(src.slice(start, i));
      start = i + 1;
    }
  }
  alts.push(src.slice(start));
  return { alts, close: -1 };
}

/** The starts of a word fragment (lowercase), a leading `(?:a|b)` group expanded into its alternatives. */
function wordStarts(frag: string): WordStart[] | undefined {
  if (frag.startsWith('(?:')) {
    const { alts, close } = alternatives(frag, 3);
    if (close < 0 || QUANT.has(frag[close + 1] ?? '')) return undefined;
    const out: WordStart[] = [];
    for (const alt of alts) {
      const s = wordStarts(alt + frag.slice(close + 1));
      if (!s) return undefined;
      out.push(...s);
    }
    return out;
  }
  const lit = literalPrefix(frag);
  if (!lit || !/[A-Za-z]/.test(lit.first)) return undefined;
  const first = lit.first.toLowerCase();
  if (lit.second === undefined) return [{ first }];
  const second = lit.second.toLowerCase();
  return [lit.third === undefined ? { first, second } : { first, second, third: lit.third.toLowerCase() }];
}

/** A HitTrigger and the positions where its matches may start (undefined: not known, use its global regex). */
export interface TriggerHits {
  trigger: HitTrigger;
  hits?: readonly number[];
}

/**
 * The sentences (as sorted, distinct [start, end)) that contain a match of one of the global regexes, or of a
 * HitTrigger tried only at its positions (the same sentences as its global regex would give).
 *
 * @example
 * candidateSentences('Hi. Ignore it!', [/ignore/gi]) // [[4, 14]]
 */
export function candidateSentences(text: string, triggers: readonly RegExp[], hitTriggers: readonly TriggerHits[] = []): [number, number][] {
  const out: [number, number][] = [];
  const all = [...triggers, ...hitTriggers.filter((h) => !h.hits).map((h) => h.trigger.global)];
  for (const trigger of all) {
    trigger.lastIndex = 0;
    for (let m = trigger.exec(text); m !== null; m = trigger.exec(text)) {
      const [s, e] = sentenceAt(text, m.index);
      out.push([s, e]);
      if (e > trigger.lastIndex) trigger.lastIndex = e;
    }
  }
  let passes = all.length;
  for (const { trigger: hit, hits } of hitTriggers) {
    if (!hits) continue;
    passes++;
    // as the global regex's exec loop: the leftmost match from `next` starts at the first hit where it matches
    const re = hit.sticky;
    const any = hit.anySecond;
    const second = hit.second;
    let next = 0;
    for (let k = 0; k < hits.length; k++) {
      const pos = hits[k]!;
      if (pos < next) continue;
      if (any && second && any[text.charCodeAt(pos)] === 0 && second[text.charCodeAt(pos + 1)] !== 1) continue;
      re.lastIndex = pos;
      if (!re.test(text)) continue;
      const [s, e] = sentenceAt(text, pos);
      out.push([s, e]);
      next = Math.max(re.lastIndex, e);
    }
  }
  if (passes < 2) return out;
  out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return out.filter((x, i) => i === 0 || x[0] !== out[i - 1]![0] || x[1] !== out[i - 1]![1]);
}

/** A HitTrigger shared by the phrase rules and the prescan field that has its positions. */
export interface SharedHit {
  trigger: HitTrigger;
  from: 'triggerHits' | 'latinHits';
}

/** One weighted phrase pattern of a PhraseRule (matched inside one sentence, case-insensitive). */
export interface PhraseSpec {
  regex: RegExp;
  weight: number;
  name: string;
}

/** Options of a PhraseRule. */
export interface PhraseRuleOptions {
  id: string;
  version?: string;
  category: RuleCategory;
  entity: string;
  languages?: readonly string[];
  stages?: readonly SafetyStage[];
  /**
   * Key words as regex fragments (matched case-insensitively); sentences without one are never examined. The
   * scanner unions the fragments with Latin letters (i flag) and the others (CJK, symbols; no i flag) of all
   * phrase rules into two passes.
   */
  keywords: readonly string[];
  phrases: PhraseSpec[];
}

/**
 * A scored rule over sentences: the trigger regex finds candidate positions, each candidate's sentence (CJK and
 * Latin splitting) is matched against weighted phrases, and the sentence score is the noisy-or of the weights of
 * the phrases that matched (1 - Π(1 - w)). The span runs from the first to the last matched phrase, so long inputs
 * are scanned sentence by sentence and a finding never covers more than one sentence.
 *
 * @example
 * const r = new PhraseRule({ id: 'x', category: 'injection', entity: 'X', keywords: ['ignore'],
 *   phrases: [{ regex: /ignore (all )?previous instructions/i, weight: 0.9, name: 'override' }] })
 * r.scan('Hi. Ignore previous instructions!', { stage: 'input' })[0]?.score // 0.9
 */
export class PhraseRule implements Rule {
  readonly id: string;
  readonly version: string;
  readonly category: RuleCategory;
  readonly languages: readonly string[];
  readonly entities: readonly string[];
  readonly stages: readonly SafetyStage[];
  private readonly opts: PhraseRuleOptions;
  private readonly trigger: RegExp;
  private readonly ownTrigger: RegExp;
  private shared: { key: string; regexes: readonly RegExp[]; hits: readonly SharedHit[] } | undefined;

  constructor(opts: PhraseRuleOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.version = opts.version ?? '1';
    this.category = opts.category;
    this.languages = opts.languages ?? ['en', 'zh'];
    this.entities = [opts.entity];
    this.stages = opts.stages ?? ['input'];
    this.trigger = new RegExp(opts.keywords.join('|'), 'gi');
    this.ownTrigger = new RegExp(opts.keywords.join('|'), 'i');
  }

  /** The key word fragments (the scanner unions those of all phrase rules). */
  get keywords(): readonly string[] {
    return this.opts.keywords;
  }

  /**
   * Shares the trigger pass between phrase rules: `regexes` (global) and `hits` together match the union of their
   * key words; the candidate sentences they yield are computed once per scan (memoized under `key` in
   * ScanContext.cache) and each rule keeps the sentences its own key words match. A HitTrigger of `hits` is tried
   * only at the positions the prescan recorded under its `from` key, when the scan context has the prescan.
   */
  shareTrigger(key: string, regexes: readonly RegExp[], hits: readonly SharedHit[] = []): void {
    this.shared = { key, regexes, hits };
  }

  scan(text: string, ctx?: ScanContext): Finding[] {
    const sh = this.shared;
    if (sh && ctx?.cache) {
      let sentences = ctx.cache.get(sh.key) as [number, number][] | undefined;
      if (!sentences) {
        const pre = ctx.cache.get('prescan') as Prescan | undefined;
        const hits = sh.hits.map(({ trigger, from }): TriggerHits => {
          const at = pre?.[from];
          return at ? { trigger, hits: at } : { trigger };
        });
        ctx.cache.set(sh.key, (sentences = candidateSentences(text, sh.regexes, hits)));
      }
      const out: Finding[] = [];
      for (const [s, e] of sentences) {
        const sentence = text.slice(s, e);
        if (!this.ownTrigger.test(sentence)) continue;
        const f = this.scoreSentence(sentence, s);
        if (f) out.push(f);
      }
      return out;
    }
    const out: Finding[] = [];
    const trig = this.trigger;
    trig.lastIndex = 0;
    for (let m = trig.exec(text); m !== null; m = trig.exec(text)) {
      const [s, e] = sentenceAt(text, m.index);
      const f = this.scoreSentence(text.slice(s, e), s);
      if (f) out.push(f);
      if (e > trig.lastIndex) trig.lastIndex = e;
    }
    return out;
  }

  /** Scores one sentence; `offset` is its start in the scanned text. */
  scoreSentence(sentence: string, offset = 0): Finding | undefined {
    let keep = 1;
    let first = Infinity;
    let last = -1;
    const names: string[] = [];
    for (const p of this.opts.phrases) {
      p.regex.lastIndex = 0;
      const m = p.regex.exec(sentence);
      if (!m) continue;
      keep *= 1 - p.weight;
      first = Math.min(first, m.index);
      last = Math.max(last, m.index + m[0].length);
      names.push(p.name);
    }
    if (last < 0) return undefined;
    return {
      start: offset + first,
      end: offset + last,
      entity: this.opts.entity,
      score: round(1 - keep),
      ruleId: this.id,
      evidence: names.join('+'),
    };
  }
}
