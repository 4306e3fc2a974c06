/**
 * The safety stages around a task (DESIGN §1): input safety before the adapter, output safety after it.
 *
 * Which policy: the pack's `safety` (a policy file relative to the pack, or a built-in name such as `default` or
 * `strict`), else the caller's `policy` (RunTaskOptions; the server passes its --policy), else the built-in
 * default; compiled with `{ task: pack.id, route }` so the policy's `tasks.<id>` and `routes.<route>` overrides
 * apply. `safety: false` turns both stages off.
 *
 * Input: the caller's text, template fields and chat messages are scanned; a block throws SafetyBlockedError
 * (rule id and reason, never the value); transform actions rewrite what the model sees. The text is rewritten
 * after normalization with an offset map back to the caller's text (src/tasks/safetyMap.ts), so classify heads'
 * important words and NER offsets still point into the original; an entity overlapping a rewritten span is
 * dropped (listed in explanation.droppedEntities), never returned with text that is not at its offsets.
 *
 * Output: generate/summarize text and extract string values get the output rules (PII leak against the input,
 * blocked terms and topics, length) and their placeholders restored where the policy allows; NER entity words
 * get the output rules too, but an entity is never rewritten: one whose word a rule would rewrite is dropped.
 * An output block empties a generate/summarize answer (finishReason `content_filter`, as on /v1/chat/completions)
 * and throws SafetyBlockedError for extract and ner.
 */
import { dirname } from 'node:path';
import { InvalidArgumentError, OnrampError, OutputValidationError, SafetyBlockedError } from '../errors.js';
import { normalize } from '../preprocess/normalize.js';
import { checkOutput, compilePolicy, mask } from '../safety/api.js';
import type { SafetyPolicy } from '../safety/policy.js';
import type { SafetyScanner } from '../safety/scanner.js';
import type { SafetyTraceEntry } from '../safety/types.js';
import { Vault } from '../safety/vault.js';
import type { ChatMessage } from '../engine/types.js';
import { loadPolicyRef } from './policyRef.js';
import { premappedInput } from './prepare.js';
import { appliedRewrites, applyRewrites, maskMapped } from './safetyMap.js';
import { jsonSchemaIssues } from './validateJson.js';
import type { TaskPack } from './pack.js';
import type { ExtractResult, NerResult, RunTaskOptions, TaskInput, TaskResult, TaskSafetyTraceEntry } from './types.js';

const packPolicies = new WeakMap<TaskPack, SafetyPolicy>();

/**
 * The policy a pack names in `safety` (undefined when it names none). Loaded once per pack object; a bad
 * reference is a ConfigError naming the pack file and the field `safety`.
 *
 * @example
 * packPolicy(registry.get('support-reply'))?.name // 'strict'
 */
export function packPolicy(pack: TaskPack): SafetyPolicy | undefined {
  if (!pack.safety) return undefined;
  let p = packPolicies.get(pack);
  if (!p) {
    p = loadPolicyRef(pack.safety, pack.file ? dirname(pack.file) : process.cwd(), pack.file ? { file: pack.file } : {});
    packPolicies.set(pack, p);
  }
  return p;
}

/** The compiled policy for a run, or undefined when safety is off. */
export interface TaskSafety {
  scanner: SafetyScanner;
  source: 'pack' | 'caller' | 'builtin';
}

/**
 * Picks and compiles the policy of one run (see the module doc); undefined with `safety: false`.
 *
 * @example
 * taskSafety(pack, { engine, policy: loadPolicy('bank.yaml') })?.source // 'caller' unless the pack names one
 */
export function taskSafety(pack: TaskPack, opts: Pick<RunTaskOptions, 'safety' | 'policy' | 'route'>): TaskSafety | undefined {
  if (opts.safety === false) return undefined;
  const own = packPolicy(pack);
  const policy = own ?? opts.policy;
  const scanner = compilePolicy(policy, { task: pack.id, ...(opts.route ? { route: opts.route } : {}) });
  return { scanner, source: own ? 'pack' : opts.policy ? 'caller' : 'builtin' };
}

/** The state the output stage needs: the vault stays here, never in a result. */
export interface InputStage {
  /** What the adapter runs on: masked, normalized text mapped back to the caller's text; masked fields and messages. */
  input: TaskInput;
  trace: TaskSafetyTraceEntry[];
  /** The caller's texts joined (the PII-leak check compares the output with these). */
  inputText: string;
  /** The replacements the model saw (to explain dropped NER entities). */
  replacements: string[];
  /** The normalized text after rewrites, when a rule rewrote the caller's text. */
  maskedText?: string;
  vault: Vault;
  safety: TaskSafety;
  ms: number;
}

const tag = (entries: readonly SafetyTraceEntry[], stage: 'input' | 'output', field?: string, shift = 0): TaskSafetyTraceEntry[] =>
  entries.map((e) => ({
    ...e,
    ...(shift ? { spans: e.spans.map(([s, t]): [number, number] => [s + shift, t + shift]) } : {}),
    stage,
    ...(field === undefined ? {} : { field }),
  }));

/**
 * Input stage: scans and rewrites the caller's text (after normalization, offsets kept), fields and messages.
 * Throws SafetyBlockedError when a rule blocks; `param` names the blocked part (`input`, `fields.<k>`,
 * `messages.<i>.content`).
 *
 * @example
 * const st = safetyInput(pack, 'my phone is 13812345678', taskSafety(pack, {})!)
 * (st.input as { text: string }).text // 'my phone is <PHONE_1>'
 */
export function safetyInput(pack: TaskPack, input: TaskInput, safety: TaskSafety): InputStage {
  const t0 = performance.now();
  const { scanner } = safety;
  const original = typeof input === 'string' ? input : input?.text;
  if (typeof original !== 'string') throw new InvalidArgumentError('input.text', 'must be a string');
  const vault = new Vault();
  const trace: TaskSafetyTraceEntry[] = [];
  const texts = [original];
  const blocked = (b: { ruleId: string; reason: string }, param: string): never => {
    throw new SafetyBlockedError(b.ruleId, b.reason, { param });
  };
  const r = mask(original, scanner, { vault });
  if (r.block) blocked(r.block, typeof input === 'string' ? 'input' : 'input.text');
  trace.push(...tag(r.explanation.safety, 'input'));
  const rewrites = appliedRewrites(original, r.findings, scanner, vault);
  if (applyRewrites(original, rewrites) !== r.text) throw new OnrampError('INTERNAL', 'task safety: rewrites do not reproduce the masked text');
  const mapped = maskMapped(normalize(original, pack.input.normalize), rewrites);
  let fields: Record<string, string> | undefined;
  let messages: ChatMessage[] | undefined;
  if (typeof input !== 'string') {
    if (input.fields) {
      fields = {};
      for (const [k, v] of Object.entries(input.fields)) {
        if (typeof v !== 'string') throw new InvalidArgumentError(`input.fields.${k}`, 'must be a string');
        const f = mask(v, scanner, { vault });
        if (f.block) blocked(f.block, `fields.${k}`);
        trace.push(...tag(f.explanation.safety, 'input', `fields.${k}`));
        fields[k] = f.text;
        texts.push(v);
      }
    }
    if (input.messages) {
      messages = input.messages.map((m, i) => {
        if (typeof m?.content !== 'string') return m;
        const f = mask(m.content, scanner, { vault });
        if (f.block) blocked(f.block, `messages.${i}.content`);
        trace.push(...tag(f.explanation.safety, 'input', `messages.${i}.content`));
        texts.push(m.content);
        return f.text === m.content ? m : { ...m, content: f.text };
      });
    }
  }
  return {
    input: premappedInput(mapped, { ...(fields ? { fields } : {}), ...(messages ? { messages } : {}) }),
    trace,
    inputText: texts.join('\n'),
    replacements: rewrites.map((w) => w.replacement),
    ...(rewrites.length ? { maskedText: mapped.text } : {}),
    vault,
    safety,
    ms: performance.now() - t0,
  };
}

/** Output rules and restore on one text; a block throws. */
function checkText(text: string, st: InputStage, param: string): { text: string; trace: SafetyTraceEntry[] } {
  const r = checkOutput(text, { policy: st.safety.scanner, vault: st.vault, input: st.inputText });
  if (r.block) throw new SafetyBlockedError(r.block.ruleId, r.block.reason, { param });
  return { text: r.text, trace: r.explanation.safety };
}

/** Output-rule rewrites on a raw model output kept in the explanation (no restore: placeholders stay). */
function sanitizeRaw(raw: string, st: InputStage): string {
  return checkOutput(raw, { policy: st.safety.scanner, vault: new Vault(), input: st.inputText }).text;
}

function mapStrings(v: unknown, path: string, fn: (s: string, path: string) => string): unknown {
  if (typeof v === 'string') return fn(v, path);
  if (Array.isArray(v)) return v.map((x, i) => mapStrings(x, `${path}[${i}]`, fn));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapStrings(x, `${path}.${k}`, fn)]));
  return v;
}

function extractOutput(pack: TaskPack, r: ExtractResult, st: InputStage, out: TaskSafetyTraceEntry[]): ExtractResult {
  let changed = false;
  const data = mapStrings(r.data, 'data', (s, path) => {
    const c = checkText(s, st, path);
    out.push(...tag(c.trace, 'output', path));
    if (c.text !== s) changed = true;
    return c.text;
  });
  if (r.explanation.raw !== undefined) r.explanation.raw = sanitizeRaw(r.explanation.raw, st);
  if (!changed) return r;
  const issues = pack.output.schema ? jsonSchemaIssues(pack.output.schema as Record<string, unknown>, data) : [];
  if (issues.length) {
    r.explanation.safety = [...st.trace, ...out];
    throw new OutputValidationError(`task ${pack.id}: output does not match the schema after output safety: ${issues.join('; ')}`, r.explanation.raw ?? '', { explanation: r.explanation, issues });
  }
  return { ...r, data };
}

function nerOutput(r: NerResult, st: InputStage, out: TaskSafetyTraceEntry[]): NerResult {
  const dropped = (r.explanation.droppedEntities ??= []);
  for (const d of dropped) {
    if (d.reason !== 'below thresholds.entity' && st.replacements.some((rep) => rep && d.text.includes(rep))) d.reason = 'overlaps text the safety policy rewrote';
  }
  const entities = r.entities.filter((e) => {
    const c = checkText(e.word, st, 'entities');
    out.push(...tag(c.trace, 'output', undefined, e.start));
    if (c.text === e.word) return true;
    const rules = [...new Set(c.trace.filter((t) => t.action !== 'flag' && t.action !== 'allow').map((t) => `${t.ruleId} (${t.action})`))];
    dropped.push({ text: e.word, label: e.entity_group, reason: `output safety: ${rules.join(', ') || 'rewritten'}` });
    return false;
  });
  if (r.explanation.raw !== undefined) r.explanation.raw = sanitizeRaw(r.explanation.raw, st);
  return entities.length === r.entities.length ? r : { ...r, entities };
}

/**
 * Output stage: output rules and placeholder restore per result kind (see the module doc), then the whole
 * trace (input entries, then output entries) in `explanation.safety`. classify and multilabel results carry
 * labels only: no output rules.
 *
 * @example
 * const r = safetyOutput(pack, await adapter(pack, st.input, opts), st)
 * r.explanation.safety // [{ ruleId: 'phone', stage: 'input', action: 'placeholder', spans: [[12, 23]], … }]
 */
export function safetyOutput(pack: TaskPack, result: TaskResult, st: InputStage): TaskResult {
  const t0 = performance.now();
  const out: TaskSafetyTraceEntry[] = [];
  let r: TaskResult = result;
  switch (result.kind) {
    case 'generate':
    case 'summarize': {
      // like the chat guard: a blocked answer comes back empty with finishReason content_filter (trace kept)
      const c = checkOutput(result.text, { policy: st.safety.scanner, vault: st.vault, input: st.inputText });
      out.push(...tag(c.explanation.safety, 'output'));
      if (c.block) r = { ...result, text: '', finishReason: 'content_filter' };
      else if (c.text !== result.text) r = { ...result, text: c.text };
      break;
    }
    case 'extract':
      r = extractOutput(pack, result, st, out);
      break;
    case 'ner':
      r = nerOutput(result, st, out);
      break;
    default:
      break;
  }
  const e = r.explanation;
  e.safety = [...st.trace, ...out];
  e.safetyPolicy = { name: st.safety.scanner.policy.name, source: st.safety.source };
  if (st.maskedText !== undefined) e.maskedInput = st.maskedText;
  const ms = st.ms + (performance.now() - t0);
  e.timings.safetyMs = ms;
  e.timings.totalMs += ms;
  return r;
}

/**
 * Adds the input trace to the explanation of a typed error an adapter threw (OutputValidationError keeps the
 * explanation in its details).
 *
 * @example
 * try { await adapter(pack, st.input, opts) } catch (e) { withInputTrace(e, st); throw e }
 */
export function withInputTrace(err: unknown, st: InputStage): void {
  const ex = (err as { details?: { explanation?: unknown } })?.details?.explanation;
  if (ex && typeof ex === 'object') (ex as { safety?: unknown }).safety = [...st.trace];
}
