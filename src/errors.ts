/**
 * The one error hierarchy of onramp. Every error carries a stable `code` that the server maps to an HTTP
 * status in one place (src/server/errors.ts) and that scripts can match on.
 *
 * @example
 * try { await Model.load('missing.gguf') } catch (e) {
 *   if (e instanceof OnrampError && e.code === 'FILE_NOT_FOUND') console.error(e.message)
 * }
 */
export class OnrampError extends Error {
  /** Stable machine-readable code, e.g. `GGUF_FORMAT`. */
  readonly code: string;
  /** The option, field or parameter at fault, when there is one. */
  readonly param: string | undefined;
  /** Extra structured detail (never contains user text or PII). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, opts: { param?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.param = opts.param;
    this.details = opts.details;
  }
}

/** An option or argument has the wrong type or value. Names the parameter. */
export class InvalidArgumentError extends OnrampError {
  constructor(param: string, message: string, details?: Record<string, unknown>) {
    super('INVALID_ARGUMENT', `${param}: ${message}`, { param, ...(details ? { details } : {}) });
  }
}

/** A file does not exist, is a directory, or cannot be read. The message names the path. */
export class FileError extends OnrampError {
  readonly path: string;
  constructor(code: 'FILE_NOT_FOUND' | 'FILE_IS_DIRECTORY' | 'FILE_UNREADABLE' | 'FILE_EMPTY', path: string, message: string, cause?: unknown) {
    super(code, `${message}: ${path}`, { details: { path }, cause });
    this.path = path;
  }
}

/** A GGUF file violates the format. `offset` is the byte offset where the problem was found. */
export class GgufFormatError extends OnrampError {
  readonly offset: number;
  readonly reason: string;
  readonly path: string | undefined;
  constructor(reason: string, offset: number, path?: string) {
    super('GGUF_FORMAT', `invalid GGUF${path ? ` ${path}` : ''} at byte ${offset}: ${reason}`, {
      details: { offset, reason, ...(path ? { path } : {}) },
    });
    this.offset = offset;
    this.reason = reason;
    this.path = path;
  }
}

/** llama.cpp refused to load a model, context or adapter. */
export class ModelLoadError extends OnrampError {
  constructor(message: string, cause?: unknown) {
    super('MODEL_LOAD', message, { cause });
  }
}

/** A native object (model, context, engine, adapter) was used after dispose(). */
export class DisposedError extends OnrampError {
  constructor(what: string) {
    super('DISPOSED', `${what} has been disposed`);
  }
}

/** An operation was aborted through its AbortSignal. */
export class AbortError extends OnrampError {
  constructor(message = 'the operation was aborted') {
    super('ABORTED', message);
  }
}

/** The engine's bounded request queue is full. Retry later (HTTP 429). */
export class QueueFullError extends OnrampError {
  readonly retryAfterSeconds: number;
  constructor(queueSize: number, retryAfterSeconds = 1) {
    super('QUEUE_FULL', `the request queue is full (${queueSize} waiting); retry later`, { details: { queueSize } });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The input does not fit into the context window. */
export class ContextOverflowError extends OnrampError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('CONTEXT_OVERFLOW', message, details ? { details } : {});
  }
}

/** A JSON schema or grammar cannot be enforced. */
export class GrammarError extends OnrampError {
  constructor(message: string, param = 'grammar') {
    super('GRAMMAR', message, { param });
  }
}

/** Output failed validation (JSON schema, parse). `raw` holds the model's raw output. */
export class OutputValidationError extends OnrampError {
  readonly raw: string;
  constructor(message: string, raw: string, details?: Record<string, unknown>) {
    super('OUTPUT_VALIDATION', message, { details: { ...(details ?? {}), raw } });
    this.raw = raw;
  }
}

/** A task pack, policy or config file is invalid. Names the file and the field. */
export class ConfigError extends OnrampError {
  readonly file: string | undefined;
  readonly field: string | undefined;
  constructor(message: string, opts: { file?: string; field?: string } = {}) {
    super('CONFIG', `${opts.file ? `${opts.file}: ` : ''}${opts.field ? `${opts.field}: ` : ''}${message}`, {
      ...(opts.field ? { param: opts.field } : {}),
      details: { ...(opts.file ? { file: opts.file } : {}), ...(opts.field ? { field: opts.field } : {}) },
    });
    this.file = opts.file;
    this.field = opts.field;
  }
}

/** A named thing (task, adapter, model) is not known. */
export class NotFoundError extends OnrampError {
  constructor(kind: string, name: string) {
    super('NOT_FOUND', `${kind} not found: ${name}`, { details: { kind, name } });
  }
}

/** A name is already taken, or a resource is in a conflicting state. */
export class ConflictError extends OnrampError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

/** A safety policy blocked the request. Names the rule, never the sensitive value. */
export class SafetyBlockedError extends OnrampError {
  readonly ruleId: string;
  /** `opts.param` names the field whose text was blocked (e.g. `messages.1.content`). */
  constructor(ruleId: string, reason: string, opts: { param?: string } = {}) {
    super('SAFETY_BLOCKED', `blocked by rule ${ruleId}: ${reason}`, { details: { ruleId }, ...(opts.param ? { param: opts.param } : {}) });
    this.ruleId = ruleId;
  }
}

/** The native addon failed or could not be loaded. */
export class NativeError extends OnrampError {
  constructor(message: string, cause?: unknown) {
    super('NATIVE', message, { cause });
  }
}

/** A request lacks valid credentials (HTTP 401). Never echoes the presented key. */
export class UnauthorizedError extends OnrampError {
  constructor(message = 'missing or invalid API key') {
    super('UNAUTHORIZED', message);
  }
}

/** A request body exceeds the configured limit (HTTP 413). */
export class PayloadTooLargeError extends OnrampError {
  constructor(limitBytes: number) {
    super('PAYLOAD_TOO_LARGE', `request body exceeds ${limitBytes} bytes`, { details: { limitBytes } });
  }
}

/** A caller exceeded its rate limit (HTTP 429 + Retry-After). */
export class RateLimitError extends OnrampError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number) {
    super('RATE_LIMITED', `rate limit exceeded; retry in ${retryAfterSeconds}s`, { details: { retryAfterSeconds } });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The service cannot take the request now: no model loaded, shutting down (HTTP 503). */
export class UnavailableError extends OnrampError {
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, retryAfterSeconds?: number) {
    super('UNAVAILABLE', message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** An operation ran past its deadline (HTTP 504 for server requests). */
export class TimeoutError extends OnrampError {
  constructor(timeoutMs: number) {
    super('TIMEOUT', `the request timed out after ${timeoutMs} ms`, { details: { timeoutMs } });
  }
}

/**
 * A trained head was saved for another base model (file hash, embedding size or pooling differ).
 * Heads are only valid on the exact embeddings they were trained on.
 */
export class HeadModelMismatchError extends OnrampError {
  constructor(field: 'sha256' | 'nEmbd' | 'pooling', expected: string | number, actual: string | number) {
    super('HEAD_MODEL_MISMATCH', `the head was trained on another model: ${field} is ${String(actual)}, the head expects ${String(expected)}`, {
      param: field,
      details: { field, expected, actual },
    });
  }
}

/** llama_model_quantize failed (unreadable input, unsupported type, unwritable output). */
export class QuantizeError extends OnrampError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('QUANTIZE', message, details ? { details } : {});
  }
}

/** A chat template could not be parsed or rendered (neither Jinja nor llama.cpp's built-in templates). */
export class ChatTemplateError extends OnrampError {
  constructor(message: string) {
    super('CHAT_TEMPLATE', message, { param: 'template' });
  }
}

/**
 * A LoRA adapter file is not a usable adapter: not `general.type = adapter`, not `adapter.type = lora`, an
 * unpaired or oddly named tensor, a bad alpha, an unsupported tensor type or layout. Names the file.
 */
export class LoraInvalidError extends OnrampError {
  readonly path: string | undefined;
  constructor(reason: string, path?: string) {
    super('LORA_INVALID', `invalid LoRA adapter${path ? ` ${path}` : ''}: ${reason}`, { details: { reason, ...(path ? { path } : {}) } });
    this.path = path;
  }
}

/**
 * A LoRA adapter was made for another base model: architecture, a target tensor missing from the base, or a
 * shape that does not fit. `field` says which ('architecture' | 'tensor' | 'shape').
 */
export class LoraMismatchError extends OnrampError {
  readonly field: 'architecture' | 'tensor' | 'shape';
  constructor(field: 'architecture' | 'tensor' | 'shape', message: string, details?: Record<string, unknown>) {
    super('LORA_MISMATCH', `the LoRA adapter does not fit this model: ${message}`, { param: field, details: { field, ...(details ?? {}) } });
    this.field = field;
  }
}
