import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueFullError } from '../../../src/errors.js';
import { startServer, type RunningServer } from '../../../src/server/serve.js';
import { FakeEngine } from './fakes.js';

// The official client against a real socket, with scripted engines: error paths a real model cannot produce on demand.
const base = { host: '127.0.0.1', port: 0, apiKeys: ['sk-test-12345678'], insecure: false, cors: [], bodyLimit: 1 << 20, timeoutMs: 0, rateLimit: 0, graceMs: 1000, adapterDirs: [] };
const engine = new FakeEngine({ failAfter: { tokens: 2, error: new QueueFullError(1) } });
let srv: RunningServer;
let client: OpenAI;

beforeAll(async () => {
  srv = await startServer(base, { engine });
  client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: 'sk-test-12345678', maxRetries: 0 });
});
afterAll(() => srv.close(100));

describe('openai client error handling', () => {
  it('surfaces a mid-stream error event as an exception after the first chunks', async () => {
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    await expect(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
    ).rejects.toThrow(/queue is full/);
    expect(text).toBe('Hello there');
  });

  it('reads 4xx envelopes as APIError with status, code and param', async () => {
    await expect(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], n: 3 })).rejects.toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', param: 'n' });
  });
});
