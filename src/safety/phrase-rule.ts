import { round } from './pattern-rule.js';
import { sentenceAt } from './text.js';
import type { Finding, Rule, RuleCategory, SafetyStage } from './types.js';

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
  /** Cheap global regex of the key words; sentences without a trigger are never examined. Needs the g flag. */
  trigger: RegExp;
  phrases: PhraseSpec[];
}

/**
 * A scored rule over sentences: the trigger regex finds candidate positions, each candidate's sentence (CJK and
 * Latin splitting) is matched against weighted phrases, and the sentence score is the noisy-or of the weights of
 * the phrases that matched (1 - Π(1 - w)). The span runs from the first to the last matched phrase, so long inputs
 * are scanned sentence by sentence and a finding never covers more than one sentence.
 *
 * @example
 * const r = new PhraseRule({ id: 'x', category: 'injection', entity: 'X', trigger: /ignore/gi,
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

  constructor(opts: PhraseRuleOptions) {
    if (!opts.trigger.global) throw new TypeError(`rule ${opts.id}: trigger needs the g flag`);
    this.opts = opts;
    this.id = opts.id;
    this.version = opts.version ?? '1';
    this.category = opts.category;
    this.languages = opts.languages ?? ['en', 'zh'];
    this.entities = [opts.entity];
    this.stages = opts.stages ?? ['input'];
  }

  scan(text: string): Finding[] {
    const out: Finding[] = [];
    const trig = this.opts.trigger;
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
