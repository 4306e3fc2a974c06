import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from '../../env.js';
import type { Lifecycle } from '../../lifecycle.js';
import type { ServerMetrics } from '../../metrics.js';
import type { Logger } from 'pino';

const STREAM_TYPES = ['text/event-stream', 'application/x-ndjson', 'application/jsonl'];

/**
 * Counts a request in flight until its response body has ended (streams included), records Prometheus request
 * count and latency by route pattern, and writes one access-log line: method, route, status, ms, request id.
 * Never logs bodies, query strings or headers (they may carry user text or keys).
 *
 * @example
 * app.use('*', track({ lifecycle, metrics, logger }))
 */
export function track(deps: { lifecycle: Lifecycle; metrics: ServerMetrics; logger?: Logger | undefined }): MiddlewareHandler<AppEnv> {
  return async function trackMiddleware(c, next) {
    const started = performance.now();
    const release = deps.lifecycle.enter();
    const requestId = randomUUID();
    c.set('requestId', requestId);
    c.set('metrics', deps.metrics);
    c.set('logger', deps.logger);
    c.set('principal', `addr:${remoteAddress(c.env)}`);
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      release();
      const route = routeLabel(c);
      const status = String(c.res.status);
      const seconds = (performance.now() - started) / 1000;
      deps.metrics.requests.inc({ method: c.req.method, route, status });
      deps.metrics.latency.observe({ method: c.req.method, route }, seconds);
      deps.logger?.info({ req: requestId, method: c.req.method, route, status: c.res.status, ms: Math.round(seconds * 1000) }, 'request');
    };
    try {
      await next();
    } catch (e) {
      finish();
      throw e;
    }
    c.header('x-request-id', requestId);
    const type = c.res.headers.get('content-type') ?? '';
    const body = c.res.body;
    if (!body || !STREAM_TYPES.some((t) => type.startsWith(t))) {
      finish();
      return;
    }
    c.req.raw.signal.addEventListener('abort', finish, { once: true });
    const done = new TransformStream<Uint8Array, Uint8Array>({ flush: finish });
    c.res = new Response(body.pipeThrough(done), c.res);
  };
}

function routeLabel(c: Parameters<MiddlewareHandler<AppEnv>>[0]): string {
  try {
    const p = routePath(c);
    return p === '*' || p === '/*' ? 'unmatched' : p;
  } catch {
    return 'unmatched';
  }
}

function remoteAddress(env: unknown): string {
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'local';
}
