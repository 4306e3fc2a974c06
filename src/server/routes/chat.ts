import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ServerDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { toChatMessages, toGenerateOptions } from '../openai.js';
import { ChatRequestSchema, ChatResponseSchema, CompletionRequestSchema, CompletionResponseSchema } from '../schemas/openai.js';
import { errorResponses, jsonBody } from '../schemas/common.js';
import { respondGeneration } from './generation.js';
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

/**
 * Registers POST /v1/chat/completions and POST /v1/completions.
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
    const gen = engine.chat(toChatMessages(body.messages), opts);
    return respondGeneration(c, gen, {
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
    const prompt = typeof body.prompt === 'string' ? body.prompt : typeof body.prompt[0] === 'number' ? (body.prompt as number[]) : String(body.prompt[0]);
    const gen = engine.generate(prompt, opts);
    return respondGeneration(c, gen, {
      kind: 'completion',
      model: modelId(deps),
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
      topLogprobs: top,
    }) as never;
  });
}
