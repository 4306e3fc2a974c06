import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { UnauthorizedError } from '../../../errors.js';
import type { AppEnv } from '../../env.js';

export interface BearerKeysOptions {
  /** Accepted API keys; an empty list lets everything through. */
  keys: string[];
  /** Paths that never need a key (liveness, readiness, docs). */
  exempt?: string[];
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Bearer API-key auth. Keys are compared as SHA-256 digests with `timingSafeEqual`, against every key without
 * early exit, so neither the key length nor the matching key leaks through timing. Sets `c.var.principal` to a
 * short fingerprint of the key (never the key) for rate limiting and logs.
 *
 * @example
 * app.use('*', bearerKeys({ keys: ['k1', 'k2'], exempt: ['/health'] }))
 */
export function bearerKeys(options: BearerKeysOptions): MiddlewareHandler<AppEnv> {
  const keys = options.keys.filter((k) => k.length > 0).map(digest);
  const exempt = new Set(options.exempt ?? []);
  return async function bearerKeysMiddleware(c, next) {
    if (keys.length === 0 || exempt.has(c.req.path) || c.req.method === 'OPTIONS') return next();
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!m?.[1]) throw new UnauthorizedError(header ? 'malformed Authorization header; expected "Bearer <key>"' : 'missing API key (Authorization: Bearer <key>)');
    const presented = digest(m[1]);
    let ok = false;
    for (const k of keys) ok = timingSafeEqual(k, presented) || ok;
    if (!ok) throw new UnauthorizedError('invalid API key');
    c.set('principal', `key:${presented.subarray(0, 6).toString('hex')}`);
    return next();
  };
}
