import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../src/config/index.js';
import { loadOptionalLayers } from '../../src/server/layers.js';
import { openRuntime, type Runtime } from '../../src/server/runtime.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';

const models = process.env.ONRAMP_TEST_MODELS ?? path.resolve(import.meta.dirname, '../../../shared/models');
const KEY = 'test-key-0123456789';

let rt: Runtime;
let srv: RunningServer;
let client: OpenAI;

const metric = async (name: string): Promise<number> => {
  const text = await (await fetch(`${srv.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
};

beforeAll(async () => {
  const cfg = await loadServeConfig({ flags: { model: path.join(models, 'stories260K.gguf'), port: 0, parallel: 2, ctx: 4096, threads: 1, apiKeys: [KEY] }, env: {} });
  rt = await openRuntime(cfg);
  srv = await startServer({ ...cfg, adapterDirs: rt.adapterDirs }, { ...rt, ...loadOptionalLayers({}, rt) });
  client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: KEY, maxRetries: 0 });
});

afterAll(async () => {
  await srv?.close(1000);
  await rt?.dispose();
});

describe('live server with the official openai client (stories260K)', () => {
  it('chat, non-streaming', async () => {
    const r = await client.chat.completions.create({ model: 'stories260K', messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 8, temperature: 0 });
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]?.message.role).toBe('assistant');
    expect(typeof r.choices[0]?.message.content).toBe('string');
    expect(['stop', 'length']).toContain(r.choices[0]?.finish_reason);
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
    expect(r.usage?.completion_tokens).toBeLessThanOrEqual(8);
  });

  it('chat, streaming with usage and logprobs; the streamed text equals the non-streamed greedy text', async () => {
    const body = { model: 'stories260K', messages: [{ role: 'user' as const, content: 'Tom had a dog.' }], max_tokens: 8, temperature: 0 };
    const whole = await client.chat.completions.create(body);
    const stream = await client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true }, logprobs: true, top_logprobs: 2 });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let lps = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      lps += chunk.choices[0]?.logprobs?.content?.length ?? 0;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(usage?.completion_tokens).toBe(whole.usage?.completion_tokens);
    expect(lps).toBe(usage?.completion_tokens);
  });

  it('completions, non-streaming and streaming', async () => {
    const r = await client.completions.create({ model: 'stories260K', prompt: 'Once upon a time', max_tokens: 6, temperature: 0, logprobs: 2 });
    expect(r.object).toBe('text_completion');
    expect(r.choices[0]?.logprobs?.tokens?.length).toBe(r.usage?.completion_tokens);
    const s = await client.completions.create({ model: 'stories260K', prompt: 'Once upon a time', max_tokens: 6, temperature: 0, stream: true });
    let text = '';
    for await (const chunk of s) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe(r.choices[0]?.text);
  });

  it('embeddings, float and base64', async () => {
    const r = await client.embeddings.create({ model: 'stories260K', input: ['a cat', 'a dog'] });
    expect(r.data).toHaveLength(2);
    const dim = rt.engine!.modelInfo.embeddingLength;
    expect(r.data[0]?.embedding).toHaveLength(dim);
    const b = await client.embeddings.create({ model: 'stories260K', input: 'a cat', encoding_format: 'base64' });
    expect(typeof b.data[0]?.embedding).toBe('string');
    // the openai client decodes base64 itself when it asked for floats; here we asked explicitly
    const buf = Buffer.from(b.data[0]!.embedding as unknown as string, 'base64');
    expect(buf.byteLength).toBe(dim * 4);
  });

  it('response_format json_schema yields JSON that matches the schema', async () => {
    const r = await client.chat.completions.create({
      model: 'stories260K',
      messages: [{ role: 'user', content: 'Is the sky blue?' }],
      max_tokens: 64,
      temperature: 0,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'yn', strict: true, schema: { type: 'object', properties: { answer: { type: 'string', enum: ['yes', 'no'] } }, required: ['answer'], additionalProperties: false } },
      },
    });
    const parsed = JSON.parse(r.choices[0]?.message.content ?? '');
    expect(['yes', 'no']).toContain(parsed.answer);
  });

  it('runs a task pack and vLLM-style classify with real probabilities', async () => {
    const post = (p: string, body: unknown) =>
      fetch(`${srv.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify(body) });
    const task = await (await post('/v1/tasks/sentiment-en', { input: 'What a wonderful, happy day.' })).json();
    expect(task.task).toBe('sentiment-en');
    expect(typeof task.result.label).toBe('string');
    expect(task.explanation.pack.id).toBe('sentiment-en');
    const cls = await (await post('/v1/classify', { input: ['The cat sat.', 'A dog ran.'], labels: ['happy', 'sad', 'angry'] })).json();
    expect(cls.data).toHaveLength(2);
    for (const d of cls.data) {
      expect(d.num_classes).toBe(3);
      expect(d.probs.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
      expect(['happy', 'sad', 'angry']).toContain(d.label);
    }
    const byPack = await (await post('/v1/classify', { model: 'sentiment-en', input: 'I loved it' })).json();
    expect(byPack.data[0].probs.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('maps errors to the OpenAI envelope the client understands', async () => {
    const bad = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: 'wrong-key-123', maxRetries: 0 });
    await expect(bad.models.list()).rejects.toMatchObject({ status: 401 });
    await expect(client.chat.completions.create({ model: 'x', messages: [] })).rejects.toMatchObject({ status: 400, param: 'messages' });
  });

  it('an SSE client disconnect aborts the generation and frees its slot (visible in /metrics)', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${srv.url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ prompt: 'Once upon a time', max_tokens: 2000, temperature: 1, seed: 1, ignore_eos: true, stream: true }),
      signal: ctl.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    expect(await metric('onramp_busy_slots')).toBe(1);
    ctl.abort();
    let busy = 1;
    for (let i = 0; i < 200 && busy !== 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      busy = await metric('onramp_busy_slots');
    }
    expect(busy).toBe(0);
    expect(await metric('onramp_inflight_requests')).toBe(1); // only the /metrics scrape itself
  });
});
