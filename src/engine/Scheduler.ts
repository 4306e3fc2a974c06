import { QueueFullError } from '../errors.js';
import type { AddonEngine, AddonEngineEvent } from '../native/AddonTypes.js';
import type { EngineStats } from './types.js';

/** Receives the native events of one request; `done` is called once with the terminal event (or undefined on dispose). */
export interface RequestHandler {
  onEvent(ev: AddonEngineEvent): void;
  onDispose(): void;
}

/**
 * The JS half of the scheduler: request ids, the bounded FIFO admission limit (`parallel` running +
 * `queueSize` waiting; the C++ engine thread keeps the actual FIFO and the slots), event dispatch and stats.
 *
 * @example
 * const s = new Scheduler(native, { parallel: 4, queueSize: 16 })
 * const id = s.submit('generate', payload, handler) // throws QueueFullError when 20 are in flight
 */
export class Scheduler {
  readonly #native: AddonEngine;
  readonly #handlers = new Map<number, RequestHandler>();
  readonly #parallel: number;
  readonly #queueSize: number;
  #nextId = 1;
  #generated = 0;
  #prompt = 0;

  constructor(native: AddonEngine, opts: { parallel: number; queueSize: number }) {
    this.#native = native;
    this.#parallel = opts.parallel;
    this.#queueSize = opts.queueSize;
  }

  /** Called by the addon's ThreadSafeFunction with every event since the last call. */
  readonly dispatch = (events: AddonEngineEvent[]): void => {
    for (const ev of events) {
      const h = this.#handlers.get(ev.id);
      if (!h) continue;
      if (ev.type === 'tokens') {
        this.#generated += ev.tokens.length;
      } else {
        this.#handlers.delete(ev.id);
        if (ev.type === 'done' || ev.type === 'score') this.#prompt += ev.promptTokens - ev.cachedTokens;
      }
      h.onEvent(ev);
    }
  };

  /** Registers a request and hands it to the native engine; QueueFullError at once when the queue is full. */
  submit(kind: 'generate' | 'score' | 'embed', payload: object, handler: RequestHandler): number {
    if (this.#handlers.size >= this.#parallel + this.#queueSize) {
      throw new QueueFullError(this.#queueSize);
    }
    const id = this.#nextId++;
    (this.#native.submit as (id: number, kind: string, payload: object) => void)(id, kind, payload);
    this.#handlers.set(id, handler);
    return id;
  }

  abort(id: number): void {
    if (this.#handlers.has(id)) this.#native.abort(id);
  }

  /** Ends every open request (engine disposal). */
  closeAll(): void {
    const hs = [...this.#handlers.values()];
    this.#handlers.clear();
    for (const h of hs) h.onDispose();
  }

  stats(): EngineStats {
    const inFlight = this.#handlers.size;
    return {
      slots: this.#parallel,
      busySlots: Math.min(inFlight, this.#parallel),
      queued: Math.max(0, inFlight - this.#parallel),
      queueCapacity: this.#queueSize,
      generatedTokens: this.#generated,
      promptTokens: this.#prompt,
    };
  }
}
