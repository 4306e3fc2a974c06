import { z } from '@hono/zod-openapi';

const MAX_TOKENS = 1_048_576;
const int = (min: number, max: number) => z.number().int().min(min).max(max);

const TextPart = z.object({ type: z.literal('text'), text: z.string() });

export const ChatMessageSchema = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    content: z.union([z.string(), z.array(TextPart).max(1024)]).nullable(),
    name: z.string().max(256).optional(),
  })
  .openapi('ChatMessage');

const Stop = z.union([z.string().min(1).max(256), z.array(z.string().min(1).max(256)).max(8)]).nullable().optional();

const ResponseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().max(256),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

const LoraSelect = z.array(z.object({ name: z.string().min(1).max(128), scale: z.number().min(-10).max(10).optional() })).max(8);

/** Sampling fields shared by chat and completions (OpenAI names plus llama.cpp's top_k/min_p). */
const sampling = {
  model: z.string().max(256).optional(),
  max_tokens: int(1, MAX_TOKENS).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  top_k: int(0, 1000).optional(),
  min_p: z.number().min(0).max(1).optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  repeat_penalty: z.number().min(0).max(10).optional(),
  logit_bias: z.record(z.string().regex(/^\d{1,9}$/, 'keys must be token ids'), z.number().min(-100).max(100)).nullable().optional(),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
  stop: Stop,
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() }).nullable().optional(),
  n: z.literal(1, { error: 'only n=1 is supported' }).nullable().optional(),
  user: z.string().max(256).optional(),
  lora: LoraSelect.optional(),
  /** llama.cpp extension: keep generating past end-of-generation tokens (benchmarks). */
  ignore_eos: z.boolean().optional(),
};

/**
 * OpenAI request fields that unchanged OpenAI SDK apps send and that do not change what a local model generates:
 * type-checked, then ignored (storage, billing tier, tracing, prompt-cache and abuse-monitoring hints; tool-call
 * parallelism without tools; the reasoning and verbosity hints of reasoning models; a text-only `modalities`).
 * Every other unknown field is still rejected with a 400 naming it (`tools`, `audio`, `functions`, ...).
 */
export const IGNORED_OPENAI_FIELDS = ['store', 'metadata', 'parallel_tool_calls', 'service_tier', 'prompt_cache_key', 'safety_identifier', 'reasoning_effort', 'verbosity', 'modalities'] as const;
const ignored = {
  store: z.boolean().nullable().optional(),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullable().optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  service_tier: z.string().max(64).nullable().optional(),
  prompt_cache_key: z.string().max(1024).nullable().optional(),
  safety_identifier: z.string().max(256).nullable().optional(),
  reasoning_effort: z.string().max(32).nullable().optional(),
  verbosity: z.enum(['low', 'medium', 'high']).nullable().optional(),
  modalities: z.array(z.literal('text', { error: 'only the text modality is supported' })).max(1).nullable().optional(),
} satisfies Record<(typeof IGNORED_OPENAI_FIELDS)[number], z.ZodType>;

export const ChatRequestSchema = z
  .strictObject({
    ...sampling,
    ...ignored,
    messages: z.array(ChatMessageSchema).min(1, 'messages must not be empty').max(4096),
    max_completion_tokens: int(1, MAX_TOKENS).nullable().optional(),
    logprobs: z.boolean().nullable().optional(),
    top_logprobs: int(0, 20).nullable().optional(),
    response_format: ResponseFormat.optional(),
  })
  .openapi('ChatCompletionRequest');
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

export const CompletionRequestSchema = z
  .strictObject({
    ...sampling,
    ...ignored,
    prompt: z.union([z.string(), z.array(z.string()).min(1).max(1, 'only one prompt per request'), z.array(z.number().int().min(0).max(2 ** 31)).min(1).max(MAX_TOKENS)]),
    logprobs: int(0, 20).nullable().optional(),
    echo: z.literal(false, { error: 'echo is not supported' }).nullable().optional(),
    best_of: z.literal(1, { error: 'only best_of=1 is supported' }).nullable().optional(),
    response_format: ResponseFormat.optional(),
  })
  .openapi('CompletionRequest');
export type CompletionRequest = z.infer<typeof CompletionRequestSchema>;

/** onramp extension: the safety decision trace of a generation (when the server applies its policy). */
const Explanation = z
  .object({ safety: z.array(z.object({ ruleId: z.string(), stage: z.enum(['input', 'output']), action: z.string(), spans: z.array(z.array(z.number())) }).passthrough()) })
  .optional()
  .openapi({ description: 'onramp extension: safety decision trace (rule ids, spans, actions; never values)' });

const Usage = z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() }).passthrough();

export const ChatResponseSchema = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: z.number(),
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.number(),
        message: z.object({ role: z.literal('assistant'), content: z.string(), refusal: z.null() }),
        logprobs: z.unknown(),
        finish_reason: z.string(),
      }),
    ),
    usage: Usage,
    explanation: Explanation,
  })
  .openapi('ChatCompletion');

export const CompletionResponseSchema = z
  .object({
    id: z.string(),
    object: z.literal('text_completion'),
    created: z.number(),
    model: z.string(),
    choices: z.array(z.object({ index: z.number(), text: z.string(), logprobs: z.unknown(), finish_reason: z.string() })),
    usage: Usage,
    explanation: Explanation,
  })
  .openapi('Completion');

export const EmbeddingRequestSchema = z
  .strictObject({
    model: z.string().max(256).optional(),
    input: z.union([
      z.string(),
      z.array(z.string()).min(1).max(2048),
      z.array(z.number().int().min(0).max(2 ** 31)).min(1),
      z.array(z.array(z.number().int().min(0).max(2 ** 31)).min(1)).min(1).max(2048),
    ]),
    encoding_format: z.enum(['float', 'base64']).optional(),
    dimensions: z.number().int().min(1).max(65536).optional(),
    user: z.string().max(256).optional(),
    lora: LoraSelect.optional(),
  })
  .openapi('EmbeddingRequest');
export type EmbeddingRequest = z.infer<typeof EmbeddingRequestSchema>;

export const EmbeddingResponseSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(z.object({ object: z.literal('embedding'), index: z.number(), embedding: z.union([z.array(z.number()), z.string()]) })),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number(), total_tokens: z.number() }),
  })
  .openapi('EmbeddingList');

export const ModelListSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(z.object({ id: z.string(), object: z.literal('model'), created: z.number(), owned_by: z.string() }).passthrough()),
  })
  .openapi('ModelList');
