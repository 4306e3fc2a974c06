import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/server/app.js';
import { IGNORED_OPENAI_FIELDS } from '../../../src/server/schemas/openai.js';
import { startServer, type RunningServer } from '../../../src/server/serve.js';
import { FakeEngine } from './fakes.js';

/**
 * Fields unchanged OpenAI SDK apps send that cannot change a local model's output are accepted and ignored on
 * /v1/chat/completions and /v1/completions; any other unknown field stays a 400 naming it.
 */
const harmless = {
  store: true,
  metadata: { app: 'crm', ticket: '42' },
  parallel_tool_calls: false,
  user: 'user-1234',
  service_tier: 'auto',
  prompt_cache_key: 'session-9',
  safety_identifier: 'hashed-user',
  reasoning_effort: 'low',
  verbosity: 'medium',
  modalities: ['text'],
  stream_options: { include_usage: true, include_obfuscation: false },
};
const msgs = [{ role: 'user', content: 'hi' }];
const post = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('harmless OpenAI fields are accepted and ignored', () => {
  const engine = new FakeEngine();
  const app = createApp({ engine });

  it('lists every ignored field in the test body', () => {
    for (const f of IGNORED_OPENAI_FIELDS) expect(harmless).toHaveProperty(f);
  });

  it.each(['/v1/chat/completions', '/v1/completions'])('%s answers 200 with them, and generates as without them', async (path) => {
    const base = path === '/v1/chat/completions' ? { messages: msgs } : { prompt: 'hi' };
    const plain = await app.request(path, post({ ...base, max_tokens: 3, temperature: 0 }));
    expect(plain.status).toBe(200);
    const plainOpts = engine.lastOptions;
    const res = await app.request(path, post({ ...base, ...harmless, max_tokens: 3, temperature: 0 }));
    expect(res.status, await res.clone().text()).toBe(200);
    const body = await res.json();
    expect(body.choices).toHaveLength(1);
    expect(body.usage.completion_tokens).toBe(3);
    // Nothing of the ignored fields reaches the engine.
    expect(Object.keys(engine.lastOptions ?? {}).sort()).toEqual(Object.keys(plainOpts ?? {}).sort());
  });

  it.each([
    ['frobnicate', { frobnicate: 1 }, 'frobnicate'],
    ['tools', { tools: [] }, 'tools'],
    ['audio', { audio: { voice: 'alloy', format: 'mp3' } }, 'audio'],
    ['modalities audio', { modalities: ['text', 'audio'] }, 'modalities'],
    ['store not a boolean', { store: 'yes' }, 'store'],
    ['metadata value not a string', { metadata: { n: 1 } }, 'metadata.n'],
    ['verbosity unknown', { verbosity: 'loud' }, 'verbosity'],
  ])('still rejects %s with a 400 naming the field', async (_n, extra, param) => {
    for (const [path, base] of [['/v1/chat/completions', { messages: msgs }], ['/v1/completions', { prompt: 'hi' }]] as const) {
      const res = await app.request(path, post({ ...base, ...extra }));
      expect(res.status).toBe(400);
      const { error } = await res.json();
      expect(error).toMatchObject({ type: 'invalid_request_error', code: 'INVALID_ARGUMENT' });
      expect(error.param).toBe(param);
    }
  });
});

describe('the official openai client with the fields apps commonly set', () => {
  let srv: RunningServer;
  let client: OpenAI;
  beforeAll(async () => {
    const cfg = { host: '127.0.0.1', port: 0, apiKeys: ['sk-test-12345678'], insecure: false, cors: [], bodyLimit: 1 << 20, timeoutMs: 0, rateLimit: 0, graceMs: 1000, adapterDirs: [] };
    srv = await startServer(cfg, { engine: new FakeEngine() });
    client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: 'sk-test-12345678', maxRetries: 0 });
  });
  afterAll(() => srv.close(100));

  it('chat (plain and streamed) and completions succeed', async () => {
    const common = { model: 'm', store: false, metadata: { feature: 'faq' }, user: 'u-1', service_tier: 'auto' as const };
    const chat = await client.chat.completions.create({ ...common, messages: [{ role: 'user', content: 'hi' }], parallel_tool_calls: true, max_completion_tokens: 3 });
    expect(chat.choices[0]?.message.content).toBe('Hello there friend');
    const stream = await client.chat.completions.create({ ...common, messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello there friend');
    const done = await client.completions.create({ model: 'm', prompt: 'hi', user: 'u-1', max_tokens: 2, stream_options: null });
    expect(done.choices[0]?.text).toBe('Hello there');
  });
});
