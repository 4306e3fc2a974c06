import type { MiddlewareHandler } from 'hono';
import { InvalidArgumentError } from '../../../errors.js';
import type { AppEnv } from '../../env.js';

const strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Rejects JSON bodies that are not valid UTF-8 (400) instead of letting them decode to U+FFFD silently.
 * The body is read once here and cached by Hono, so validators reading `c.req.json()` do not read it again.
 * Streamed line formats (JSONL batch) are skipped: their route checks each line itself.
 *
 * @example
 * app.use('/v1/*', bodyLimit({ maxSize }), utf8Body())
 */
export function utf8Body(): MiddlewareHandler<AppEnv> {
  return async function utf8BodyMiddleware(c, next) {
    const type = c.req.header('content-type') ?? '';
    if (!c.req.raw.body || !type.includes('json') || type.includes('jsonl') || type.includes('ndjson')) return next();
    const buf = await c.req.arrayBuffer();
    try {
      strict.decode(buf);
    } catch {
      throw new InvalidArgumentError('body', 'request body is not valid UTF-8');
    }
    return next();
  };
}
