import { z } from 'zod';

const Lora = z.strictObject({ name: z.string().min(1), path: z.string().min(1), scale: z.number().optional() });

/**
 * Every setting of `onramp serve`, after merging defaults, config file, ONRAMP_* env vars and flags.
 *
 * @example
 * const cfg = ServeConfigSchema.parse({ port: 9000 }) // host 127.0.0.1, parallel 4, ...
 */
export const ServeConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8787),
  /** GGUF path; absent = the embedded synthetic demo model. */
  model: z.string().min(1).optional(),
  /** Model id shown by /v1/models (default: the file's base name). */
  modelId: z.string().min(1).optional(),
  lora: z.array(Lora).default([]),
  /** Directories admin-loaded adapters must live in (the directories of --lora files are added). */
  adapterDirs: z.array(z.string()).default([]),
  tasks: z.string().min(1).optional(),
  policy: z.string().min(1).optional(),
  /** NER task pack (id or file) behind a policy's `ner-entities` rule (default: the built-in `ner`). */
  nerTask: z.string().min(1).optional(),
  /** Apply the safety policy to /v1/chat/completions and /v1/completions (mask, block, restore). Default on. */
  generationSafety: z.boolean().default(true),
  parallel: z.number().int().min(1).max(256).default(4),
  ctx: z.number().int().min(64).max(1_048_576).default(4096),
  threads: z.number().int().min(1).max(1024).optional(),
  /** Max queued requests before 429. */
  queue: z.number().int().min(1).max(100_000).default(64),
  apiKeys: z.array(z.string().min(8, 'API keys must be at least 8 characters')).default([]),
  apiKeyFile: z.string().min(1).optional(),
  insecure: z.boolean().default(false),
  cors: z.array(z.string().min(1)).default([]),
  /** Bytes. */
  bodyLimit: z.number().int().min(1024).max(1024 ** 3).default(1024 * 1024),
  /** ms for non-streaming requests; 0 = none. */
  timeoutMs: z.number().int().min(0).default(120_000),
  /** Requests per minute per key; 0 = unlimited. */
  rateLimit: z.number().int().min(0).default(0),
  /** ms to let in-flight requests finish on SIGTERM/SIGINT. */
  graceMs: z.number().int().min(0).default(10_000),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type ServeConfig = z.infer<typeof ServeConfigSchema>;
/** What a config file, the environment or flags may set (all optional). */
export type ServeConfigInput = z.input<typeof ServeConfigSchema>;
