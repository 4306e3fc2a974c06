import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/server/app.js';
import { FakeEngine } from './fakes.js';

const msgs = [{ role: 'user', content: 'hi' }];
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

type Case = [name: string, path: string, body: string | Uint8Array, param?: string];

const cases: Case[] = [
  ['malformed JSON', '/v1/chat/completions', '{"messages": ['],
  ['empty body', '/v1/chat/completions', ''],
  ['JSON null', '/v1/chat/completions', 'null'],
  ['JSON array', '/v1/chat/completions', '[]'],
  ['messages missing', '/v1/chat/completions', '{}', 'messages'],
  ['empty messages', '/v1/chat/completions', JSON.stringify({ messages: [] }), 'messages'],
  ['messages wrong type', '/v1/chat/completions', JSON.stringify({ messages: 'hi' }), 'messages'],
  ['bad role', '/v1/chat/completions', JSON.stringify({ messages: [{ role: 'god', content: 'x' }] }), 'messages.0.role'],
  ['content wrong type', '/v1/chat/completions', JSON.stringify({ messages: [{ role: 'user', content: 5 }] }), 'messages.0.content'],
  ['unknown field', '/v1/chat/completions', JSON.stringify({ messages: msgs, frobnicate: 1 }), 'frobnicate'],
  ['tools unsupported', '/v1/chat/completions', JSON.stringify({ messages: msgs, tools: [] }), 'tools'],
  ['temperature string', '/v1/chat/completions', JSON.stringify({ messages: msgs, temperature: 'hot' }), 'temperature'],
  ['temperature huge', '/v1/chat/completions', JSON.stringify({ messages: msgs, temperature: 1e308 }), 'temperature'],
  ['temperature overflow to Infinity', '/v1/chat/completions', `{"messages":[{"role":"user","content":"hi"}],"temperature":1e999}`, 'temperature'],
  ['top_p zero', '/v1/chat/completions', JSON.stringify({ messages: msgs, top_p: 0 }), 'top_p'],
  ['max_tokens huge', '/v1/chat/completions', JSON.stringify({ messages: msgs, max_tokens: 1e15 }), 'max_tokens'],
  ['max_tokens above context', '/v1/chat/completions', JSON.stringify({ messages: msgs, max_tokens: 100000 }), 'max_tokens'],
  ['max_tokens negative', '/v1/chat/completions', JSON.stringify({ messages: msgs, max_tokens: -1 }), 'max_tokens'],
  ['max_tokens fractional', '/v1/chat/completions', JSON.stringify({ messages: msgs, max_tokens: 1.5 }), 'max_tokens'],
  ['seed too large', '/v1/chat/completions', JSON.stringify({ messages: msgs, seed: 2 ** 60 }), 'seed'],
  ['n=2', '/v1/chat/completions', JSON.stringify({ messages: msgs, n: 2 }), 'n'],
  ['top_logprobs 50', '/v1/chat/completions', JSON.stringify({ messages: msgs, logprobs: true, top_logprobs: 50 }), 'top_logprobs'],
  ['bad response_format', '/v1/chat/completions', JSON.stringify({ messages: msgs, response_format: { type: 'xml' } }), 'response_format.type'],
  ['logit_bias bad key', '/v1/chat/completions', JSON.stringify({ messages: msgs, logit_bias: { abc: 1 } }), 'logit_bias.abc'],
  ['logit_bias outside vocab', '/v1/chat/completions', JSON.stringify({ messages: msgs, logit_bias: { '99999': 1 } }), 'logit_bias'],
  ['too many stops', '/v1/chat/completions', JSON.stringify({ messages: msgs, stop: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] }), 'stop'],
  ['invalid UTF-8', '/v1/chat/completions', concat(enc('{"messages":[{"role":"user","content":"'), Uint8Array.of(0xc3, 0x28), enc('"}]}')), 'body'],
  ['lone surrogate escape is fine JSON but NUL key', '/v1/chat/completions', '{"messages":[],"\\u0000":1}'],
  ['prompt missing', '/v1/completions', '{}', 'prompt'],
  ['several prompts', '/v1/completions', JSON.stringify({ prompt: ['a', 'b'] }), 'prompt'],
  ['echo', '/v1/completions', JSON.stringify({ prompt: 'a', echo: true }), 'echo'],
  ['completion logprobs bool', '/v1/completions', JSON.stringify({ prompt: 'a', logprobs: true }), 'logprobs'],
  ['embedding input number', '/v1/embeddings', JSON.stringify({ input: 5 }), 'input'],
  ['embedding empty list', '/v1/embeddings', JSON.stringify({ input: [] }), 'input'],
  ['embedding bad format', '/v1/embeddings', JSON.stringify({ input: 'a', encoding_format: 'hex' }), 'encoding_format'],
  ['classify one label', '/v1/classify', JSON.stringify({ input: 'a', labels: ['x'] }), 'labels'],
  ['classify no labels nor task', '/v1/classify', JSON.stringify({ input: 'a' }), 'labels'],
  ['classify duplicate labels', '/v1/classify', JSON.stringify({ input: 'a', labels: ['x', 'x'] }), 'labels'],
  ['safety text missing', '/v1/safety/scan', '{}', 'text'],
  ['task bad id', '/v1/tasks/..%2Fetc', JSON.stringify({ input: 'a' }), 'id'],
];

describe('bad input is always a 4xx with the OpenAI envelope', () => {
  const app = createApp({ engine: new FakeEngine() });
  it.each(cases)('%s', async (_name, path, body, param) => {
    const res = await app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status, await res.clone().text()).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const json = await res.json();
    expect(Object.keys(json)).toEqual(['error']);
    expect(typeof json.error.message).toBe('string');
    expect(typeof json.error.type).toBe('string');
    expect(typeof json.error.code).toBe('string');
    expect('param' in json.error).toBe(true);
    if (param) expect(json.error.param).toBe(param);
  });

  it('answers a wrong content type with 4xx', async () => {
    const res = await app.request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ messages: msgs }) });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('answers unknown routes with 404 in the envelope', async () => {
    const res = await app.request('/v1/nope');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NOT_FOUND');
  });

  it('answers a crashing engine with 500 and no internals', async () => {
    const engine = new FakeEngine();
    engine.chat = () => {
      throw new Error('secret internal path /root/x');
    };
    const res = await createApp({ engine }).request('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: msgs }) });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('secret');
    expect(JSON.parse(text).error).toEqual({ message: 'internal server error', type: 'server_error', code: 'INTERNAL', param: null });
  });
});
