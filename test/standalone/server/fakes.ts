import type {
  ChatMessage,
  EmbedResult,
  EngineLike,
  EngineStats,
  GenerateOptions,
  GenerateResult,
  Generation,
  ModelInfo,
  ScoreResult,
  TokenEvent,
} from '../../../src/engine/types.js';
import { AbortError } from '../../../src/errors.js';

export interface FakeEngineOptions {
  /** Text the fake "generates", one word per token. */
  reply?: string;
  /** Exact token texts to generate (wins over `reply`), e.g. to split a placeholder across tokens. */
  pieces?: string[];
  /** ms between tokens (0 = as fast as possible). */
  tokenDelayMs?: number;
  /** Delay the first token too (default true). */
  delayFirst?: boolean;
  /** Throw this from the iterator after this many tokens. */
  failAfter?: { tokens: number; error: Error };
  /** Throw this before the first token (e.g. QueueFullError). */
  failStart?: Error;
  slots?: number;
  queueCapacity?: number;
}

/** A scripted EngineLike: deterministic tokens, real abort handling and slot accounting. */
export class FakeEngine implements EngineLike {
  readonly modelInfo: ModelInfo = {
    path: '/models/fake-model.gguf',
    architecture: 'llama',
    name: 'fake',
    parameters: 1000,
    fileSize: 1,
    fileType: 'F32',
    contextLength: 2048,
    embeddingLength: 4,
    blockCount: 1,
    vocabSize: 512,
    specialTokens: { bos: 1, eos: 2, eot: null },
    addBos: true,
    chatTemplate: null,
  };
  busy = 0;
  queued = 0;
  lastOptions: GenerateOptions | undefined;
  lastMessages: ChatMessage[] | undefined;
  lastPrompt: string | number[] | undefined;
  aborted = 0;
  constructor(public opts: FakeEngineOptions = {}) {}

  generate(prompt: string | number[], options: GenerateOptions = {}): Generation {
    this.lastPrompt = prompt;
    return this.run(options);
  }
  chat(messages: ChatMessage[], options: GenerateOptions = {}): Generation {
    this.lastMessages = messages.map((m) => ({ ...m }));
    return this.run(options);
  }

  private run(options: GenerateOptions): Generation {
    this.lastOptions = options;
    const words = this.opts.pieces ?? (this.opts.reply ?? 'Hello there friend').split(' ').map((w, i) => (i ? ` ${w}` : w));
    const max = options.maxTokens ?? 256;
    const ctl = new AbortController();
    options.signal?.addEventListener('abort', () => ctl.abort(), { once: true });
    // Like the real engine, the generation runs whether or not anyone iterates it.
    const queue: TokenEvent[] = [];
    let done = false;
    let error: unknown;
    let wake: (() => void) | undefined;
    const notify = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const result = (async (): Promise<GenerateResult> => {
      await Promise.resolve();
      const out: string[] = [];
      let finish: GenerateResult['finishReason'] = 'stop';
      try {
        if (this.opts.failStart) throw this.opts.failStart;
        this.busy++;
        try {
          for (let i = 0; i < words.length; i++) {
            if (this.opts.tokenDelayMs && (i > 0 || this.opts.delayFirst !== false)) await new Promise((r) => setTimeout(r, this.opts.tokenDelayMs));
            if (ctl.signal.aborted) {
              finish = 'abort';
              this.aborted++;
              break;
            }
            if (out.length >= max) {
              finish = 'length';
              break;
            }
            if (this.opts.failAfter && i >= this.opts.failAfter.tokens) throw this.opts.failAfter.error;
            const text = words[i] ?? '';
            out.push(text);
            const ev: TokenEvent = { type: 'token', tokens: [10 + i], text };
            if (options.logprobs !== undefined)
              ev.logprobs = [{ token: 10 + i, text, logprob: -0.5, top: Array.from({ length: options.logprobs }, (_, k) => ({ token: 100 + k, text: `t${k}`, logprob: -1 - k })) }];
            queue.push(ev);
            notify();
          }
        } finally {
          this.busy--;
        }
      } catch (e) {
        error = e;
        throw e;
      } finally {
        done = true;
        notify();
      }
      return {
        text: out.join(''),
        tokens: out.map((_, i) => 10 + i),
        finishReason: finish,
        usage: { promptTokens: 5, completionTokens: out.length, cachedPromptTokens: 0 },
        timings: { queuedMs: 1, promptMs: 2, generationMs: 10 },
      };
    })();
    result.catch(() => {});
    async function* iterate(): AsyncGenerator<TokenEvent> {
      for (;;) {
        const ev = queue.shift();
        if (ev) {
          yield ev;
          continue;
        }
        if (done) {
          if (error !== undefined) throw error;
          return;
        }
        await new Promise<void>((r) => (wake = r));
      }
    }
    const it = iterate();
    return {
      result,
      abort: () => ctl.abort(),
      [Symbol.asyncIterator]: () => it,
    };
  }

  async score(_prefix: string | number[], candidates: string[]): Promise<ScoreResult> {
    const raw = candidates.map((_, i) => -(i + 1));
    const z = raw.reduce((a, b) => a + Math.exp(b), 0);
    const probs = raw.map((r) => Math.exp(r) / z);
    return {
      candidates: candidates.map((c, i) => ({ candidate: c, tokens: [i], tokenLogprobs: [raw[i] ?? 0], logprob: raw[i] ?? 0, normalizedLogprob: raw[i] ?? 0 })),
      probs,
      normalizedProbs: probs,
      prefixTokens: 7,
      timings: { queuedMs: 0, evalMs: 1 },
    };
  }

  async embed(inputs: string[], options: { signal?: AbortSignal } = {}): Promise<EmbedResult[]> {
    if (options.signal?.aborted) throw new AbortError();
    return inputs.map((s) => ({ embedding: new Float32Array([0.5, 0.5, 0.5, 0.5]), tokens: s.length }));
  }
  tokenize(text: string): number[] {
    return [...text].map((ch) => ch.charCodeAt(0) % 512);
  }
  detokenize(tokens: number[]): string {
    return tokens.map((t) => String.fromCharCode(t)).join('');
  }
  applyChatTemplate(messages: ChatMessage[]): string {
    return messages.map((m) => `${m.role}: ${m.content}`).join('\n');
  }
  stats(): EngineStats {
    return { slots: this.opts.slots ?? 2, busySlots: this.busy, queued: this.queued, queueCapacity: this.opts.queueCapacity ?? 8, generatedTokens: 0, promptTokens: 0 };
  }
  async dispose(): Promise<void> {}
}

/** Reads an SSE body into its `data:` payloads. */
export async function sseData(res: Response): Promise<string[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .map((b) => b.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'))
    .filter((d) => d.length > 0);
}
