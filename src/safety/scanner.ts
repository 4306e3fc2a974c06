import { ConfigError } from '../errors.js';
import { prescanView, triggerTable, type Prescan, type Triggers } from './prescan.js';
import { safetyLog } from './log.js';
import type { ResolvedPolicy } from './policy.js';
import { PatternRule } from './pattern-rule.js';
import { PhraseRule, hitTrigger, latinTrigger, type SharedHit } from './phrase-rule.js';
import { RULE_FACTORIES, isAsyncRule } from './registry.js';
import type { NerFunction } from './rules/ner-entities.js';
import { createView, type TextView } from './text.js';
import {
  TRANSFORM_ACTIONS,
  type AsyncRule,
  type Finding,
  type Rule,
  type SafetyAction,
  type SafetyFinding,
  type SafetyStage,
  type SafetyTraceEntry,
  type ScanResult,
} from './types.js';

/** Options for compiling a policy. */
export interface CompileOptions {
  task?: string;
  route?: string;
  /** NER hook for the `ner-entities` rule. */
  ner?: NerFunction;
  /** Extra rules to run after the policy's own (custom rules; their config comes from `rules[<id>]`). */
  extraRules?: readonly (Rule | AsyncRule)[];
}

/** A key word fragment that starts a word: a letter, or a group whose alternatives start with one (or '\b' first). */
const WORD_START = /^(?:\\b)?(?:[A-Za-z]|\(\?:[A-Za-z])/;

/** A rule's finding with what the policy decision needs from its rule. */
interface Raw {
  f: Finding;
  category: string;
  version: string;
  defaultAction: SafetyAction | undefined;
}

interface Decided extends SafetyFinding {
  category: string;
  evidence: string;
  order: number;
}

/**
 * A policy compiled into rule instances: build it once (per policy, task and route) and reuse it for every
 * request; `scan` is synchronous and allocation-light. `scanAsync` also runs async rules (NER).
 *
 * @example
 * const scanner = new SafetyScanner(resolvePolicy(defaultPolicy()))
 * scanner.scan('call 13812345678').findings[0]?.entity // 'PHONE'
 */
export class SafetyScanner {
  readonly policy: ResolvedPolicy;
  readonly rules: readonly Rule[];
  readonly asyncRules: readonly AsyncRule[];
  /** The prescan class table with the phrase rules' CJK trigger characters (undefined: plain prescan). */
  private readonly triggers: Triggers | undefined;
  /** The sync rules per stage (see `byStage`). */
  private readonly stageRules = new Map<SafetyStage, readonly Rule[]>();

  constructor(policy: ResolvedPolicy, opts: CompileOptions = {}) {
    this.policy = policy;
    const ids = Object.entries(policy.rules).filter(([, c]) => c.enabled !== false).map(([id]) => id);
    const sync: Rule[] = [];
    const async: AsyncRule[] = [];
    const build = (id: string, piiRules: readonly Rule[]): Rule | AsyncRule => {
      const f = RULE_FACTORIES[id];
      if (!f) throw new ConfigError('unknown rule id', { field: `rules.${id}` });
      return f({ options: policy.rules[id]?.options ?? {}, ...(opts.ner ? { ner: opts.ner } : {}), piiRules });
    };
    // PII and secret rules first: pii-leak reuses fresh instances of them
    const later: string[] = [];
    for (const id of ids) {
      if (id === 'pii-leak') {
        later.push(id);
        continue;
      }
      const r = build(id, []);
      if (isAsyncRule(r)) async.push(r);
      else sync.push(r);
    }
    for (const id of later) {
      const pii = sync.filter((r) => r.category === 'pii' || r.category === 'secret').map((r) => build(r.id, []) as Rule);
      sync.push(build(id, pii) as Rule);
    }
    // the rules built here may skip matches that the policy would drop anyway (see PatternRule.minScore)
    for (const r of sync) {
      if (!(r instanceof PatternRule)) continue;
      r.minScore = Math.min(...r.entities.map((e) => policy.entities[e]?.threshold ?? policy.rules[r.id]?.threshold ?? policy.threshold));
    }
    for (const r of opts.extraRules ?? []) (isAsyncRule(r) ? async : sync).push(r as never);
    // one trigger pass for all phrase rules (injection checks) instead of one each
    const phrase = sync.filter((r): r is PhraseRule => r instanceof PhraseRule);
    let triggers: Triggers | undefined;
    if (phrase.length > 1) {
      const frags = phrase.flatMap((r) => r.keywords);
      const latin = frags.filter((f) => /[A-Za-z]/.test(f));
      const cjk = frags.filter((f) => !/[A-Za-z]/.test(f));
      // fragments that start a word get one leading \b: positions inside words then fail after a single check
      const wordStart = latin.filter((f) => WORD_START.test(f)).map((f) => f.replace(/^\\b/, ''));
      const otherLatin = latin.filter((f) => !WORD_START.test(f));
      // the prescan marks where a key word may start: the first characters of the CJK key words (the union then runs
      // as a sticky regex at those positions only; a regex pass over mostly-CJK text costs as much as the rest), and
      // the Latin word starts whose first three letters begin a key word. Without such literal starts: a regex pass
      // each for the Latin (i flag) and the other key words (V8 is much faster on each half than on a mixed union).
      const regexes: RegExp[] = [];
      const shared: SharedHit[] = [];
      const lat = latinTrigger(wordStart, otherLatin);
      if (lat) shared.push({ trigger: lat.trigger, from: 'latinHits' });
      else if (latin.length > 0) {
        const src = [wordStart.length > 0 ? `\\b(?:${wordStart.join('|')})` : '', ...otherLatin].filter((x) => x !== '');
        regexes.push(new RegExp(src.join('|'), 'gi'));
      }
      const hit = hitTrigger(cjk);
      if (hit) shared.push({ trigger: hit, from: 'triggerHits' });
      else if (cjk.length > 0) regexes.push(new RegExp(cjk.join('|'), 'g'));
      if (hit || lat) triggers = triggerTable(hit?.firsts ?? [], lat ? { firsts: lat.trigger.firsts, starts: lat.starts } : undefined);
      for (const r of phrase) r.shareTrigger('phrase-triggers', regexes, shared);
    }
    this.triggers = triggers;
    this.rules = sync;
    this.asyncRules = async;
  }

  /** The sync rules that run at `stage`, in order (computed once per stage). */
  private byStage(stage: SafetyStage): readonly Rule[] {
    let list = this.stageRules.get(stage);
    if (!list) this.stageRules.set(stage, (list = this.rules.filter((r) => r.stages.includes(stage))));
    return list;
  }

  /** Scans `text` at a stage; `input` is what an output answers (for leak checks). */
  scan(text: string, stage: SafetyStage = 'input', input?: string): ScanResult {
    const { view, pre } = this.prepare(text);
    const raw = this.runSync(view, stage, input, pre);
    return this.decide(raw, stage);
  }

  /** Like `scan`, and also runs the async rules (NER). */
  async scanAsync(text: string, stage: SafetyStage = 'input', input?: string): Promise<ScanResult> {
    const { view, pre } = this.prepare(text);
    const raw = this.runSync(view, stage, input, pre);
    const ctx = input === undefined ? { stage } : { stage, input };
    for (const r of this.asyncRules) {
      if (!r.stages.includes(stage)) continue;
      const found = await r.scanAsync(r.raw ? text : view.text, ctx);
      raw.push(...(r.raw ? found : this.mapBack(found, view)).map((f) => ({ f, category: r.category, version: r.version, defaultAction: r.defaultAction })));
    }
    return this.decide(raw, stage);
  }

  /** The normalized view of `text` and the prescan of that view (see `prescanView`). */
  private prepare(text: string): { view: TextView; pre: Prescan } {
    return prescanView(text, 10, this.triggers);
  }

  /** Runs the sync rules over `view`; `pre` is the prescan of `view.text`. */
  private runSync(view: TextView, stage: SafetyStage, input: string | undefined, pre: Prescan): Raw[] {
    const out: Raw[] = [];
    const cache = new Map<string, unknown>();
    cache.set('prescan', pre);
    const special = view.special;
    const foldAt = view.foldAt;
    const base = foldAt ? { stage, cache, special, foldAt } : { stage, cache, special };
    const ctx = input === undefined ? base : { ...base, input: createView(input).text };
    for (const r of this.byStage(stage)) {
      const found = r.raw ? r.scan(view.original, ctx) : this.mapBack(r.scan(view.text, ctx), view);
      for (const f of found) out.push({ f, category: r.category, version: r.version, defaultAction: r.defaultAction });
    }
    return out;
  }

  private mapBack(found: Finding[], view: TextView): Finding[] {
    if (!view.folded) return found;
    return found.map((f) => {
      const [start, end] = view.toOriginal(f.start, f.end);
      return { ...f, start, end };
    });
  }

  /** Thresholds, actions, overlap resolution, trace. */
  private decide(raw: Raw[], stage: SafetyStage): ScanResult {
    const p = this.policy;
    const decided: Decided[] = [];
    let order = 0;
    for (const { f, category, version, defaultAction } of raw) {
      order++;
      const ent = p.entities[f.entity];
      const rc = p.rules[f.ruleId];
      const threshold = ent?.threshold ?? rc?.threshold ?? p.threshold;
      if (f.score < threshold) continue;
      let action: SafetyAction = ent?.action ?? rc?.action ?? defaultAction ?? (category === 'pii' || category === 'secret' ? p.defaultAction : 'flag');
      if (ent?.blockAt !== undefined && f.score >= ent.blockAt) action = 'block';
      decided.push({ start: f.start, end: f.end, entity: f.entity, rule: f.ruleId, version, score: f.score, action, category, evidence: f.evidence ?? '', order });
    }
    const kept = resolveOverlaps(decided);
    kept.sort((a, b) => a.start - b.start || a.end - b.end || a.order - b.order);
    const findings: SafetyFinding[] = kept.map(({ start, end, entity, rule, version, score, action }) => ({ start, end, entity, rule, version, score, action }));
    const explanation = { safety: buildTrace(kept) };
    // the highest-scoring block, the first of equals
    let blocker: Decided | undefined;
    for (const d of kept) if (d.action === 'block' && (blocker === undefined || d.score > blocker.score)) blocker = d;
    const result: ScanResult = { findings, blocked: blocker !== undefined, explanation };
    if (blocker) {
      result.block = { ruleId: blocker.rule, entity: blocker.entity, reason: reasonFor(blocker, [blocker.evidence]) };
    }
    if (safetyLog.isLevelEnabled('debug')) {
      const counts: Record<string, number> = {};
      for (const d of kept) counts[d.rule] = (counts[d.rule] ?? 0) + 1;
      safetyLog.debug({ stage, policy: p.name, rules: counts, blocked: result.blocked, blockedBy: result.block?.ruleId }, 'safety scan');
    }
    return result;
  }
}

/**
 * PII and secret findings compete for their characters: the higher score wins, then the longer span, then the
 * earlier rule; losers are dropped (they were other readings of the same digits). Flags never compete.
 */
function resolveOverlaps(items: Decided[]): Decided[] {
  const isCompeting = (d: Decided): boolean => (d.category === 'pii' || d.category === 'secret') && d.action !== 'allow';
  const competing = items.filter(isCompeting).sort((a, b) => a.start - b.start);
  const taken: Decided[] = [];
  // sweep clusters of mutually overlapping spans; greedy by score inside each (clusters are tiny)
  for (let i = 0; i < competing.length; ) {
    let j = i + 1;
    let end = competing[i]!.end;
    while (j < competing.length && competing[j]!.start < end) end = Math.max(end, competing[j++]!.end);
    if (j === i + 1) taken.push(competing[i]!);
    else {
      const cluster = competing.slice(i, j).sort((a, b) => b.score - a.score || b.end - b.start - (a.end - a.start) || a.order - b.order);
      const kept: Decided[] = [];
      for (const d of cluster) if (!kept.some((t) => d.start < t.end && t.start < d.end)) kept.push(d);
      taken.push(...kept);
    }
    i = j;
  }
  const seen = new Set<string>();
  const rest = items.filter((d) => {
    if (isCompeting(d)) return false;
    const k = `${d.rule}|${d.entity}|${d.start}|${d.end}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return rest.length === 0 ? taken : [...taken, ...rest];
}

function reasonFor(d: { entity: string; rule: string; action: SafetyAction }, evidence: string[]): string {
  let ev: string;
  if (evidence.length === 1) ev = evidence[0]!;
  else {
    const distinct = new Set<string>();
    for (const e of evidence) if (e !== '') distinct.add(e);
    ev = [...distinct].join(', ');
  }
  return `${d.entity} detected by rule ${d.rule}${ev ? ` (${ev})` : ''}; action ${d.action}`;
}

/** Groups decided findings into trace entries per (rule, entity, action), in rule evaluation order. */
function buildTrace(kept: Decided[]): SafetyTraceEntry[] {
  // rule ids are shared strings: a map by rule and a short list per rule find the group without building a key
  const byRule = new Map<string, TraceGroup[]>();
  const groups: TraceGroup[] = [];
  for (const d of kept) {
    let list = byRule.get(d.rule);
    if (!list) byRule.set(d.rule, (list = []));
    let g: TraceGroup | undefined;
    for (const x of list) {
      if (x.entity === d.entity && x.action === d.action) {
        g = x;
        break;
      }
    }
    if (!g) {
      g = { entity: d.entity, action: d.action, first: d.order, items: [] };
      list.push(g);
      groups.push(g);
    }
    g.items.push(d);
    if (d.order < g.first) g.first = d.order;
  }
  groups.sort((a, b) => a.first - b.first);
  return groups.map(({ items }) => {
    const d = items[0]!;
    const spans: [number, number][] = [];
    const evidence: string[] = [];
    let score = 0;
    for (const i of items) {
      spans.push([i.start, i.end]);
      evidence.push(i.evidence);
      if (i.score > score) score = i.score;
    }
    return { ruleId: d.rule, version: d.version, entity: d.entity, spans, action: d.action, score, reason: reasonFor(d, evidence) };
  });
}

/** The findings of one trace entry (one rule, entity and action). */
interface TraceGroup {
  entity: string;
  action: SafetyAction;
  first: number;
  items: Decided[];
}

/**
 * True when the action rewrites text.
 *
 * @example
 * isTransform('mask') // true
 */
export function isTransform(a: SafetyAction): boolean {
  return TRANSFORM_ACTIONS.has(a);
}
