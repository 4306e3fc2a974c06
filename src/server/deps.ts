import type { Logger } from 'pino';
import type { EngineLike } from '../engine/types.js';
import type { GuardFactory } from './guard.js';
import type { Lifecycle } from './lifecycle.js';

/** A task pack as listed by GET /v1/tasks. */
export interface TaskSummary {
  id: string;
  kind: string;
  description?: string;
  labels?: string[];
  [extra: string]: unknown;
}

/** What running a pack returns: the parsed result and an explanation (rules fired, probabilities, timings). */
export interface TaskRunOutput {
  result: unknown;
  explanation?: unknown;
}

/** The task layer as the server sees it; the real registry (src/tasks) is adapted to this in serve. */
export interface TaskService {
  list(): TaskSummary[] | Promise<TaskSummary[]>;
  /** The pack's full description, or undefined when unknown. */
  get(id: string): TaskSummary | undefined | Promise<TaskSummary | undefined>;
  /** Runs a pack on one input; throws NotFoundError for an unknown id and typed errors for bad input. */
  run(id: string, input: unknown, opts?: { signal?: AbortSignal; explain?: boolean | number; /** The route running it (the safety policy's `routes` overrides). */ route?: string }): Promise<TaskRunOutput>;
  /** Re-reads the task directory; resolves with the number of packs loaded. */
  reload?(): Promise<{ tasks: number; errors?: string[] }>;
}

/** One safety finding. Spans index the caller's text; the matched value itself is never logged. */
export interface SafetyFinding {
  ruleId: string;
  start: number;
  end: number;
  action?: string;
  score?: number;
  [extra: string]: unknown;
}

export interface SafetyScanOutput {
  findings: SafetyFinding[];
  /** The strongest action the policy decided (allow | flag | mask | block). */
  action?: string;
  /** Layer-specific extras (blocked, block reason, decision trace); never matched values. */
  [extra: string]: unknown;
}

export interface SafetyMaskOutput extends SafetyScanOutput {
  text: string;
}

/** The safety layer as the server sees it. */
export interface SafetyService {
  scan(text: string, opts?: { policy?: string }): SafetyScanOutput | Promise<SafetyScanOutput>;
  mask(text: string, opts?: { policy?: string }): SafetyMaskOutput | Promise<SafetyMaskOutput>;
  /**
   * Input/output safety for /v1/chat/completions and /v1/completions (mask the prompt, block, restore the answer),
   * and input safety for zero-shot /v1/classify. Optional: without it (or with `options.generationSafety: false`)
   * those routes skip safety.
   */
  guard?: GuardFactory;
}

export interface AdapterInfo {
  name: string;
  path: string;
  scale: number;
}

/** The LoRA registry as the server sees it. Paths arrive already confined to the allowed directories. */
export interface AdapterService {
  list(): AdapterInfo[] | Promise<AdapterInfo[]>;
  load(name: string, path: string, scale: number): Promise<AdapterInfo>;
  unload(name: string): Promise<void>;
}

/** Options that shape the HTTP surface (all optional; secure defaults). */
export interface AppOptions {
  /** Bearer keys; empty = no auth (only allowed on loopback, enforced by serve). */
  apiKeys?: string[];
  /** CORS origin allowlist; empty = no CORS headers at all. */
  cors?: string[];
  /** Max request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Timeout of non-streaming requests in ms (default 120000; 0 = none). */
  timeoutMs?: number;
  /** Requests per minute per API key (or per client address without keys); 0 = unlimited (default). */
  rateLimit?: number;
  /** Directories that admin-loaded adapter files must live in (realpath-checked). None = admin load refused. */
  adapterDirs?: string[];
  /**
   * Apply the safety policy (`safety.guard`) to /v1/chat/completions and /v1/completions: blocked prompts get a
   * 400, PII is masked before the model sees it and restored in the answer where the policy allows. Also the input
   * safety of zero-shot /v1/classify (`labels`, no task pack). Default true.
   */
  generationSafety?: boolean;
  /** Name of the model as listed by /v1/models (default: the model file's base name). */
  modelId?: string;
}

/**
 * Everything createApp needs. Every service is optional: a route whose service is missing answers 503.
 *
 * @example
 * const app = createApp({ engine, tasks, options: { apiKeys: ['secret'] } })
 * const res = await app.request('/v1/models', { headers: { authorization: 'Bearer secret' } })
 */
export interface ServerDeps {
  engine?: EngineLike;
  tasks?: TaskService;
  safety?: SafetyService;
  adapters?: AdapterService;
  options?: AppOptions;
  logger?: Logger;
  /** Shared with serve for draining; createApp makes one when absent. */
  lifecycle?: Lifecycle;
}
