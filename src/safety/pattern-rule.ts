import { cachedView, digitView, needleView, subView, tokenView, type SubView } from './candidates.js';
import type { Prescan } from './prescan.js';
import type { Finding, Rule, RuleCategory, ScanContext, SafetyStage } from './types.js';

/** One regex of a PatternRule: a global regex, the base score of a match, and the entity it emits. */
export interface PatternSpec {
  /** Must have the `g` flag. A named group `v` (or `v1`, `v2`… in alternatives), when it matched, is the span reported (the rest is context). */
  regex: RegExp;
  score: number;
  entity?: string;
  /** Short non-sensitive name reported as evidence. */
  name?: string;
  /**
   * Cheap test on the text this regex runs over (the candidate windows when the rule has `candidates`, else the
   * whole text); when false this regex does not run.
   */
  precheck?: (text: string) => boolean;
  /** Candidate windows for this regex only (see PatternRuleOptions.candidates; `null`: the whole text). */
  candidates?: Candidates | null;
  /**
   * The positions in the text this regex runs over where one of its matches may start, ascending: every start of
   * a match must be among them. The regex (made sticky) then runs only there, the leftmost first, as its global
   * exec loop would (e.g. for each '@', the start of the local part before it).
   */
  starts?: (text: string) => number[];
}

/**
 * Where a rule's regexes run: `'digits'` (clusters of digits with a margin; every match must contain a digit
 * within 12 characters of its ends), `'tokens'` (runs of 15+ base64 characters, from 40 characters before to 2
 * after: every match must lie there) or `{ needle, before, after }` (windows around each occurrence of a literal,
 * e.g. '@').
 */
export type Candidates = 'digits' | 'tokens' | { needle: string; before: number; after: number };

/** What validate/invalidate hooks get. */
export interface PatternMatch {
  value: string;
  start: number;
  end: number;
  text: string;
  spec: PatternSpec;
}

/** Options of a PatternRule. */
export interface PatternRuleOptions {
  id: string;
  version?: string;
  category: RuleCategory;
  languages?: readonly string[];
  entity: string;
  patterns: PatternSpec[];
  stages?: readonly SafetyStage[];
  /**
   * Words whose presence shortly before (or after) a match raises the score by `contextBoost`. Lowercase; CJK works.
   */
  context?: readonly string[];
  contextBoost?: number;
  /** How far (characters) to look for context words before the match; after it: half of that. */
  contextWindow?: number;
  /** Cheap test on the whole text; when false the regexes never run (e.g. `t => t.includes('@')`). */
  precheck?: (text: string) => boolean;
  /**
   * Run the regexes only over candidate windows instead of the whole text (see Candidates; a pattern may set its
   * own). Validation and context still see the whole text.
   */
  candidates?: Candidates;
  /**
   * Checks a match: `false` drops it, `true` keeps the score, a number replaces the score, a string is evidence
   * (kept with the base score). It may shrink the match by changing `start`/`end`/`value`.
   */
  validate?: (m: PatternMatch) => boolean | number | string;
  /** Drops matches that look like something else (dates, amounts, versions). */
  invalidate?: (m: PatternMatch) => boolean;
  /**
   * Declares that `validate` never returns a number and neither hook changes the match's span: then a match whose
   * score stays below the scanner's threshold (no context word) is not reported, and a pattern that cannot reach
   * the threshold even with context does not run at all. Same decisions, less work.
   */
  hooksKeepScore?: boolean;
}

/**
 * A rule made of regexes, context words and validate/invalidate hooks (Presidio's PatternRecognizer shape).
 *
 * @example
 * const rule = new PatternRule({ id: 'order-no', category: 'pii', entity: 'ORDER', patterns: [{ regex: /\bORD-\d{6}\b/g, score: 0.9 }] })
 * rule.scan('see ORD-123456', { stage: 'input' }) // [{ start: 4, end: 14, entity: 'ORDER', score: 0.9, ruleId: 'order-no', ... }]
 */
export class PatternRule implements Rule {
  readonly id: string;
  readonly version: string;
  readonly category: RuleCategory;
  readonly languages: readonly string[];
  readonly entities: readonly string[];
  readonly stages: readonly SafetyStage[];
  protected readonly opts: PatternRuleOptions;
  /**
   * The lowest score the scanner keeps for this rule's entities (set by the scanner that built the rule; 0 keeps
   * everything). With `hooksKeepScore` it lets the rule skip matches that cannot reach it.
   */
  minScore = 0;

  constructor(opts: PatternRuleOptions) {
    for (const p of opts.patterns) {
      if (!p.regex.global) throw new TypeError(`rule ${opts.id}: pattern ${p.regex.source} needs the g flag`);
    }
    this.opts = opts;
    this.id = opts.id;
    this.version = opts.version ?? '1';
    this.category = opts.category;
    this.languages = opts.languages ?? ['*'];
    const ents = new Set([opts.entity, ...opts.patterns.map((p) => p.entity ?? opts.entity)]);
    this.entities = [...ents];
    this.stages = opts.stages ?? ['input'];
  }

  scan(text: string, ctx?: ScanContext): Finding[] {
    const o = this.opts;
    if (o.precheck && !o.precheck(text)) return [];
    const out: Finding[] = [];
    const boost = o.context && o.context.length > 0 ? (o.contextBoost ?? 0.35) : 0;
    for (const spec of o.patterns) {
      // below the threshold without context: the match needs a context word to be kept (or cannot be kept at all)
      const weak = this.minScore > 0 && o.hooksKeepScore === true && round(spec.score) < this.minScore;
      if (weak && (boost === 0 || round(Math.min(1, spec.score + boost)) < this.minScore)) continue;
      const sub = candidateView(spec.candidates === undefined ? o.candidates : (spec.candidates ?? undefined), text, ctx);
      const hay = sub ? sub.text : text;
      if (sub && hay.length <= 1) continue;
      if (spec.precheck && !spec.precheck(hay)) continue;
      const starts = spec.starts?.(hay);
      const re = starts ? stickyOf(spec.regex) : spec.regex;
      re.lastIndex = 0;
      let k = 0;
      let from = 0;
      // the next match: the global regex's, or with `starts` the sticky regex's at the first start where it matches
      const next = (): RegExpExecArray | null => {
        if (!starts) return re.exec(hay);
        for (; k < starts.length; k++) {
          const at = starts[k]!;
          if (at < from) continue;
          re.lastIndex = at;
          const m = re.exec(hay);
          if (m) {
            k++;
            from = Math.max(at + 1, re.lastIndex);
            return m;
          }
        }
        return null;
      };
      for (let m = next(); m !== null; m = next()) {
        if (m[0].length === 0) {
          if (!starts) re.lastIndex++;
          continue;
        }
        let value = m[0];
        let start = m.index;
        const subMatch = m.groups === undefined ? undefined : valueGroup(re, m.groups);
        if (subMatch !== undefined) {
          const off = m[0].indexOf(subMatch);
          start = m.index + Math.max(0, off);
          value = subMatch;
        }
        if (sub) start = sub.toBase(start);
        const end = start + value.length;
        const match: PatternMatch = { value, start, end, text, spec };
        if (o.invalidate?.(match)) continue;
        let score = spec.score;
        let evidence = spec.name ?? 'pattern';
        if (o.validate) {
          const v = o.validate(match);
          if (v === false) continue;
          if (typeof v === 'number') score = v;
          else if (typeof v === 'string') evidence = v;
        }
        if (o.context && o.context.length > 0 && score < 1 && hasContext(text, match.start, match.end, o.context, o.contextWindow ?? 48)) {
          score = Math.min(1, score + (o.contextBoost ?? 0.35));
          evidence += '+context';
        } else if (weak) continue; // stays below the threshold: the scanner would drop it
        if (score <= 0) continue;
        if (match.end <= match.start) continue;
        out.push({ start: match.start, end: match.end, entity: spec.entity ?? o.entity, score: round(score), ruleId: this.id, evidence });
      }
    }
    return out;
  }
}

/** The candidate windows of `text` for a kind (shared through ScanContext.cache), undefined for the whole text. */
function candidateView(c: Candidates | undefined, text: string, ctx: ScanContext | undefined): SubView | undefined {
  if (c === undefined) return undefined;
  const cache = ctx?.cache;
  // looked up before anything is allocated: most rules find the view their kind already has in this scan
  const hit = typeof c === 'string' ? (cache?.get(c) as SubView | undefined) : undefined;
  if (hit) return hit;
  const pre = cache?.get('prescan') as Prescan | undefined;
  if (c === 'digits') return cachedView(cache, 'digits', () => (pre ? subView(text, pre.digitWindows) : digitView(text)));
  if (c === 'tokens') return cachedView(cache, 'tokens', () => tokenView(text, pre?.longRuns));
  return cachedView(cache, `needle:${c.needle}:${c.before}:${c.after}`, () => needleView(text, c.needle, c.before, c.after));
}

const stickies = new WeakMap<RegExp, RegExp>();

/** The sticky copy of a global regex (cached). */
function stickyOf(re: RegExp): RegExp {
  let y = stickies.get(re);
  if (!y) stickies.set(re, (y = new RegExp(re.source, re.flags.replace('g', '') + 'y')));
  return y;
}

/** Per regex, its value group names (`v`, `v1`, `v2`…) in the order of the groups object. */
const valueNames = new WeakMap<RegExp, string[]>();

function valueGroup(re: RegExp, groups: Record<string, string | undefined>): string | undefined {
  let names = valueNames.get(re);
  if (!names) {
    names = [];
    for (const k in groups) if (k === 'v' || /^v\d+$/.test(k)) names.push(k);
    valueNames.set(re, names);
  }
  for (let i = 0; i < names.length; i++) {
    const g = groups[names[i]!];
    if (g !== undefined) return g;
  }
  return undefined;
}

const contextCache = new WeakMap<readonly string[], RegExp>();

/** One case-insensitive regex per word list (compiled once, cached by list identity). */
function contextRegex(words: readonly string[]): RegExp {
  let re = contextCache.get(words);
  if (!re) {
    re = new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');
    contextCache.set(words, re);
  }
  return re;
}

/**
 * True when one of `words` occurs (case-insensitively) within `window` chars before `start` or window/2 after `end`.
 *
 * @example
 * hasContext('phone: 123', 7, 10, ['phone']) // true
 */
export function hasContext(text: string, start: number, end: number, words: readonly string[], window = 48): boolean {
  const re = contextRegex(words);
  return re.test(text.slice(Math.max(0, start - window), start)) || re.test(text.slice(end, Math.min(text.length, end + (window >> 1))));
}

/**
 * Rounds a score to 3 decimals so traces stay readable.
 *
 * @example
 * round(0.123456) // 0.123
 */
export function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
