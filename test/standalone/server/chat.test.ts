import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/server/app.js';
import { QueueFullError } from '../../../src/errors.js';
import { FakeEngine, sseData } from './fakes.js';

const post = (app: ReturnType<typeof createApp>, path: string, body: unknown) =>
  app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('POST /v1/chat/completions', () => {
  it('answers a non-streaming chat completion in the OpenAI shape', async () => {
    const engine = new FakeEngine();
    const app = createApp({ engine });
    const res = await post(app, '/v1/chat/completions', { model: 'x', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, temperature: 0, seed: 3, stop: ['\n'] });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'fake-model',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there friend' }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(engine.lastOptions).toMatchObject({ maxTokens: 8, temperature: 0, seed: 3, stop: ['\n'] });
    expect(engine.lastMessages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('reports length as finish_reason and maps max_completion_tokens', async () => {
    const engine = new FakeEngine();
    const res = await post(createApp({ engine }), '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 2 });
    const body = await res.json();
    expect(body.choices[0].finish_reason).toBe('length');
    expect(body.choices[0].message.content).toBe('Hello there');
  });

  it('returns logprobs with top_logprobs', async () => {
    const res = await post(createApp({ engine: new FakeEngine() }), '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], logprobs: true, top_logprobs: 2 });
    const body = await res.json();
    const content = body.choices[0].logprobs.content;
    expect(content).toHaveLength(3);
    expect(content[0]).toEqual({ token: 'Hello', logprob: -0.5, bytes: [...Buffer.from('Hello')], top_logprobs: [{ token: 't0', logprob: -1, bytes: [116, 48] }, { token: 't1', logprob: -2, bytes: [116, 49] }] });
  });

  it('maps response_format json_schema and json_object to a JSON schema', async () => {
    const engine = new FakeEngine();
    const app = createApp({ engine });
    const schema = { type: 'object', properties: { a: { type: 'number' } }, required: ['a'] };
    await post(app, '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_schema', json_schema: { name: 'x', schema, strict: true } } });
    expect(engine.lastOptions?.jsonSchema).toEqual(schema);
    await post(app, '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_object' } });
    expect(engine.lastOptions?.jsonSchema).toEqual({ type: 'object' });
  });

  it('streams OpenAI chunks and ends with [DONE], with usage when asked', async () => {
    const res = await post(createApp({ engine: new FakeEngine() }), '/v1/chat/completions', {
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const data = await sseData(res);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.every((ch) => ch.object === 'chat.completion.chunk' && typeof ch.id === 'string')).toBe(true);
    expect(new Set(chunks.map((ch) => ch.id)).size).toBe(1);
    const text = chunks.map((ch) => ch.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe('Hello there friend');
    const fin = chunks.at(-2);
    expect(fin.choices[0].finish_reason).toBe('stop');
    expect(fin.usage).toBeNull();
    const usage = chunks.at(-1);
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 });
  });

  it('streams without usage fields unless include_usage is set', async () => {
    const res = await post(createApp({ engine: new FakeEngine() }), '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], stream: true });
    const chunks = (await sseData(res)).slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.some((ch) => 'usage' in ch)).toBe(false);
  });

  it('sends a mid-stream failure as data: {"error":...}', async () => {
    const engine = new FakeEngine({ failAfter: { tokens: 1, error: new Error('boom with secret detail') } });
    const res = await post(createApp({ engine }), '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], stream: true });
    expect(res.status).toBe(200);
    const data = await sseData(res);
    const last = JSON.parse(data.at(-1) ?? '{}');
    expect(last).toEqual({ error: { message: 'internal server error', type: 'server_error', code: 'INTERNAL', param: null } });
    expect(data).not.toContain('[DONE]');
  });

  it('answers 429 with Retry-After when the queue is full before the stream starts', async () => {
    const engine = new FakeEngine({ failStart: new QueueFullError(8, 2) });
    const res = await post(createApp({ engine }), '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], stream: true });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect((await res.json()).error.code).toBe('QUEUE_FULL');
  });

  it('answers 503 when no model is loaded', async () => {
    const res = await post(createApp({}), '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe('UNAVAILABLE');
  });
});

describe('POST /v1/completions', () => {
  it('answers non-streaming with legacy logprobs', async () => {
    const engine = new FakeEngine();
    const res = await post(createApp({ engine }), '/v1/completions', { model: 'x', prompt: 'Once', max_tokens: 5, logprobs: 1 });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ object: 'text_completion', choices: [{ index: 0, text: 'Hello there friend', finish_reason: 'stop' }] });
    expect(body.choices[0].logprobs).toEqual({
      tokens: ['Hello', ' there', ' friend'],
      token_logprobs: [-0.5, -0.5, -0.5],
      top_logprobs: [{ t0: -1 }, { t0: -1 }, { t0: -1 }],
      text_offset: [0, 5, 11],
    });
    expect(engine.lastPrompt).toBe('Once');
  });

  it('defaults max_tokens to 16 and accepts a token-id prompt', async () => {
    const engine = new FakeEngine();
    await post(createApp({ engine }), '/v1/completions', { prompt: [1, 2, 3] });
    expect(engine.lastOptions?.maxTokens).toBe(16);
    expect(engine.lastPrompt).toEqual([1, 2, 3]);
  });

  it('streams text_completion chunks', async () => {
    const res = await post(createApp({ engine: new FakeEngine() }), '/v1/completions', { prompt: 'Once', stream: true });
    const data = await sseData(res);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.every((ch) => ch.object === 'text_completion')).toBe(true);
    expect(chunks.map((ch) => ch.choices[0].text).join('')).toBe('Hello there friend');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
  });
});
