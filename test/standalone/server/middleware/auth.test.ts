import { describe, expect, it } from 'vitest';
import { createApp } from '../../../../src/server/app.js';
import { FakeEngine } from '../fakes.js';

describe('bearer API keys', () => {
  const app = createApp({ engine: new FakeEngine(), options: { apiKeys: ['key-one', 'a-much-longer-second-key'] } });
  const get = (path: string, auth?: string) => app.request(path, auth ? { headers: { authorization: auth } } : {});

  it('refuses a missing key with 401 in the envelope', async () => {
    const res = await get('/v1/models');
    expect(res.status).toBe(401);
    expect((await res.json()).error).toMatchObject({ code: 'UNAUTHORIZED', type: 'authentication_error' });
  });
  it('refuses a wrong key, a prefix of a key and a malformed header', async () => {
    for (const h of ['Bearer nope', 'Bearer key-on', 'Bearer key-one-and-more', 'Basic a2V5LW9uZQ==', 'Bearer']) expect((await get('/v1/models', h)).status).toBe(401);
  });
  it('accepts every configured key', async () => {
    expect((await get('/v1/models', 'Bearer key-one')).status).toBe(200);
    expect((await get('/v1/models', 'bearer a-much-longer-second-key')).status).toBe(200);
  });
  it('never echoes the presented key', async () => {
    const res = await get('/v1/models', 'Bearer sup3r-s3cret-guess');
    expect(await res.text()).not.toContain('sup3r');
  });
  it('leaves liveness, readiness and docs open but protects metrics', async () => {
    expect((await get('/health')).status).toBe(200);
    expect((await get('/ready')).status).toBe(200);
    expect((await get('/openapi.json')).status).toBe(200);
    expect((await get('/docs')).status).toBe(200);
    expect((await get('/metrics')).status).toBe(401);
  });
  it('is off without keys', async () => {
    expect((await createApp({ engine: new FakeEngine() }).request('/v1/models')).status).toBe(200);
  });
});
