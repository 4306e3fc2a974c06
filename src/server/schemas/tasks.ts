import { z } from '@hono/zod-openapi';
import { Anything, NameParam } from './common.js';

export const TaskSummarySchema = z
  .object({ id: z.string(), kind: z.string(), description: z.string().optional(), labels: z.array(z.string()).optional() })
  .passthrough()
  .openapi('Task');

export const TaskListSchema = z.object({ object: z.literal('list'), data: z.array(TaskSummarySchema) }).openapi('TaskList');

export const TaskIdParams = z.object({ id: NameParam.openapi({ param: { name: 'id', in: 'path' }, example: 'sentiment' }) });

export const TaskRunRequestSchema = z
  .strictObject({
    input: z.union([z.string().max(1_000_000), z.record(z.string(), z.unknown())]),
    /** Packs with a trained head: add the words that mattered most (true = top 5, or this many). */
    explain: z.union([z.boolean(), z.number().int().min(1).max(50)]).optional(),
  })
  .openapi('TaskRunRequest');

export const TaskRunResponseSchema = z
  .object({ task: z.string(), result: Anything, explanation: Anything.optional() })
  .openapi('TaskRunResponse');

export const ClassifyRequestSchema = z
  .strictObject({
    model: z.string().max(256).optional(),
    input: z.union([z.string().max(1_000_000), z.array(z.string().max(1_000_000)).min(1).max(256)]),
    labels: z.array(z.string().min(1).max(256)).min(2).max(100).optional(),
    /** Zero-shot prompt; `{input}` and `{labels}` are replaced. */
    prompt: z.string().max(10_000).optional(),
  })
  .openapi('ClassifyRequest');

export const ClassifyResponseSchema = z
  .object({
    id: z.string(),
    object: z.literal('list'),
    created: z.number(),
    model: z.string(),
    data: z.array(z.object({ index: z.number(), label: z.string(), probs: z.array(z.number()), num_classes: z.number() })),
    usage: z.object({ prompt_tokens: z.number(), total_tokens: z.number(), completion_tokens: z.number() }),
    /** Zero-shot with the server's input safety: `{safety: [trace entries, stage input, field]}`. */
    explanation: Anything.optional(),
  })
  .openapi('ClassifyResponse');
