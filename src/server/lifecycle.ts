/**
 * In-flight accounting and draining: serve flips `draining` on SIGTERM, new requests get 503, and
 * `idle()` resolves when the last in-flight request has finished.
 *
 * @example
 * const life = createLifecycle()
 * const app = createApp({ engine, lifecycle: life })
 * process.on('SIGTERM', async () => { life.drain(); await life.idle(10_000); server.close() })
 */
export interface Lifecycle {
  readonly draining: boolean;
  readonly inflight: number;
  /** Count a request in; returns the function that counts it out (idempotent). */
  enter(): () => void;
  /** Refuse new requests from now on. */
  drain(): void;
  /** Resolves true when nothing is in flight, false when `graceMs` elapsed first. */
  idle(graceMs: number): Promise<boolean>;
  /** Aborted when a drain gives up waiting: in-flight work should stop. */
  readonly hardStop: AbortSignal;
  /** Abort everything still in flight. */
  abortAll(): void;
}

/** Creates a lifecycle tracker (see {@link Lifecycle}). */
export function createLifecycle(): Lifecycle {
  let draining = false;
  let inflight = 0;
  let waiters: (() => void)[] = [];
  const hard = new AbortController();
  const settle = (): void => {
    if (inflight !== 0) return;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  return {
    get draining() {
      return draining;
    },
    get inflight() {
      return inflight;
    },
    get hardStop() {
      return hard.signal;
    },
    enter() {
      inflight++;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        inflight--;
        settle();
      };
    },
    drain() {
      draining = true;
    },
    idle(graceMs) {
      if (inflight === 0) return Promise.resolve(true);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), graceMs);
        timer.unref?.();
        waiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },
    abortAll() {
      hard.abort();
    },
  };
}
