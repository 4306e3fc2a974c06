import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { GenerateResult, Generation, TokenEvent } from '../../engine/types.js';
import type { AppEnv } from '../env.js';
import { toHttpError } from '../errors.js';
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
      const choice =
        spec.kind === 'chat'
          ? { index: 0, message: { role: 'assistant' as const, content: r.text, refusal: null }, logprobs, finish_reason: finishReason(r) }
          : { index: 0, text: r.text, logprobs, finish_reason: finishReason(r) };
      const object = spec.kind === 'chat' ? 'chat.completion' : 'text_completion';
      return c.json({ id, object, created, model: spec.model, system_fingerprint: null, choices: [choice], usage: usageOf(r) });
    }
    const it = gen[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) checkResult(await gen.result, signal);
    c.var.clearDeadline();
    return streamSSE(c, async (stream) => {
      stream.onAbort(onAbort);
      const chunk = (delta: { role?: string; content?: string } | null, text: string | null, logprobs: unknown, finish: string | null, usage?: unknown): string => {
        const choice =
          spec.kind === 'chat'
            ? { index: 0, delta: delta ?? {}, logprobs, finish_reason: finish }
            : { index: 0, text: text ?? '', logprobs, finish_reason: finish };
        const object = spec.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
        const body: Record<string, unknown> = { id, object, created, model: spec.model, system_fingerprint: null, choices: usage ? [] : [choice] };
        if (spec.includeUsage) body['usage'] = usage ?? null;
        return JSON.stringify(body);
      };
      // Failures are caught here, not by streamSSE's onError, which would also send the raw message.
      try {
        if (spec.kind === 'chat') await stream.writeSSE({ data: chunk({ role: 'assistant', content: '' }, null, null, null) });
        let next = first;
        let offset = 0;
        while (!next.done) {
          const ev = next.value;
          const lp = spec.topLogprobs === undefined ? null : logprobsOf(spec, [ev], offset);
          offset += ev.text.length;
          await stream.writeSSE({ data: chunk({ content: ev.text }, ev.text, lp, null) });
          next = await it.next();
        }
        const r = await gen.result;
        checkResult(r, signal);
        record(c, spec.kind, r);
        await stream.writeSSE({ data: chunk({}, '', null, finishReason(r)) });
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
