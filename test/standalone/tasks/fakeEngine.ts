/**
 * A small deterministic EngineLike for unit tests: word-level tokenizer, label scores that depend only on the
 * prefix and the candidate (so batch scoring equals scoring alone), and scripted generations.
 */
import type { ChatMessage, EngineLike, GenerateOptions, Generation, GenerateResult, ScoreResult, TokenEvent, ModelInfo } from '../../../src/engine/types.js';

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}

export interface FakeOptions {
  /** What generate/chat return for a prompt (default '{}'). */
  respond?: (prompt: string, options: GenerateOptions) => string;
}

export class FakeEngine implements EngineLike {
  readonly calls = { score: 0, generate: 0, chat: 0 };
  readonly prompts: string[] = [];
  readonly modelInfo: ModelInfo = {
    path: 'fake.gguf', architecture: 'fake', name: 'fake', parameters: 0, fileSize: 0, fileType: 'F32', contextLength: 4096,
    embeddingLength: 8, blockCount: 1, vocabSize: 1000, specialTokens: { bos: 1, eos: 2, eot: null }, addBos: true, chatTemplate: null,
  };
  constructor(private readonly opts: FakeOptions = {}) {}

  tokenize(text: string): number[] {
    return (text.match(/\s*[\p{L}\p{N}]+|\s*[^\s\p{L}\p{N}]/gu) ?? []).map((w) => 3 + Math.floor(hash(w) * 990));
  }
  detokenize(): string {
    return '';
  }
  applyChatTemplate(messages: ChatMessage[], options: { addAssistant?: boolean } = {}): string {
    return messages.map((m) => `<|${m.role}|>${m.content}\n`).join('') + (options.addAssistant ? '<|assistant|>' : '');
  }

  /** Candidate c scores high when the text part of the prefix contains its words; noise from a hash. */
  candidateLogprobs(prefix: string, candidate: string): number[] {
    const words = candidate.trim().toLowerCase().split(/\s+/);
    const hit = words.every((w) => prefix.toLowerCase().includes(w));
    return this.tokenize(candidate).map((_, i) => (hit ? -0.2 : -2.5) - hash(prefix.slice(-40) + candidate + i));
  }

  async score(prefix: string | number[], candidates: string[]): Promise<ScoreResult> {
    this.calls.score++;
    const p = typeof prefix === 'string' ? prefix : prefix.join(' ');
    this.prompts.push(p);
    const cs = candidates.map((c) => {
      const tokenLogprobs = this.candidateLogprobs(p, c);
      const logprob = tokenLogprobs.reduce((a, b) => a + b, 0);
      return { candidate: c, tokens: this.tokenize(c), tokenLogprobs, logprob, normalizedLogprob: logprob / tokenLogprobs.length };
    });
    const sm = (xs: number[]) => {
      const m = Math.max(...xs);
      const e = xs.map((x) => Math.exp(x - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    };
    return {
      candidates: cs,
      probs: sm(cs.map((c) => c.logprob)),
      normalizedProbs: sm(cs.map((c) => c.normalizedLogprob)),
      prefixTokens: this.tokenize(p).length,
      timings: { queuedMs: 0, evalMs: 0 },
    };
  }

  private run(prompt: string, options: GenerateOptions): Generation {
    this.prompts.push(prompt);
    const text = (this.opts.respond ?? (() => '{}'))(prompt, options);
    const pieces = text.match(/[\s\S]{1,3}/g) ?? [];
    const events: TokenEvent[] = pieces.map((t, i) => ({
      type: 'token',
      tokens: [i],
      text: t,
      ...(options.logprobs !== undefined ? { logprobs: [{ token: i, text: t, logprob: -0.05 * (1 + (i % 3)), top: [] }] } : {}),
    }));
    const result: GenerateResult = {
      text,
      tokens: pieces.map((_, i) => i),
      finishReason: 'stop',
      usage: { promptTokens: this.tokenize(prompt).length, completionTokens: pieces.length, cachedPromptTokens: 0 },
      timings: { queuedMs: 0, promptMs: 0, generationMs: 0 },
    };
    return {
      result: Promise.resolve(result),
      abort() {},
      async *[Symbol.asyncIterator]() {
        for (const e of events) yield e;
      },
    };
  }
  generate(prompt: string | number[], options: GenerateOptions = {}): Generation {
    this.calls.generate++;
    return this.run(typeof prompt === 'string' ? prompt : prompt.join(' '), options);
  }
  chat(messages: ChatMessage[], options: GenerateOptions = {}): Generation {
    this.calls.chat++;
    return this.run(this.applyChatTemplate(messages, { addAssistant: true }), options);
  }
  async embed(): Promise<never> {
    throw new Error('not in the fake');
  }
  stats() {
    return { slots: 1, busySlots: 0, queued: 0, queueCapacity: 8, generatedTokens: 0, promptTokens: 0 };
  }
  async dispose(): Promise<void> {}
}
