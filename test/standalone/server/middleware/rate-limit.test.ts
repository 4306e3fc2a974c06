import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../../src/server/app.js';
import type { AppEnv } from '../../../../src/server/env.js';
import { errorResponse } from '../../../../src/server/errors.js';
import { rateLimit } from '../../../../src/server/middleware/rate-limit/index.js';
import { FakeEngine } from '../fakes.js';

describe('per-principal token bucket', () => {
  it('allows a burst of perMinute, then answers 429 with Retry-After, and refills over time', async () => {
    let now = 0;
    const app = new Hono<AppEnv>();
    app.use('*', async (c, next) => {
      c.set('principal', c.req.header('x-who') ?? 'a');
      await next();
    });
    app.use('*', rateLimit({ perMinute: 3, now: () => now }));
    app.get('/', (c) => c.text('ok'));
    app.onError((e, c) => errorResponse(c, e));
    const hit = (who = 'a') => app.request('/', { headers: { 'x-who': who } });
    for (let i = 0; i < 3; i++) expect((await hit()).status).toBe(200);
    const limited = await hit();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('20');
    expect((await limited.json()).error.code).toBe('RATE_LIMITED');
    expect((await hit('b')).status).toBe(200); // buckets are per principal
    now += 20_000;
    expect((await hit()).status).toBe(200);
    expect((await hit()).status).toBe(429);
  });

  it('counts per API key in the app and leaves /health alone', async () => {
    const app = createApp({ engine: new FakeEngine(), options: { apiKeys: ['k1', 'k2'], rateLimit: 2 } });
    const models = (k: string) => app.request('/v1/models', { headers: { authorization: `Bearer ${k}` } });
    expect((await models('k1')).status).toBe(200);
    expect((await models('k1')).status).toBe(200);
    expect((await models('k1')).status).toBe(429);
    expect((await models('k2')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await app.request('/health')).status).toBe(200);
  });
});
