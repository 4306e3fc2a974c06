/**
 * The public shapes of the engine: what tasks, the server and the CLI code against.
 * The implementation lives in Engine.ts (scheduler + native context); these types never change shape
 * without updating every caller.
 */

/** A chat message, OpenAI style. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
}

/** One LoRA adapter selected for a request, by registry name. */
export interface LoraSelection {
  name: string;
  scale?: number;
}

/** Sampling settings, all applied in C++ through a llama_sampler chain. */
export interface SamplingOptions {
  /** 0 means greedy. Default 0.8 (as llama.cpp); greedy when 0. */
  temperature?: number;
  topK?: number;
  topP?: number;
  minP?: number;
  typicalP?: number;
  repeatPenalty?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  /** How many recent tokens the penalties look at (default 64). */
  penaltyLastN?: number;
  /** token id -> bias added to its logit (-Infinity bans it). */
  logitBias?: Record<number, number>;
  seed?: number;
}

/** Options of one generation request. */
export interface GenerateOptions extends SamplingOptions {
  /** Default 256. */
  maxTokens?: number;
  /** Stop strings; matched across token boundaries and never emitted. */
  stop?: string[];
  /** GBNF grammar text. */
  grammar?: string;
  /** JSON schema; converted to a grammar. Unsupported features are rejected. */
  jsonSchema?: Record<string, unknown>;
  /** Return the sampled token's logprob and this many top alternatives per token (0..20). */
  logprobs?: number;
  /** Add the model's BOS token before a raw prompt (default: the model's own add_bos setting). */
  addBos?: boolean;
  /** Abort the request. */
  signal?: AbortSignal;
  lora?: LoraSelection[];
  /** Ignore end-of-generation tokens (benchmarks). */
  ignoreEos?: boolean;
}

/** One alternative token with its log-probability. */
export interface TokenLogprob {
  token: number;
  text: string;
  logprob: number;
}

/** One streamed event: a text piece that never splits a UTF-8 character. */
export interface TokenEvent {
  type: 'token';
  /** Token ids since the last event (usually one; more when a UTF-8 character spans tokens). */
  tokens: number[];
  text: string;
  /** Present when `logprobs` was asked: one entry per token in `tokens`. */
  logprobs?: { token: number; text: string; logprob: number; top: TokenLogprob[] }[];
}

export type FinishReason = 'stop' | 'length' | 'abort' | 'error';

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens reused from a slot's KV cache (prefix cache). */
  cachedPromptTokens: number;
}

export interface Timings {
  /** ms waiting in the queue before a slot took the request. */
  queuedMs: number;
  /** ms from slot admission to the first sampled token. */
  promptMs: number;
  /** ms from the first to the last sampled token. */
  generationMs: number;
}

export interface GenerateResult {
  text: string;
  tokens: number[];
  finishReason: FinishReason;
  /** Set when finishReason is 'stop' because a stop string matched. */
  stopString?: string;
  usage: Usage;
  timings: Timings;
  /** Set when finishReason is 'error'. */
  error?: { code: string; message: string };
}

/**
 * A running generation: iterate it for streamed events, or await `.result`.
 *
 * @example
 * const run = engine.generate('Once upon a time', { maxTokens: 32, temperature: 0 })
 * for await (const ev of run) process.stdout.write(ev.text)
 * const { usage } = await run.result
 */
export interface Generation extends AsyncIterable<TokenEvent> {
  readonly result: Promise<GenerateResult>;
  abort(): void;
}

export type Pooling = 'mean' | 'cls' | 'last' | 'none';

export interface EmbedOptions {
  /** Default: the model's pooling, else 'mean'. */
  pooling?: Pooling;
  /** L2-normalize each vector (default true). */
  normalize?: boolean;
  /** Truncate inputs longer than the context instead of failing (default false). */
  truncate?: boolean;
  signal?: AbortSignal;
  lora?: LoraSelection[];
}

export interface EmbedResult {
  /** pooled: one vector; pooling 'none': one vector per token. */
  embedding: Float32Array | Float32Array[];
  tokens: number;
}

export interface ScoreOptions {
  signal?: AbortSignal;
  lora?: LoraSelection[];
  /** Add BOS before the prefix (default: the model's setting). */
  addBos?: boolean;
}

export interface CandidateScore {
  candidate: string;
  tokens: number[];
  /** Log-probability of each candidate token given prefix + previous candidate tokens. */
  tokenLogprobs: number[];
  /** Sum of tokenLogprobs (nats). */
  logprob: number;
  /** logprob / number of tokens. */
  normalizedLogprob: number;
}

export interface ScoreResult {
  candidates: CandidateScore[];
  /** softmax over total logprobs, same order as candidates. */
  probs: number[];
  /** softmax over length-normalized logprobs. */
  normalizedProbs: number[];
  prefixTokens: number;
  timings: { queuedMs: number; evalMs: number };
}

/** Live state of the engine, for /metrics and /ready. */
export interface EngineStats {
  slots: number;
  busySlots: number;
  queued: number;
  queueCapacity: number;
  generatedTokens: number;
  promptTokens: number;
}

/** What the model exposes about itself (GGUF metadata + llama.cpp's view). */
export interface ModelInfo {
  path: string;
  architecture: string;
  name: string | null;
  parameters: number;
  fileSize: number;
  /** e.g. "F32", "Q4_K_M" (from general.file_type). */
  fileType: string;
  contextLength: number;
  embeddingLength: number;
  blockCount: number;
  vocabSize: number;
  specialTokens: { bos: number | null; eos: number | null; eot: number | null };
  addBos: boolean;
  chatTemplate: string | null;
}

/**
 * The engine surface that tasks, heads, the server and the CLI code against. `Engine` (Engine.ts) implements it;
 * one engine = one model context with `parallel` slots and a C++ decode thread.
 *
 * @example
 * const model = await Model.load('model.gguf')
 * const engine = await Engine.create(model, { parallel: 4, nCtx: 4096 })
 * const { probs } = await engine.score('Review: great film. Sentiment:', [' positive', ' negative'])
 */
export interface EngineLike {
  readonly modelInfo: ModelInfo;
  /** Raw-prompt generation. A string is tokenized (BOS per the model); a token array is used as is. */
  generate(prompt: string | number[], options?: GenerateOptions): Generation;
  /** Chat generation with the model's chat template. */
  chat(messages: ChatMessage[], options?: GenerateOptions): Generation;
  /** One-pass label scoring: prefix evaluated once, every candidate in one batch. */
  score(prefix: string | number[], candidates: string[], options?: ScoreOptions): Promise<ScoreResult>;
  /** Embeddings, batched across concurrent callers. */
  embed(inputs: string[], options?: EmbedOptions): Promise<EmbedResult[]>;
  tokenize(text: string, options?: { addSpecial?: boolean; parseSpecial?: boolean }): number[];
  detokenize(tokens: number[], options?: { special?: boolean }): string;
  applyChatTemplate(messages: ChatMessage[], options?: { addAssistant?: boolean }): string;
  stats(): EngineStats;
  dispose(): Promise<void>;
}
