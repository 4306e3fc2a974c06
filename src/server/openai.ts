import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, OnrampError } from '../errors.js';
import type { EngineLike, GenerateOptions, GenerateResult, TokenEvent, ChatMessage } from '../engine/types.js';
import type { ChatRequest, CompletionRequest } from './schemas/openai.js';

type Common = ChatRequest | CompletionRequest;

/** An OpenAI-style id: `chatcmpl-<hex>`. */
export const newId = (prefix: string): string => `${prefix}-${randomBytes(12).toString('hex')}`;

/**
 * Maps the OpenAI sampling fields of a request to engine options, checking what depends on the model
 * (max_tokens vs context, logit_bias token ids). `logprobs` = how many alternatives the engine must return.
 *
 * @example
 * const opts = toGenerateOptions(body, engine, { logprobs: 0, signal })
 */
export function toGenerateOptions(body: Common, engine: EngineLike, extra: { logprobs?: number; signal: AbortSignal; defaultMaxTokens: number }): GenerateOptions {
  const maxTokens = ('max_completion_tokens' in body ? body.max_completion_tokens : undefined) ?? body.max_tokens ?? extra.defaultMaxTokens;
  const ctx = engine.modelInfo.contextLength;
  if (ctx > 0 && maxTokens > ctx) {
    const param = 'max_completion_tokens' in body && body.max_completion_tokens != null ? 'max_completion_tokens' : 'max_tokens';
    throw new InvalidArgumentError(param, `must be at most the model's context length (${ctx})`);
  }
  const opts: GenerateOptions = { maxTokens, signal: extra.signal };
  if (body.temperature != null) opts.temperature = body.temperature;
  if (body.top_p != null) opts.topP = body.top_p;
  if (body.top_k != null) opts.topK = body.top_k;
  if (body.min_p != null) opts.minP = body.min_p;
  if (body.frequency_penalty != null) opts.frequencyPenalty = body.frequency_penalty;
  if (body.presence_penalty != null) opts.presencePenalty = body.presence_penalty;
  if (body.repeat_penalty != null) opts.repeatPenalty = body.repeat_penalty;
  if (body.seed != null) opts.seed = body.seed;
  if (body.ignore_eos) opts.ignoreEos = true;
  if (body.stop != null) opts.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (body.lora) opts.lora = body.lora.map((l) => (l.scale === undefined ? { name: l.name } : { name: l.name, scale: l.scale }));
  if (body.logit_bias) {
    const vocab = engine.modelInfo.vocabSize;
    const bias: Record<number, number> = {};
    for (const [k, v] of Object.entries(body.logit_bias)) {
      const id = Number(k);
      if (vocab > 0 && id >= vocab) throw new InvalidArgumentError('logit_bias', `token id ${id} is outside the vocabulary (${vocab})`);
      bias[id] = v <= -100 ? -Infinity : v;
    }
    opts.logitBias = bias;
  }
  const rf = body.response_format;
  if (rf?.type === 'json_object') opts.jsonSchema = { type: 'object' };
  if (rf?.type === 'json_schema') opts.jsonSchema = rf.json_schema.schema ?? { type: 'object' };
  if (extra.logprobs !== undefined) opts.logprobs = extra.logprobs;
  return opts;
}

/**
 * Flattens OpenAI messages (string or text parts; `developer` counts as `system`) into engine messages.
 *
 * @example
 * toChatMessages([{ role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] }]) // [{ role: 'system', content: 'Be brief.' }]
 */
export function toChatMessages(messages: ChatRequest['messages']): ChatMessage[] {
  return messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: m.content == null ? '' : typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join(''),
  }));
}

/** Throws the typed error behind a finished generation that did not end normally. */
export function checkResult(r: GenerateResult, signal: AbortSignal): void {
  if (r.finishReason === 'error') throw new OnrampError(r.error?.code ?? 'NATIVE', r.error?.message ?? 'generation failed');
  if (r.finishReason === 'abort') {
    if (signal.reason instanceof OnrampError) throw signal.reason;
    throw new OnrampError('ABORTED', 'the request was aborted');
  }
}

export const finishReason = (r: GenerateResult): string => (r.finishReason === 'length' ? 'length' : 'stop');

export function usageOf(r: GenerateResult): { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number } } {
  const u = r.usage;
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedPromptTokens },
  };
}

const bytes = (s: string): number[] => [...Buffer.from(s, 'utf8')];

/** Chat-style logprobs (`choices[].logprobs.content`) from token events. */
export function chatLogprobs(events: TokenEvent[], top: number): { content: unknown[] } {
  const content: unknown[] = [];
  for (const ev of events)
    for (const lp of ev.logprobs ?? [])
      content.push({
        token: lp.text,
        logprob: lp.logprob,
        bytes: bytes(lp.text),
        top_logprobs: lp.top.slice(0, top).map((t) => ({ token: t.text, logprob: t.logprob, bytes: bytes(t.text) })),
      });
  return { content };
}

/** Legacy completion logprobs (`tokens`, `token_logprobs`, `top_logprobs`, `text_offset`). */
export function completionLogprobs(events: TokenEvent[], top: number, offset0 = 0): Record<string, unknown[]> {
  const out = { tokens: [] as string[], token_logprobs: [] as number[], top_logprobs: [] as Record<string, number>[], text_offset: [] as number[] };
  let offset = offset0;
  for (const ev of events)
    for (const lp of ev.logprobs ?? []) {
      out.tokens.push(lp.text);
      out.token_logprobs.push(lp.logprob);
      out.top_logprobs.push(Object.fromEntries(lp.top.slice(0, top).map((t) => [t.text, t.logprob])));
      out.text_offset.push(offset);
      offset += lp.text.length;
    }
  return out;
}
