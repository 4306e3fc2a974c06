import type { AddonDoneEvent, AddonTokensEvent } from '../native/AddonTypes.js';
import { StopMatcher } from './sampling.js';
import type { FinishReason, GenerateResult, Generation, TokenEvent, TokenLogprob } from './types.js';

const plain = new TextDecoder('utf-8');

/** Token id -> raw bytes of its piece (cached per engine). */
export type PieceFn = (token: number) => Uint8Array;

/**
 * One running generation: assembles UTF-8 text from token bytes (never splitting a character), holds back
 * possible stop-string prefixes, and exposes the events as an async iterable plus a final result.
 *
 * @example
 * const g = new GenerationStream(piece, { stop: ['\n'] }, () => scheduler.abort(id))
 * for await (const ev of g) console.log(ev.text)
 */
export class GenerationStream implements Generation {
  readonly result: Promise<GenerateResult>;
  #resolve!: (r: GenerateResult) => void;
  readonly #piece: PieceFn;
  readonly #decoder = new TextDecoder('utf-8');
  readonly #stop: StopMatcher;
  readonly #abort: () => void;
  readonly #queue: TokenEvent[] = [];
  #waiter: (() => void) | undefined;
  #finished = false;
  #text = '';
  readonly #tokens: number[] = [];
  #pendingTokens: number[] = [];
  #pendingLogprobs: NonNullable<TokenEvent['logprobs']> = [];
  #stopString: string | undefined;
  #aborted = false;

  constructor(piece: PieceFn, opts: { stop: string[] }, abort: () => void) {
    this.#piece = piece;
    this.#stop = new StopMatcher(opts.stop);
    this.#abort = abort;
    this.result = new Promise((res) => (this.#resolve = res));
  }

  abort(): void {
    if (this.#finished || this.#aborted) return;
    this.#aborted = true;
    this.#abort();
  }

  /** Native tokens event. */
  onTokens(ev: AddonTokensEvent): void {
    if (this.#finished || this.#stopString !== undefined) return;
    const n = ev.nProbs ?? 0;
    for (let i = 0; i < ev.tokens.length; i++) {
      const tok = ev.tokens[i]!;
      this.#tokens.push(tok);
      this.#pendingTokens.push(tok);
      if (ev.logprobs) {
        const top: TokenLogprob[] = [];
        for (let k = 0; k < n; k++) {
          const t = ev.topTokens![i * n + k]!;
          top.push({ token: t, text: plain.decode(this.#piece(t)), logprob: ev.topLogprobs![i * n + k]! });
        }
        this.#pendingLogprobs.push({ token: tok, text: plain.decode(this.#piece(tok)), logprob: ev.logprobs[i]!, top });
      }
      const chars = this.#decoder.decode(this.#piece(tok), { stream: true });
      if (chars.length === 0) continue;
      const { text, stop } = this.#stop.push(chars);
      if (text.length > 0) this.#emit(text);
      if (stop !== undefined) {
        this.#stopString = stop;
        this.#abort();
        return;
      }
    }
  }

  #emit(text: string): void {
    this.#text += text;
    const ev: TokenEvent = { type: 'token', tokens: this.#pendingTokens, text };
    if (this.#pendingLogprobs.length > 0) ev.logprobs = this.#pendingLogprobs;
    this.#pendingTokens = [];
    this.#pendingLogprobs = [];
    this.#push(ev);
  }

  /** Native done event, or a synthetic one (aborted before start, disposal). */
  onDone(ev: Pick<AddonDoneEvent, 'finish' | 'errCode' | 'errMessage'> & Partial<AddonDoneEvent>): void {
    if (this.#finished) return;
    let finish: FinishReason = ev.finish;
    if (this.#stopString !== undefined) finish = 'stop';
    else {
      const rest = this.#stop.flush() + this.#decoder.decode();
      if (rest.length > 0) this.#emit(rest);
    }
    this.#finished = true;
    const result: GenerateResult = {
      text: this.#text,
      tokens: this.#tokens,
      finishReason: finish,
      usage: { promptTokens: ev.promptTokens ?? 0, completionTokens: this.#tokens.length, cachedPromptTokens: ev.cachedTokens ?? 0 },
      timings: { queuedMs: ev.queuedMs ?? 0, promptMs: ev.promptMs ?? 0, generationMs: ev.genMs ?? 0 },
    };
    if (this.#stopString !== undefined) result.stopString = this.#stopString;
    if (finish === 'error') result.error = { code: ev.errCode ?? 'NATIVE', message: ev.errMessage ?? 'generation failed' };
    this.#resolve(result);
    this.#wake();
  }

  #push(ev: TokenEvent): void {
    this.#queue.push(ev);
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TokenEvent> {
    try {
      for (;;) {
        const ev = this.#queue.shift();
        if (ev) {
          yield ev;
          continue;
        }
        if (this.#finished) return;
        await new Promise<void>((res) => (this.#waiter = res));
      }
    } finally {
      // A consumer that stops iterating early (break) ends the request.
      if (!this.#finished) this.abort();
    }
  }
}
