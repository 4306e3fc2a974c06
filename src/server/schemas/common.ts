import { z } from '@hono/zod-openapi';

/** The OpenAI error envelope, for the OpenAPI document. */
export const ErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      code: z.string(),
      param: z.string().nullable(),
    }),
  })
  .openapi('Error');

const err = (description: string) => ({ content: { 'application/json': { schema: ErrorSchema } }, description });

/** The error responses every route can give (documented once). */
export const errorResponses = {
  400: err('Invalid request (malformed JSON, wrong types, unknown fields) or blocked by the safety policy (SAFETY_BLOCKED)'),
  401: err('Missing or invalid API key'),
  413: err('Request body too large'),
  422: err('Well-formed but not processable (schema cannot be enforced)'),
  429: err('Queue full or rate limited; see Retry-After'),
  503: err('Not ready or draining; see Retry-After'),
} as const;

export const notFound = { 404: err('Unknown task, adapter or model') } as const;

/** A task or adapter name in a path. */
export const NameParam = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be 1-128 characters of letters, digits, ".", "_" or "-"');

/** Passthrough object for results whose shape belongs to another layer (task results, explanations). */
export const Anything = z.unknown().openapi({ type: 'object' });

export const jsonBody = <T extends z.ZodType>(schema: T, description = 'JSON body') => ({
  body: { content: { 'application/json': { schema } }, required: true, description },
});

export const jsonOk = <T extends z.ZodType>(schema: T, description = 'OK') => ({
  content: { 'application/json': { schema } },
  description,
});
