import type { MiddlewareHandler } from 'hono';
import { UnavailableError } from '../../../errors.js';
import type { AppEnv } from '../../env.js';
import type { Lifecycle } from '../../lifecycle.js';

/**
 * Refuses new requests with 503 (Retry-After) once the lifecycle is draining. Liveness (`/health`) still
 * answers so orchestrators can tell "alive but draining" from "dead".
 *
 * @example
 * app.use('*', drain(lifecycle, { allow: ['/health'] }))
 */
export function drain(lifecycle: Lifecycle, options: { allow?: string[] } = {}): MiddlewareHandler<AppEnv> {
  const allow = new Set(options.allow ?? []);
  return async function drainMiddleware(c, next) {
    if (lifecycle.draining && !allow.has(c.req.path)) throw new UnavailableError('the server is shutting down', 5);
    return next();
  };
}
