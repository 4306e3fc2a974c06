/**
 * The whole C++ surface, typed by hand, in one file. Only src/engine imports this.
 * C++ validates nothing beyond types: every option is checked in TS before it gets here.
 */

export interface AddonDevice {
  name: string;
  description: string;
  backend: string;
  type: 'cpu' | 'gpu' | 'igpu' | 'accel';
  memoryFree: number;
  memoryTotal: number;
}

export interface AddonModelOptions {
  gpuLayers?: number;
  useMmap?: boolean;
  useMlock?: boolean;
  vocabOnly?: boolean;
  checkTensors?: boolean;
  overrides?: { key: string; type: 'int' | 'float' | 'bool' | 'str'; value: number | boolean | string }[];
}

export interface AddonModelInfo {
  description: string;
  /** general.architecture ('' when missing). */
  architecture: string;
  /** general.name ('' when missing). */
  name: string;
  /** llama_ftype number (see src/engine/quantize.ts FTYPES). */
  ftype: number;
  parameters: number;
  size: number;
  nCtxTrain: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  vocabSize: number;
  hasEncoder: boolean;
  hasDecoder: boolean;
  isRecurrent: boolean;
  specialTokens: { bos: number | null; eos: number | null; eot: number | null; sep: number | null; nl: number | null; pad: number | null };
  addBos: boolean;
  addEos: boolean;
  chatTemplate: string | null;
}

export interface AddonModel {
  load(onProgress?: (progress: number) => void): Promise<void>;
  abortLoad(): void;
  dispose(): void;
  tokenize(text: string, addSpecial: boolean, parseSpecial: boolean): Uint32Array;
  detokenize(tokens: Uint32Array | number[], special: boolean): string;
  tokenPiece(token: number, special: boolean): Buffer;
  info(): AddonModelInfo;
  metadata(): Record<string, string>;
  /** Jinja (llama.cpp common_chat_templates; ChatML when the model has none), then the built-in fallback; throws CHAT_TEMPLATE. */
  applyChatTemplate(messages: { role: string; content: string }[], addAssistant: boolean, template?: string): string;
}

export interface AddonBinding {
  init(libDir: string): void;
  setLogLevel(level: number): void;
  listDevices(): AddonDevice[];
  systemInfo(): string;
  supportsGpuOffload(): boolean;
  supportsMmap(): boolean;
  supportsMlock(): boolean;
  AddonModel: new (path: string, options: AddonModelOptions) => AddonModel;
  /** llama_model_quantize on a worker thread; rejects with code QUANTIZE. */
  quantize(input: string, output: string, options: AddonQuantizeOptions, onProgress?: (p: AddonQuantizeProgress) => void): Promise<void>;
}

export interface AddonQuantizeOptions {
  /** llama_ftype number. */
  ftype: number;
  /** <= 0: all hardware threads. */
  threads?: number;
  /** Layer (block) indices to drop. */
  pruneLayers?: number[];
  allowRequantize?: boolean;
  pure?: boolean;
  quantizeOutputTensor?: boolean;
}

/** Derived from llama.cpp's per-tensor log lines: `done` of `total` tensors written. */
export interface AddonQuantizeProgress {
  done: number;
  total: number;
  tensor: string;
}

// ---- LoRA adapters (native/AddonLora) ----

/** What llama.cpp kept of an adapter's GGUF metadata. */
export interface AddonLoraInfo {
  /** `adapter.lora.alpha`, 0 when absent. */
  alpha: number;
  architecture: string;
  adapterType: string;
  /** Scalar metadata values as strings. */
  metadata: Record<string, string>;
  /** aLoRA invocation tokens (empty for a plain LoRA). */
  aloraInvocationTokens: number[];
  /** Process-unique id of the loaded adapter. */
  id: number;
}

/** One LoRA adapter of one model. `dispose()` frees it once no running task holds it. */
export interface AddonLora {
  load(): Promise<void>;
  info(): AddonLoraInfo;
  dispose(): Promise<void>;
}

/** One entry of a task's adapter set, as AddonEngine.submit reads it. */
export interface AddonLoraRef {
  adapter: AddonLora;
  scale: number;
}

export interface AddonBinding {
  AddonLora: new (model: AddonModel, path: string) => AddonLora;
}

// ---- Engine (native/AddonEngine, AddonEngineCore, AddonEngineEmbed, AddonSampler) ----

/** Context options as AddonEngine reads them (validated and defaulted in src/engine/options.ts). */
export interface AddonEngineOptions {
  nCtx: number;
  nBatch: number;
  nUbatch: number;
  parallel: number;
  /** Extra sequence ids for one-pass scoring candidates. */
  scoreSequences: number;
  threads: number;
  threadsBatch: number;
  /** -1 auto, 0 off, 1 on. */
  flashAttention: number;
  kvCacheType: 'f16' | 'q8_0' | 'q4_0' | 'f32';
  kvUnified: boolean;
  prefixCache: boolean;
  /** >= 0: own ggml threadpool with this polling level (0..100); -1: llama.cpp's default pool. */
  poll: number;
  seed?: number;
}

/** Payload of submit(id, 'generate', ...). Sampling fields as in SamplingOptions; logitBias flat [tok, bias, ...]. */
export interface AddonGeneratePayload {
  prompt: Int32Array;
  maxTokens: number;
  /** -1: no logprobs; n >= 0: sampled token's logprob plus n alternatives. */
  nProbs: number;
  ignoreEos: boolean;
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  typicalP: number;
  repeatPenalty: number;
  frequencyPenalty: number;
  presencePenalty: number;
  penaltyLastN: number;
  logitBias: number[];
  seed?: number;
  grammar?: string;
  /** Adapter set resolved by LoraRegistry.acquire (zero scales are dropped in C++). */
  lora?: readonly AddonLoraRef[];
}

export interface AddonScorePayload {
  prompt: Int32Array;
  candidates: Int32Array[];
  /** Adapter set resolved by LoraRegistry.acquire (zero scales are dropped in C++). */
  lora?: readonly AddonLoraRef[];
}

export interface AddonEmbedPayload {
  inputs: Int32Array[];
  /** 0 none, 1 mean, 2 cls, 3 last. */
  pooling: number;
  /** Adapter set resolved by LoraRegistry.acquire (zero scales are dropped in C++). */
  lora?: readonly AddonLoraRef[];
}

export interface AddonTokensEvent {
  type: 'tokens';
  id: number;
  tokens: Int32Array;
  logprobs?: Float32Array;
  nProbs?: number;
  /** nProbs entries per token. */
  topTokens?: Int32Array;
  topLogprobs?: Float32Array;
}

export interface AddonDoneEvent {
  type: 'done';
  id: number;
  finish: 'stop' | 'length' | 'abort' | 'error';
  errCode?: string;
  errMessage?: string;
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  queuedMs: number;
  promptMs: number;
  genMs: number;
}

export interface AddonScoreEvent {
  type: 'score';
  id: number;
  /** Per candidate, per token log-probabilities (nats). */
  candLogprobs: Float64Array[];
  promptTokens: number;
  cachedTokens: number;
  queuedMs: number;
  evalMs: number;
}

export interface AddonEmbedEvent {
  type: 'embed';
  id: number;
  /** Per input: pooled vector, or (pooling none) all token rows concatenated. */
  vectors: Float32Array[];
  nTokens: number[];
  dim: number;
}

export type AddonEngineEvent = AddonTokensEvent | AddonDoneEvent | AddonScoreEvent | AddonEmbedEvent;

/** One llama_context with `parallel` slots and a C++ engine thread. */
export interface AddonEngine {
  start(): Promise<{ nCtxSeq: number; nSeqMax: number }>;
  submit(id: number, kind: 'generate', payload: AddonGeneratePayload): void;
  submit(id: number, kind: 'score', payload: AddonScorePayload): void;
  submit(id: number, kind: 'embed', payload: AddonEmbedPayload): void;
  abort(id: number): void;
  dispose(): Promise<void>;
  info(): { busySlots: number; disposed: boolean };
}

export interface AddonBinding {
  AddonEngine: new (model: AddonModel, options: AddonEngineOptions, onEvents: (events: AddonEngineEvent[]) => void) => AddonEngine;
  /** llama.cpp's json_schema_to_grammar; throws {code: 'GRAMMAR'}. */
  jsonSchemaToGrammar(schemaJson: string): string;
}
