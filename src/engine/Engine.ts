import { AbortError, ContextOverflowError, DisposedError, InvalidArgumentError, OnrampError } from '../errors.js';
import type { AddonEngine, AddonEngineEvent, AddonModel } from '../native/AddonTypes.js';
import { loadBinding } from '../native/loadBinding.js';
import { captureStack, fromNative } from '../native/rewrap.js';
import { checkKvCacheType, resolveEngineOptions, type EngineOptions, type ResolvedEngineOptions } from './options.js';
import { checkJsonSchema, toNativeSampling, validateStop } from './sampling.js';
import { Scheduler } from './Scheduler.js';
import { GenerationStream } from './SchedulerGeneration.js';
import { embedResults, poolingCode, scoreResult, validateCandidates } from './EngineResults.js';
import { LoraRegistry, type LoraLease } from './LoraRegistry.js';
import type {
  ChatMessage, EmbedOptions, EmbedResult, EngineLike, EngineStats, GenerateOptions, Generation,
  ModelInfo, ScoreOptions, ScoreResult,
} from './types.js';

/** What the engine needs of a model: Model (src/engine/Model.ts) satisfies it. */
export interface EngineModel {
  readonly info: ModelInfo;
  readonly metadata: Readonly<Record<string, string>>;
  readonly native: AddonModel;
  tokenize(text: string, options?: { addSpecial?: boolean; parseSpecial?: boolean }): number[];
  detokenize(tokens: readonly number[], options?: { special?: boolean }): string;
  applyChatTemplate(messages: readonly ChatMessage[], options?: { addAssistant?: boolean }): string;
}

function mapNativeError(e: unknown): Error {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 'GRAMMAR') return new OnrampError('GRAMMAR', msg, { param: 'grammar' });
  if (code === 'LORA_UNSUPPORTED') return new OnrampError('LORA_UNSUPPORTED', msg, { param: 'lora' });
  if (code === 'INVALID_ARGUMENT') return new InvalidArgumentError('prompt', msg);
  return fromNative(e, 'engine');
}

/** The native `lora` payload of a lease: omitted when the request uses no adapter. */
function loraPayload(lease: LoraLease): { lora?: LoraLease['adapters'] } {
  return lease.adapters.length > 0 ? { lora: lease.adapters } : {};
}

/**
 * One model context with `parallel` slots, continuous batching on a C++ engine thread, sampling in C++,
 * streaming, cancellation, prefix cache, embeddings and one-pass label scoring.
 *
 * @example
 * const model = await Model.load('stories260K.gguf')
 * const engine = await Engine.create(model, { parallel: 4 })
 * const run = engine.generate('Once upon a time', { maxTokens: 32, temperature: 0 })
 * for await (const ev of run) process.stdout.write(ev.text)
 * console.log((await run.result).finishReason)
 * await engine.dispose()
 */
export class Engine implements EngineLike, AsyncDisposable {
  readonly modelInfo: ModelInfo;
  readonly options: Readonly<ResolvedEngineOptions>;
  /** Tokens one sequence can hold (prompt + generated). */
  readonly nCtxSeq: number;
  readonly #model: EngineModel;
  #native: AddonEngine | undefined;
  readonly #scheduler: Scheduler;
  readonly #pieces = new Map<number, Uint8Array>();

  private constructor(model: EngineModel, native: AddonEngine, options: ResolvedEngineOptions, nCtxSeq: number, scheduler: Scheduler) {
    this.#model = model;
    this.modelInfo = model.info;
    this.#native = native;
    this.options = Object.freeze({ ...options });
    this.nCtxSeq = nCtxSeq;
    this.#scheduler = scheduler;
  }

  /**
   * Creates the context (off the JS thread) and starts the engine thread. Options are validated first.
   *
   * @example
   * const engine = await Engine.create(model, { nCtx: 8192, parallel: 8, threads: 4, kvCacheType: 'q8_0' })
   */
  static async create(model: EngineModel, options: EngineOptions = {}): Promise<Engine> {
    const rewrap = captureStack('engine');
    const resolved = resolveEngineOptions(options, model.info);
    checkKvCacheType(resolved.kvCacheType, model.metadata);
    const addon = loadBinding();
    let scheduler: Scheduler | undefined;
    const native = new addon.AddonEngine(model.native, resolved, (evs: AddonEngineEvent[]) => scheduler?.dispatch(evs));
    scheduler = new Scheduler(native, resolved);
    let started: { nCtxSeq: number };
    try {
      started = await native.start();
    } catch (e) {
      await native.dispose();
      throw rewrap(e);
    }
    return new Engine(model, native, resolved, started.nCtxSeq, scheduler);
  }

  get disposed(): boolean {
    return this.#native === undefined;
  }

  /**
   * The model's LoRA adapters (shared by every engine of the model). Requests select them by name with
   * `lora: [{ name, scale }]`; requests with different sets run concurrently (see docs/lora.md).
   *
   * @example
   * await engine.loras.load('de', 'adapters/de.gguf')
   * engine.generate('Hallo', { lora: [{ name: 'de', scale: 0.8 }] })
   */
  get loras(): LoraRegistry {
    return LoraRegistry.of(this.#model);
  }

  #check(): void {
    if (!this.#native) throw new DisposedError('engine');
  }

  #piece = (t: number): Uint8Array => {
    let p = this.#pieces.get(t);
    if (!p) {
      p = new Uint8Array(this.#model.native.tokenPiece(t, false));
      this.#pieces.set(t, p);
    }
    return p;
  };

  #promptTokens(prompt: string | number[], addBos: boolean | undefined, parseSpecial: boolean): Int32Array {
    if (typeof prompt === 'string') {
      const toks = this.#model.tokenize(prompt, { addSpecial: addBos ?? this.modelInfo.addBos, parseSpecial });
      const bos = this.modelInfo.specialTokens.bos;
      if (addBos === true && bos !== null && toks[0] !== bos) toks.unshift(bos);
      if (addBos === false && bos !== null && toks[0] === bos) toks.shift();
      return Int32Array.from(toks);
    }
    if (!Array.isArray(prompt)) throw new InvalidArgumentError('prompt', 'must be a string or an array of token ids');
    const v = this.modelInfo.vocabSize;
    for (const t of prompt) {
      if (!Number.isInteger(t) || t < 0 || t >= v) throw new InvalidArgumentError('prompt', `token id ${String(t)} is not in 0..${v - 1}`);
    }
    return Int32Array.from(prompt);
  }

  generate(prompt: string | number[], options: GenerateOptions = {}): Generation {
    return this.#generate(this.#promptTokens(prompt, options.addBos, false), options);
  }

  chat(messages: ChatMessage[], options: GenerateOptions = {}): Generation {
    const text = this.#model.applyChatTemplate(messages, { addAssistant: true });
    return this.#generate(this.#promptTokens(text, options.addBos ?? true, true), options);
  }

  #generate(tokens: Int32Array, options: GenerateOptions): Generation {
    this.#check();
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
    const sampling = toNativeSampling(options, this.modelInfo.vocabSize);
    const stop = validateStop(options.stop);
    if (tokens.length === 0) throw new InvalidArgumentError('prompt', 'is empty');
    if (tokens.length >= this.nCtxSeq) {
      throw new ContextOverflowError(`the prompt has ${tokens.length} tokens; the context holds ${this.nCtxSeq} per sequence`, { promptTokens: tokens.length, nCtxSeq: this.nCtxSeq });
    }
    let grammar = options.grammar;
    if (grammar !== undefined && typeof grammar !== 'string') throw new InvalidArgumentError('grammar', 'must be a GBNF string');
    if (options.jsonSchema !== undefined) {
      if (grammar !== undefined) throw new InvalidArgumentError('jsonSchema', 'cannot be combined with grammar');
      checkJsonSchema(options.jsonSchema);
      try {
        grammar = loadBinding().jsonSchemaToGrammar(JSON.stringify(options.jsonSchema));
      } catch (e) {
        throw mapNativeError(e);
      }
    }
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidArgumentError('signal', 'must be an AbortSignal');
    const lease = this.loras.acquire(options.lora, { alora: true });
    let id = 0;
    const stream = new GenerationStream(this.#piece, { stop }, () => this.#scheduler.abort(id));
    if (signal?.aborted) {
      lease.release();
      stream.onDone({ finish: 'abort', promptTokens: tokens.length });
      return stream;
    }
    const onAbort = (): void => stream.abort();
    try {
      id = this.#scheduler.submit('generate', { prompt: tokens, ...sampling, ...(grammar ? { grammar } : {}), ...loraPayload(lease) }, {
        onEvent: (ev) => {
          if (ev.type === 'tokens') stream.onTokens(ev);
          else if (ev.type === 'done') {
            signal?.removeEventListener('abort', onAbort);
            lease.release();
            stream.onDone(ev);
          }
        },
        onDispose: () => {
          lease.release();
          stream.onDone({ finish: 'error', errCode: 'DISPOSED', errMessage: 'engine has been disposed', promptTokens: tokens.length });
        },
      });
    } catch (e) {
      lease.release();
      throw mapNativeError(e);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    return stream;
  }

  async score(prefix: string | number[], candidates: string[], options: ScoreOptions = {}): Promise<ScoreResult> {
    this.#check();
    const prompt = this.#promptTokens(prefix, options.addBos, false);
    const cands = validateCandidates(candidates, (c) => this.#model.tokenize(c, { addSpecial: false, parseSpecial: false }), this.options.nBatch);
    const longest = Math.max(...cands.map((c) => c.length));
    if (prompt.length === 0) throw new InvalidArgumentError('prefix', 'is empty (no tokens)');
    if (prompt.length + longest > this.nCtxSeq) {
      throw new ContextOverflowError(`prefix + candidate has ${prompt.length + longest} tokens; the context holds ${this.nCtxSeq} per sequence`);
    }
    const lease = this.loras.acquire(options.lora, { alora: true });
    const ev = await this.#request('score', { prompt, candidates: cands.map((c) => Int32Array.from(c)), ...loraPayload(lease) }, options.signal, lease);
    if (ev.type !== 'score') throw new OnrampError('NATIVE', 'unexpected engine event');
    return scoreResult(candidates, cands, ev);
  }

  async embed(inputs: string[], options: EmbedOptions = {}): Promise<EmbedResult[]> {
    this.#check();
    if (!Array.isArray(inputs) || inputs.length === 0 || !inputs.every((s) => typeof s === 'string')) {
      throw new InvalidArgumentError('inputs', 'must be a non-empty array of strings');
    }
    const pooling = poolingCode(options.pooling, this.#model.metadata, this.modelInfo.architecture);
    const normalize = options.normalize ?? true;
    const limit = Math.min(this.nCtxSeq, this.options.nBatch);
    const toks = inputs.map((s, i) => {
      let t = this.#model.tokenize(s, { addSpecial: true, parseSpecial: false });
      if (t.length === 0) throw new InvalidArgumentError(`inputs[${i}]`, 'has no tokens');
      if (t.length > limit) {
        if (!options.truncate) throw new ContextOverflowError(`inputs[${i}] has ${t.length} tokens; at most ${limit} fit (pass truncate: true to cut it)`, { index: i, tokens: t.length, limit });
        t = t.slice(0, limit);
      }
      return Int32Array.from(t);
    });
    const lease = this.loras.acquire(options.lora);
    const ev = await this.#request('embed', { inputs: toks, pooling, ...loraPayload(lease) }, options.signal, lease);
    if (ev.type !== 'embed') throw new OnrampError('NATIVE', 'unexpected engine event');
    return embedResults(ev, pooling, normalize);
  }

  #request(kind: 'score' | 'embed', payload: object, signal: AbortSignal | undefined, lease: LoraLease): Promise<AddonEngineEvent> {
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      lease.release();
      throw new InvalidArgumentError('signal', 'must be an AbortSignal');
    }
    if (signal?.aborted) {
      lease.release();
      return Promise.reject(new AbortError());
    }
    return new Promise<AddonEngineEvent>((resolve, reject) => {
      let id = 0;
      const onAbort = (): void => this.#scheduler.abort(id);
      try {
        id = this.#scheduler.submit(kind, payload, {
          onEvent: (ev) => {
            signal?.removeEventListener('abort', onAbort);
            if (ev.type === 'done') {
              if (ev.finish === 'abort') reject(new AbortError());
              else reject(new OnrampError(ev.errCode ?? 'NATIVE', ev.errMessage ?? `${kind} failed`));
            } else resolve(ev);
          },
          onDispose: () => reject(new DisposedError('engine')),
        });
      } catch (e) {
        reject(mapNativeError(e));
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
    }).finally(() => lease.release());
  }

  tokenize(text: string, options?: { addSpecial?: boolean; parseSpecial?: boolean }): number[] {
    return this.#model.tokenize(text, options);
  }

  detokenize(tokens: number[], options?: { special?: boolean }): string {
    return this.#model.detokenize(tokens, options);
  }

  applyChatTemplate(messages: ChatMessage[], options?: { addAssistant?: boolean }): string {
    return this.#model.applyChatTemplate(messages, options);
  }

  stats(): EngineStats {
    return this.#scheduler.stats();
  }

  /** Stops the engine thread and frees the context now; open requests end (DISPOSED). Idempotent. */
  async dispose(): Promise<void> {
    const n = this.#native;
    if (!n) return;
    this.#native = undefined;
    this.#scheduler.closeAll();
    await n.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
