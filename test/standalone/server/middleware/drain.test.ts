import { describe, expect, it } from 'vitest';
import { createApp } from '../../../../src/server/app.js';
import { createLifecycle } from '../../../../src/server/lifecycle.js';
import { FakeEngine } from '../fakes.js';

const chat = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }) };

describe('graceful drain', () => {
  it('finishes in-flight streams, refuses new requests with 503 and reports idle', async () => {
    const lifecycle = createLifecycle();
    const app = createApp({ engine: new FakeEngine({ tokenDelayMs: 30 }), lifecycle });
    const inflight = await app.request('/v1/chat/completions', chat);
    expect(inflight.status).toBe(200);
    expect(lifecycle.inflight).toBe(1);
    lifecycle.drain();
    const refused = await app.request('/v1/chat/completions', chat);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect((await app.request('/ready')).status).toBe(503);
    expect((await app.request('/health')).status).toBe(200);
    const idle = lifecycle.idle(5000);
    expect(await inflight.text()).toContain('[DONE]');
    expect(await idle).toBe(true);
    expect(lifecycle.inflight).toBe(0);
  });

  it('gives up after the grace period and aborts what is left', async () => {
    const lifecycle = createLifecycle();
    const engine = new FakeEngine({ tokenDelayMs: 50, reply: Array(100).fill('w').join(' ') });
    const app = createApp({ engine, lifecycle });
    const res = await app.request('/v1/chat/completions', chat);
    lifecycle.drain();
    expect(await lifecycle.idle(20)).toBe(false);
    lifecycle.abortAll();
    const text = await res.text();
    expect(text).not.toContain('[DONE]');
    expect(engine.aborted).toBe(1);
  });
});
