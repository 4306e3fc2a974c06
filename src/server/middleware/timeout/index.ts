import type { MiddlewareHandler } from 'hono';
import { TimeoutError } from '../../../errors.js';
import type { AppEnv } from '../../env.js';

/**
 * Request deadline + abort wiring. Sets `c.var.signal`, which aborts when the client disconnects, when
 * `ms` elapses (answering 504) or when `hardStop` fires (drain gave up). Streaming routes call
 * `c.var.clearDeadline()` once they start streaming: streams are bounded by max_tokens, not by a wall clock.
 *
 * @example
 * app.use('/v1/*', requestTimeout(60_000))
 * app.post('/x', async (c) => { await engine.embed(['a'], { signal: c.var.signal }); ... })
 */
export function requestTimeout(ms: number, hardStop?: AbortSignal): MiddlewareHandler<AppEnv> {
  return async function requestTimeoutMiddleware(c, next) {
    const deadline = new AbortController();
    const signals = [c.req.raw.signal, deadline.signal, ...(hardStop ? [hardStop] : [])];
    c.set('signal', AbortSignal.any(signals));
    if (!(ms > 0)) {
      c.set('clearDeadline', () => {});
      return next();
    }
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new TimeoutError(ms);
        deadline.abort(err);
        reject(err);
      }, ms);
    });
    expired.catch(() => {});
    c.set('clearDeadline', () => clearTimeout(timer));
    const work = next();
    work.catch(() => {}); // if the deadline wins, the aborted work settles later; never unhandled
    try {
      await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
