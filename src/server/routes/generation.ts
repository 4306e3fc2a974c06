import type { Context } from 'hono';
import { SafetyBlockedError } from '../../errors.js';
import { streamSSE } from 'hono/streaming';
import type { GenerateResult, Generation, TokenEvent } from '../../engine/types.js';
import type { AppEnv } from '../env.js';
import { toHttpError } from '../errors.js';
import type { InputGuard } from '../guard.js';
import { chatLogprobs, checkResult, completionLogprobs, finishReason, newId, usageOf } from '../openai.js';
import { nowSeconds } from './util.js';

/** How to shape one generation's answer. */
export interface GenSpec {
  kind: 'chat' | 'completion';
  model: string;
  stream: boolean;
  includeUsage: boolean;
  /** Alternatives per token to report; undefined = no logprobs. */
  topLogprobs: number | undefined;
  /** The request's input safety state: restore placeholders and run output rules on the answer. */
  guard?: InputGuard | undefined;
}

function record(c: Context<AppEnv>, kind: string, r: GenerateResult): void {
  const m = c.var.metrics;
  m.promptTokens.inc(r.usage.promptTokens);
  m.completionTokens.inc(r.usage.completionTokens);
  const route = `/v1/${kind === 'chat' ? 'chat/' : ''}completions`;
  if (r.timings.generationMs > 0 && r.usage.completionTokens > 1)
    m.tokensPerSecond.observe({ route }, (r.usage.completionTokens - 1) / (r.timings.generationMs / 1000));
  m.timeToFirstToken.observe({ route }, (r.timings.queuedMs + r.timings.promptMs) / 1000);
}

/** Counts safety findings per rule in /metrics (rule ids only, never values). */
export function countFindings(c: Context<AppEnv>, rules: string[]): void {
  for (const rule of rules) c.var.metrics.safetyFindings.inc({ rule });
}

/** Output stage: output rules and placeholder restoration; the explanation carries input + output traces. */
function checkAnswer(c: Context<AppEnv>, guard: InputGuard | undefined, raw: string): { text: string; block?: unknown; explanation: { safety: unknown[] } } | undefined {
  if (!guard) return undefined;
  const v = guard.finish(raw);
  countFindings(c, v.rules);
  if (v.block) c.var.logger?.info({ req: c.var.requestId, rule: v.block.ruleId, stage: 'output' }, 'answer blocked by the safety policy');
  return { text: v.text, ...(v.block ? { block: v.block } : {}), explanation: { safety: [...guard.trace, ...v.trace] } };
}

/**
 * The 400 answer for a prompt the policy blocked: the OpenAI error envelope (code SAFETY_BLOCKED, type
 * safety_error, the rule id and reason in the message, `param` naming the field) plus the input trace as
 * `explanation`. The matched value is never echoed.
 *
 * @example
 * if (guard.block) return blockedResponse(c, guard, 'prompt')
 */
export function blockedResponse(c: Context<AppEnv>, guard: InputGuard, param: string): Response {
  const b = guard.block;
  const { status, body } = toHttpError(new SafetyBlockedError(b?.ruleId ?? 'unknown', b?.reason ?? 'blocked', { param }));
  c.var.logger?.info({ req: c.var.requestId, rule: b?.ruleId, stage: 'input' }, 'prompt blocked by the safety policy');
  return c.json({ ...body, explanation: { safety: guard.trace } }, status as 400);
}

function logprobsOf(spec: GenSpec, events: TokenEvent[], offset = 0): unknown {
  if (spec.topLogprobs === undefined) return null;
  return spec.kind === 'chat' ? chatLogprobs(events, spec.topLogprobs) : completionLogprobs(events, spec.topLogprobs, offset);
}

/**
 * Answers a started generation as OpenAI JSON or SSE. For streams, the first event is awaited before the
 * response starts, so queue-full and validation failures still get their real HTTP status; later failures
 * arrive as `data: {"error":...}`. A client disconnect aborts the generation (frees its slot).
 *
 * @example
 * return respondGeneration(c, engine.chat(msgs, opts), { kind: 'chat', model, stream: true, includeUsage: false, topLogprobs: undefined })
 */
export async function respondGeneration(c: Context<AppEnv>, gen: Generation, spec: GenSpec): Promise<Response> {
  gen.result.catch(() => {}); // observed below; never an unhandled rejection
  const signal = c.var.signal;
  const onAbort = (): void => gen.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const id = newId(spec.kind === 'chat' ? 'chatcmpl' : 'cmpl');
  const created = nowSeconds();
  try {
    if (!spec.stream) {
      const events: TokenEvent[] = [];
      // Only logprobs need the per-token events; otherwise the final result is enough (no per-token JS work).
      if (spec.topLogprobs !== undefined) for await (const ev of gen) events.push(ev);
      const r = await gen.result;
      checkResult(r, signal);
      record(c, spec.kind, r);
      const logprobs = logprobsOf(spec, events);
      const out = checkAnswer(c, spec.guard, r.text);
      const text = out?.block ? '' : (out?.text ?? r.text);
      const finish = out?.block ? 'content_filter' : finishReason(r);
      const choice =
        spec.kind === 'chat'
          ? { index: 0, message: { role: 'assistant' as const, content: text, refusal: null }, logprobs, finish_reason: finish }
          : { index: 0, text, logprobs, finish_reason: finish };
      const object = spec.kind === 'chat' ? 'chat.completion' : 'text_completion';
      return c.json({ id, object, created, model: spec.model, system_fingerprint: null, choices: [choice], usage: usageOf(r), ...(out ? { explanation: out.explanation } : {}) });
    }
    const it = gen[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) checkResult(await gen.result, signal);
    c.var.clearDeadline();
    return streamSSE(c, async (stream) => {
      stream.onAbort(onAbort);
      const chunk = (delta: { role?: string; content?: string } | null, text: string | null, logprobs: unknown, finish: string | null, usage?: unknown, explanation?: unknown): string => {
        const choice =
          spec.kind === 'chat'
            ? { index: 0, delta: delta ?? {}, logprobs, finish_reason: finish }
            : { index: 0, text: text ?? '', logprobs, finish_reason: finish };
        const object = spec.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
        const body: Record<string, unknown> = { id, object, created, model: spec.model, system_fingerprint: null, choices: usage ? [] : [choice] };
        if (spec.includeUsage) body['usage'] = usage ?? null;
        if (explanation !== undefined) body['explanation'] = explanation;
        return JSON.stringify(body);
      };
      // Failures are caught here, not by streamSSE's onError, which would also send the raw message.
      try {
        if (spec.kind === 'chat') await stream.writeSSE({ data: chunk({ role: 'assistant', content: '' }, null, null, null) });
        let next = first;
        let offset = 0;
        const restorer = spec.guard?.restorer();
        while (!next.done) {
          const ev = next.value;
          const lp = spec.topLogprobs === undefined ? null : logprobsOf(spec, [ev], offset);
          offset += ev.text.length;
          const piece = restorer ? restorer.push(ev.text) : ev.text;
          if (piece !== '' || ev.text === '' || lp !== null) await stream.writeSSE({ data: chunk({ content: piece }, piece, lp, null) });
          next = await it.next();
        }
        const r = await gen.result;
        checkResult(r, signal);
        record(c, spec.kind, r);
        const rest = restorer?.flush() ?? '';
        if (rest !== '') await stream.writeSSE({ data: chunk({ content: rest }, rest, null, null) });
        // Output rules see the whole answer only now: what they find is reported, sent text cannot be recalled.
        const out = checkAnswer(c, spec.guard, r.text);
        await stream.writeSSE({ data: chunk({}, '', null, out?.block ? 'content_filter' : finishReason(r), undefined, out?.explanation) });
        if (spec.includeUsage) await stream.writeSSE({ data: chunk(null, null, null, null, usageOf(r)) });
        await stream.writeSSE({ data: '[DONE]' });
      } catch (err) {
        gen.abort();
        const { body } = toHttpError(err);
        c.var.logger?.warn({ req: c.var.requestId, code: body.error.code }, 'stream failed');
        await stream.writeSSE({ data: JSON.stringify(body) });
      }
    });
  } catch (e) {
    gen.abort();
    throw e;
  } finally {
    if (!spec.stream) signal.removeEventListener('abort', onAbort);
  }
}
