import { describe, expect, it } from 'vitest';
import { createApp } from '../../../../src/server/app.js';
import { FakeEngine } from '../fakes.js';

const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ messages: [{ role: 'user', content }], ...extra }),
});

describe('body limit', () => {
  const app = createApp({ engine: new FakeEngine(), options: { bodyLimit: 1000 } });
  it('answers 413 in the envelope above the limit', async () => {
    const res = await app.request('/v1/chat/completions', chat('x'.repeat(2000)));
    expect(res.status).toBe(413);
    expect((await res.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
  });
  it('checks chunked bodies without a content-length too', async () => {
    const body = new ReadableStream({
      start(ctl) {
        for (let i = 0; i < 4; i++) ctl.enqueue(new TextEncoder().encode('x'.repeat(400)));
        ctl.close();
      },
    });
    const res = await app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
  });
  it('passes a body under the limit', async () => {
    expect((await app.request('/v1/chat/completions', chat('hello'))).status).toBe(200);
  });
});

describe('non-streaming timeout', () => {
  it('answers 504 and aborts the engine work', async () => {
    // The fake engine sleeps 500 ms per token; the 50 ms timeout must answer first and abort it (polled, so a loaded
    // CI machine cannot make this flaky).
    const engine = new FakeEngine({ tokenDelayMs: 500 });
    const app = createApp({ engine, options: { timeoutMs: 50 } });
    const res = await app.request('/v1/chat/completions', chat('hi'));
    expect(res.status).toBe(504);
    expect((await res.json()).error.code).toBe('TIMEOUT');
    for (let i = 0; i < 500 && (engine.aborted < 1 || engine.busy > 0); i++) await new Promise((r) => setTimeout(r, 10));
    expect(engine.aborted).toBe(1);
    expect(engine.busy).toBe(0);
  });
  it('does not cut a stream once it has started', async () => {
    const engine = new FakeEngine({ tokenDelayMs: 100, delayFirst: false });
    const app = createApp({ engine, options: { timeoutMs: 50 } });
    const res = await app.request('/v1/chat/completions', chat('hi', { stream: true }));
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('data: [DONE]');
  });
});

describe('CORS', () => {
  it('sends no CORS headers without an allowlist', async () => {
    const res = await createApp({ engine: new FakeEngine() }).request('/v1/models', { headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
  it('allows only listed origins, preflight included', async () => {
    const app = createApp({ engine: new FakeEngine(), options: { cors: ['https://app.example'], apiKeys: ['k'] } });
    const ok = await app.request('/v1/models', { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const bad = await app.request('/v1/models', { headers: { origin: 'https://evil.example', authorization: 'Bearer k' } });
    expect(bad.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('secure headers', () => {
  it('sets the usual hardening headers on every answer, errors included', async () => {
    const app = createApp({ engine: new FakeEngine() });
    for (const res of [await app.request('/health'), await app.request('/v1/nope')]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    }
  });
});
