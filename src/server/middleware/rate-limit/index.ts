import type { MiddlewareHandler } from 'hono';
import { RateLimitError } from '../../../errors.js';
import type { AppEnv } from '../../env.js';

export interface RateLimitOptions {
  /** Sustained requests per minute per principal; also the burst size. */
  perMinute: number;
  /** Paths that are never limited. */
  exempt?: string[];
  /** Clock in ms (tests). */
  now?: () => number;
  /** Buckets kept at most; the least recently used are dropped beyond this (memory bound). */
  maxPrincipals?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Per-principal token bucket (in memory): `perMinute` tokens refill evenly over a minute, one per request.
 * An empty bucket answers 429 with Retry-After = seconds until the next token.
 *
 * @example
 * app.use('/v1/*', rateLimit({ perMinute: 120 }))
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const cap = options.perMinute;
  const perMs = cap / 60_000;
  const now = options.now ?? Date.now;
  const max = options.maxPrincipals ?? 10_000;
  const exempt = new Set(options.exempt ?? []);
  const buckets = new Map<string, Bucket>();
  return async function rateLimitMiddleware(c, next) {
    if (cap <= 0 || exempt.has(c.req.path)) return next();
    const who = c.get('principal') ?? 'anonymous';
    const t = now();
    const b = buckets.get(who) ?? { tokens: cap, at: t };
    buckets.delete(who); // re-insert: Map order = LRU order
    b.tokens = Math.min(cap, b.tokens + (t - b.at) * perMs);
    b.at = t;
    buckets.set(who, b);
    if (buckets.size > max) {
      const oldest = buckets.keys().next().value;
      if (oldest !== undefined) buckets.delete(oldest);
    }
    if (b.tokens < 1) throw new RateLimitError(Math.ceil((1 - b.tokens) / perMs / 1000));
    b.tokens -= 1;
    return next();
  };
}
