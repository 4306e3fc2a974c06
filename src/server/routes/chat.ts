import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ServerDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { toChatMessages, toGenerateOptions } from '../openai.js';
import { ChatRequestSchema, ChatResponseSchema, CompletionRequestSchema, CompletionResponseSchema } from '../schemas/openai.js';
import { errorResponses, jsonBody } from '../schemas/common.js';
import type { InputGuard } from '../guard.js';
import { blockedResponse, countFindings, respondGeneration } from './generation.js';
import { modelId, requireEngine } from './util.js';

const sse = { 'text/event-stream': { schema: z.string().openapi({ description: 'OpenAI chunks, then `data: [DONE]`' }) } };

const chatRoute = createRoute({
  method: 'post',
  path: '/v1/chat/completions',
  summary: 'OpenAI chat completion (JSON or SSE stream)',
  tags: ['OpenAI'],
  request: jsonBody(ChatRequestSchema),
  responses: { 200: { content: { 'application/json': { schema: ChatResponseSchema }, ...sse }, description: 'Completion' }, ...errorResponses },
});

const completionRoute = createRoute({
  method: 'post',
  path: '/v1/completions',
  summary: 'OpenAI legacy text completion (JSON or SSE stream)',
  tags: ['OpenAI'],
  request: jsonBody(CompletionRequestSchema),
  responses: { 200: { content: { 'application/json': { schema: CompletionResponseSchema }, ...sse }, description: 'Completion' }, ...errorResponses },
});

/** The request's input guard when the server applies safety to generation (a service with `guard`, not turned off). */
function guardFor(deps: ServerDeps, texts: string[], route: string, messages: boolean): InputGuard | undefined {
  const factory = deps.safety?.guard;
  if (!factory || deps.options?.generationSafety === false) return undefined;
  return factory(texts, { route, messages });
}

/**
 * Registers POST /v1/chat/completions and POST /v1/completions. With a safety service that has a `guard` (and
 * `options.generationSafety` not false), the prompt is checked first: a blocked prompt gets a 400 SAFETY_BLOCKED,
 * masked PII reaches the engine as placeholders, and the answer is restored and checked by the output rules.
 *
 * @example
 * registerGeneration(app, { engine })
 */
export function registerGeneration(app: OpenAPIHono<AppEnv>, deps: ServerDeps): void {
  app.openapi(chatRoute, async (c) => {
    const body = c.req.valid('json');
    const engine = requireEngine(deps);
    const top = body.logprobs ? (body.top_logprobs ?? 0) : undefined;
    const opts = toGenerateOptions(body, engine, { signal: c.var.signal, defaultMaxTokens: 256, ...(top === undefined ? {} : { logprobs: top }) });
    let messages = toChatMessages(body.messages);
    const guard = guardFor(deps, messages.map((m) => m.content), '/v1/chat/completions', true);
    if (guard) {
      countFindings(c, guard.rules);
      if (guard.block) return blockedResponse(c, guard, `messages.${guard.block.message ?? 0}.content`) as never;
      if (guard.changed) messages = messages.map((m, i) => ({ ...m, content: guard.texts[i] ?? m.content }));
    }
    const gen = engine.chat(messages, opts);
    return respondGeneration(c, gen, {
      guard,
      kind: 'chat',
      model: modelId(deps),
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
      topLogprobs: top,
    }) as never;
  });

  app.openapi(completionRoute, async (c) => {
    const body = c.req.valid('json');
    const engine = requireEngine(deps);
    const top = body.logprobs ?? undefined;
    const opts = toGenerateOptions(body, engine, { signal: c.var.signal, defaultMaxTokens: 16, ...(top === undefined ? {} : { logprobs: top }) });
    let prompt = typeof body.prompt === 'string' ? body.prompt : typeof body.prompt[0] === 'number' ? (body.prompt as number[]) : String(body.prompt[0]);
    // A token-id prompt is checked as its text; it is sent as the masked text only when masking changed it.
    const guard = guardFor(deps, [typeof prompt === 'string' ? prompt : engine.detokenize(prompt)], '/v1/completions', false);
    if (guard) {
      countFindings(c, guard.rules);
      if (guard.block) return blockedResponse(c, guard, 'prompt') as never;
      if (guard.changed) prompt = guard.texts[0] ?? '';
    }
    const gen = engine.generate(prompt, opts);
    return respondGeneration(c, gen, {
      guard,
      kind: 'completion',
      model: modelId(deps),
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
      topLogprobs: top,
    }) as never;
  });
}
