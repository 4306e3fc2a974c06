import { describe, expect, it } from 'vitest';
import { checkBindSafety, startServer } from '../../../src/server/serve.js';
import { FakeEngine } from './fakes.js';

const base = { host: '127.0.0.1', port: 0, apiKeys: [], insecure: false, cors: [], bodyLimit: 1 << 20, timeoutMs: 0, rateLimit: 0, graceMs: 5000, adapterDirs: [] };

describe('bind safety', () => {
  it('refuses a non-loopback bind without keys unless insecure', () => {
    expect(() => checkBindSafety({ host: '0.0.0.0', apiKeys: [], insecure: false })).toThrow(/API key/);
    expect(() => checkBindSafety({ host: '::', apiKeys: [], insecure: false })).toThrow();
    expect(() => checkBindSafety({ host: '0.0.0.0', apiKeys: ['abcdefgh'], insecure: false })).not.toThrow();
    expect(() => checkBindSafety({ host: '0.0.0.0', apiKeys: [], insecure: true })).not.toThrow();
    for (const h of ['127.0.0.1', 'localhost', '::1', '127.1.2.3']) expect(() => checkBindSafety({ host: h, apiKeys: [], insecure: false })).not.toThrow();
  });
  it('startServer enforces it too', async () => {
    await expect(startServer({ ...base, host: '0.0.0.0' }, {})).rejects.toMatchObject({ code: 'CONFIG' });
  });
});

describe('graceful shutdown over a real socket', () => {
  it('lets the in-flight stream finish, refuses new work, then closes', async () => {
    const engine = new FakeEngine({ tokenDelayMs: 60, reply: 'one two three four five' });
    const srv = await startServer(base, { engine });
    const res = await fetch(`${srv.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(res.status).toBe(200);
    const bodyText = res.text();
    const closing = srv.close(5000);
    expect(srv.lifecycle.draining).toBe(true);
    const refused = await fetch(`${srv.url}/v1/models`).then((r) => r.status, () => 'connection refused');
    expect([503, 'connection refused']).toContain(refused);
    expect(await bodyText).toContain('data: [DONE]');
    expect(await closing).toEqual({ drained: true });
    await expect(fetch(`${srv.url}/health`)).rejects.toThrow();
  });

  it('aborts what is left after the grace period', async () => {
    const engine = new FakeEngine({ tokenDelayMs: 50, reply: Array(200).fill('w').join(' ') });
    const srv = await startServer(base, { engine });
    const res = await fetch(`${srv.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const text = res.text().catch(() => '');
    expect(await srv.close(100)).toEqual({ drained: false });
    expect(await text).not.toContain('[DONE]');
    expect(engine.aborted).toBe(1);
  });
});
