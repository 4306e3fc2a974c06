import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { OnrampError } from '../errors.js';

/** The OpenAI error envelope every failing route answers with. */
export interface ErrorEnvelope {
  error: { message: string; type: string; code: string; param: string | null };
}

/** An HTTP answer for an error: status, envelope and extra headers (Retry-After). */
export interface HttpError {
  status: number;
  body: ErrorEnvelope;
  headers: Record<string, string>;
}

/** OnrampError code -> [HTTP status, OpenAI error type]. The one place where codes meet statuses. */
const STATUS_BY_CODE: Record<string, [number, string]> = {
  INVALID_ARGUMENT: [400, 'invalid_request_error'],
  INVALID_JSON: [400, 'invalid_request_error'],
  CONTEXT_OVERFLOW: [400, 'invalid_request_error'],
  FILE_IS_DIRECTORY: [400, 'invalid_request_error'],
  FILE_UNREADABLE: [400, 'invalid_request_error'],
  FILE_EMPTY: [400, 'invalid_request_error'],
  UNAUTHORIZED: [401, 'authentication_error'],
  FORBIDDEN: [403, 'permission_error'],
  NOT_FOUND: [404, 'not_found_error'],
  FILE_NOT_FOUND: [404, 'not_found_error'],
  METHOD_NOT_ALLOWED: [405, 'invalid_request_error'],
  CONFLICT: [409, 'conflict_error'],
  PAYLOAD_TOO_LARGE: [413, 'invalid_request_error'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'invalid_request_error'],
  GRAMMAR: [422, 'invalid_request_error'],
  OUTPUT_VALIDATION: [422, 'invalid_request_error'],
  SAFETY_BLOCKED: [400, 'safety_error'],
  CONFIG: [422, 'invalid_request_error'],
  GGUF_FORMAT: [422, 'invalid_request_error'],
  MODEL_LOAD: [422, 'invalid_request_error'],
  LORA_INVALID: [422, 'invalid_request_error'],
  LORA_MISMATCH: [422, 'invalid_request_error'],
  LORA_UNSUPPORTED: [422, 'invalid_request_error'],
  HEAD_MODEL_MISMATCH: [422, 'invalid_request_error'],
  CHAT_TEMPLATE: [422, 'invalid_request_error'],
  QUEUE_FULL: [429, 'rate_limit_error'],
  RATE_LIMITED: [429, 'rate_limit_error'],
  ABORTED: [499, 'request_aborted'],
  DISPOSED: [503, 'service_unavailable'],
  UNAVAILABLE: [503, 'service_unavailable'],
  TIMEOUT: [504, 'timeout_error'],
};

/** HTTP statuses raised by Hono itself (HTTPException) -> our stable code. */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'INVALID_JSON',
  401: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

function envelope(status: number, type: string, code: string, message: string, param: string | null): HttpError {
  return { status, body: { error: { message, type, code, param } }, headers: {} };
}

/**
 * Maps anything thrown by a route to an HTTP error. OnrampErrors keep their message and code; Hono's own
 * HTTPExceptions (malformed JSON) become 4xx; everything else is a bug: 500 without internals.
 *
 * @example
 * const { status, body } = toHttpError(new QueueFullError(64)) // 429, Retry-After: 1
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof OnrampError) {
    const [status, type] = STATUS_BY_CODE[err.code] ?? [500, 'server_error'];
    const message = status === 500 ? 'internal server error' : err.message;
    const out = envelope(status, type, err.code, message, err.param ?? null);
    const retry = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if ((status === 429 || status === 503) && typeof retry === 'number') out.headers['Retry-After'] = String(Math.max(1, Math.ceil(retry)));
    return out;
  }
  if (err instanceof HTTPException && err.status < 500) {
    const code = CODE_BY_STATUS[err.status] ?? 'INVALID_ARGUMENT';
    const [, type] = STATUS_BY_CODE[code] ?? [400, 'invalid_request_error'];
    const message = err.status === 400 ? 'malformed JSON in request body' : err.message || code.toLowerCase();
    return envelope(err.status, type, code, message, null);
  }
  return envelope(500, 'server_error', 'INTERNAL', 'internal server error', null);
}

/**
 * Builds the JSON error response for `err` (used by app.onError, middleware and streaming routes).
 *
 * @example
 * app.onError((err, c) => errorResponse(c, err))
 */
export function errorResponse(c: Context, err: unknown): Response {
  const { status, body, headers } = toHttpError(err);
  return c.body(JSON.stringify(body), status as 400, { ...headers, 'content-type': 'application/json; charset=utf-8' });
}
