import { AbortError, DisposedError, InvalidArgumentError } from '../errors.js';
import type { AddonModel, AddonModelOptions } from '../native/AddonTypes.js';
import { loadBinding } from '../native/loadBinding.js';
import { captureStack, fromNative } from '../native/rewrap.js';
import { preflightModel } from './fileCheck.js';
import { LoraRegistry } from './LoraRegistry.js';
import { ftypeName } from './quantize.js';
import type { ChatMessage, ModelInfo } from './types.js';

/** A GGUF metadata override: a plain value (integers become int, other numbers float) or an explicit type. */
export type MetadataOverride =
  | string
  | number
  | boolean
  | { type: 'int' | 'float' | 'bool' | 'str'; value: string | number | boolean };

export interface ModelLoadOptions {
  /** Layers to offload to a GPU: a count, or 'max' (all; the default). Ignored without a GPU backend. */
  gpuLayers?: number | 'max';
  /** Memory-map the weights (default true). */
  useMmap?: boolean;
  /** Lock the weights in RAM (default false). */
  useMlock?: boolean;
  /** Load only the tokenizer (no weights): tokenize/detokenize/chat template work, contexts do not. */
  vocabOnly?: boolean;
  /** Validate tensor data while loading (slow; default false). */
  checkTensors?: boolean;
  /** GGUF metadata overrides, e.g. `{ 'llama.context_length': 8192 }`. Keys < 128 bytes, strings < 128 bytes. */
  overrides?: Record<string, MetadataOverride>;
  /** Load progress 0..1 (called on the JS thread; the last call is 1). */
  onProgress?: (progress: number) => void;
  /** Aborts the load; the promise then rejects with AbortError and nothing stays allocated. */
  signal?: AbortSignal;
}

const OVERRIDE_TYPES = new Set(['int', 'float', 'bool', 'str']);
const utf8Len = (s: string): number => Buffer.byteLength(s, 'utf8');

function toNativeOptions(o: ModelLoadOptions): AddonModelOptions {
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError('options', 'must be an object');
  const out: AddonModelOptions = {};
  if (o.gpuLayers !== undefined) {
    if (o.gpuLayers === 'max') out.gpuLayers = -1;
    else if (Number.isInteger(o.gpuLayers) && o.gpuLayers >= 0) out.gpuLayers = Math.min(o.gpuLayers, 1_000_000);
    else throw new InvalidArgumentError('gpuLayers', `must be an integer >= 0 or 'max'; got ${String(o.gpuLayers)}`);
  }
  for (const k of ['useMmap', 'useMlock', 'vocabOnly', 'checkTensors'] as const) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new InvalidArgumentError(k, `must be a boolean; got ${typeof v}`);
    out[k] = v;
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new InvalidArgumentError('onProgress', 'must be a function');
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new InvalidArgumentError('signal', 'must be an AbortSignal');
  if (o.overrides !== undefined) {
    if (typeof o.overrides !== 'object' || o.overrides === null || Array.isArray(o.overrides)) {
      throw new InvalidArgumentError('overrides', 'must be an object mapping GGUF keys to values');
    }
    out.overrides = Object.entries(o.overrides).map(([key, raw]) => {
      const param = `overrides.${key}`;
      if (key.length === 0 || utf8Len(key) > 127) throw new InvalidArgumentError(param, 'key must be 1..127 bytes');
      const e = typeof raw === 'object' && raw !== null ? raw : { type: inferType(raw), value: raw };
      if (!OVERRIDE_TYPES.has(e.type)) throw new InvalidArgumentError(param, `type must be int, float, bool or str; got ${String(e.type)}`);
      const ok =
        (e.type === 'int' && Number.isSafeInteger(e.value)) ||
        (e.type === 'float' && typeof e.value === 'number' && Number.isFinite(e.value)) ||
        (e.type === 'bool' && typeof e.value === 'boolean') ||
        (e.type === 'str' && typeof e.value === 'string' && utf8Len(e.value) <= 127);
      if (!ok) throw new InvalidArgumentError(param, `value ${JSON.stringify(e.value)} is not a valid ${e.type}${e.type === 'str' ? ' (at most 127 bytes)' : ''}`);
      return { key, type: e.type, value: e.value };
    });
  }
  return out;
}

function inferType(v: unknown): 'int' | 'float' | 'bool' | 'str' {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return 'str';
}

/**
 * One loaded GGUF model (weights + tokenizer). Contexts and engines are built on `model.native`.
 * Free it with `dispose()` (or `await using`); any use afterwards throws DisposedError.
 *
 * @example
 * await using model = await Model.load('qwen2.5-0.5b-instruct-q4_k_m.gguf', { onProgress: (p) => console.log(p) })
 * console.log(model.info.architecture, model.tokenize('Hello'))
 * const prompt = model.applyChatTemplate([{ role: 'user', content: 'Hi' }])
 */
export class Model implements AsyncDisposable {
  readonly path: string;
  readonly info: ModelInfo;
  /** Every GGUF metadata key llama.cpp kept, values as strings (arrays are summarised by llama.cpp). */
  readonly metadata: Readonly<Record<string, string>>;
  #native: AddonModel | undefined;
  #disposing: Promise<void> | undefined;

  private constructor(path: string, native: AddonModel, fileSize: number) {
    this.path = path;
    this.#native = native;
    const i = native.info();
    this.metadata = Object.freeze(native.metadata());
    this.info = Object.freeze({
      path,
      architecture: i.architecture,
      name: i.name === '' ? null : i.name,
      parameters: i.parameters,
      fileSize,
      // general.file_type when present (llama.cpp reports ALL_F32 for vocab-only loads), else llama.cpp's guess
      fileType: ftypeName(Number(this.metadata['general.file_type'] ?? i.ftype)),
      contextLength: i.nCtxTrain,
      embeddingLength: i.nEmbd,
      blockCount: i.nLayer,
      vocabSize: i.vocabSize,
      specialTokens: Object.freeze({ bos: i.specialTokens.bos, eos: i.specialTokens.eos, eot: i.specialTokens.eot }),
      addBos: i.addBos,
      chatTemplate: i.chatTemplate,
    });
  }

  /**
   * Loads a GGUF file off the JS thread. Options are validated first (InvalidArgumentError naming the option),
   * then the file (FileError / GgufFormatError naming the path), and only then does llama.cpp open it.
   *
   * @example
   * const ac = new AbortController()
   * const model = await Model.load('model.gguf', { gpuLayers: 0, signal: ac.signal })
   */
  static async load(path: string, options: ModelLoadOptions = {}): Promise<Model> {
    const rewrap = captureStack('model');
    const nativeOpts = toNativeOptions(options);
    const { signal, onProgress } = options;
    if (signal?.aborted) throw new AbortError('model load aborted');
    const { absPath, size } = await preflightModel(path, 'path');
    if (signal?.aborted) throw new AbortError('model load aborted');
    const addon = loadBinding();
    const native = new addon.AddonModel(absPath, nativeOpts);
    const onAbort = (): void => native.abortLoad();
    signal?.addEventListener('abort', onAbort, { once: true });
    let done = false;
    try {
      await native
        .load(onProgress ? (p) => { if (!done) onProgress(p); } : undefined)
        .catch((e: unknown) => {
          throw rewrap(e);
        });
      done = true;
      if (signal?.aborted) throw new AbortError('model load aborted');
      const model = new Model(absPath, native, size);
      onProgress?.(1);
      return model;
    } catch (e) {
      done = true;
      native.dispose();
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The addon object (for Addon* classes built on this model: contexts, engines). Throws once disposed. */
  get native(): AddonModel {
    if (!this.#native) throw new DisposedError('model');
    return this.#native;
  }

  get disposed(): boolean {
    return this.#native === undefined;
  }

  /**
   * Text to token ids. Defaults as node-llama-cpp's `model.tokenize(text)`: no BOS/EOS added, special-token
   * text (e.g. "<|im_start|>") is treated as plain text unless `parseSpecial` is set.
   *
   * @example
   * model.tokenize('Hello world', { addSpecial: true }) // [1, 15043, 3186]
   */
  tokenize(text: string, options: { addSpecial?: boolean; parseSpecial?: boolean } = {}): number[] {
    if (typeof text !== 'string') throw new InvalidArgumentError('text', 'must be a string');
    const n = this.native;
    try {
      return Array.from(n.tokenize(text, options.addSpecial ?? false, options.parseSpecial ?? false));
    } catch (e) {
      throw fromNative(e, 'model');
    }
  }

  /**
   * Token ids to text. `special` renders control tokens (BOS, <|im_end|>) as text; otherwise they are dropped.
   *
   * @example
   * model.detokenize(model.tokenize('Hello')) // 'Hello'
   */
  detokenize(tokens: readonly number[] | Uint32Array, options: { special?: boolean } = {}): string {
    const list = Array.from(tokens as ArrayLike<number>);
    const n = this.native;
    const bad = list.find((t) => !Number.isInteger(t) || t < 0 || t >= this.info.vocabSize);
    if (bad !== undefined) throw new InvalidArgumentError('tokens', `token id ${bad} is not in 0..${this.info.vocabSize - 1}`);
    try {
      return n.detokenize(Uint32Array.from(list), options.special ?? false);
    } catch (e) {
      throw fromNative(e, 'model');
    }
  }

  /**
   * Formats chat messages with the model's own template (rendered by llama.cpp's Jinja engine). A model without
   * a template gets ChatML (`<|im_start|>role\ncontent<|im_end|>\n`), as llama.cpp's server does. Tokenize the
   * result with `{ addSpecial: true, parseSpecial: true }` (a leading BOS is not repeated in the text).
   *
   * @example
   * model.applyChatTemplate([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }])
   */
  applyChatTemplate(messages: readonly ChatMessage[], options: { addAssistant?: boolean; template?: string } = {}): string {
    if (!Array.isArray(messages)) throw new InvalidArgumentError('messages', 'must be an array of {role, content}');
    messages.forEach((m, i) => {
      if (typeof m !== 'object' || m === null || typeof m.role !== 'string' || typeof m.content !== 'string') {
        throw new InvalidArgumentError(`messages[${i}]`, 'must be {role: string, content: string}');
      }
    });
    if (options.template !== undefined && typeof options.template !== 'string') throw new InvalidArgumentError('template', 'must be a string');
    const n = this.native;
    try {
      return n.applyChatTemplate(messages.map((m) => ({ role: m.role, content: m.content })), options.addAssistant ?? true, options.template);
    } catch (e) {
      throw fromNative(e, 'model');
    }
  }

  /**
   * Frees the model's native memory now (weights stay alive only while a context built on them exists), and
   * disposes its LoRA adapters (`LoraRegistry.of(model)` and every registry built on it): idle adapters are freed
   * at once, adapters of running requests when those end. Safe to call more than once.
   *
   * @example
   * await model.dispose()
   */
  async dispose(): Promise<void> {
    const n = this.#native;
    if (!n) return this.#disposing;
    this.#native = undefined; // step 1: every use from now on throws DisposedError
    this.#disposing = (async () => {
      // step 2: free the adapters first (each native adapter holds the weights), then the model's own reference
      try {
        await LoraRegistry.disposeAllOf(n);
      } finally {
        n.dispose();
      }
    })();
    return this.#disposing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
