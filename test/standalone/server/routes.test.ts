import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotFoundError, ConflictError } from '../../../src/errors.js';
import { createApp } from '../../../src/server/app.js';
import type { AdapterInfo, AdapterService, SafetyService, TaskService } from '../../../src/server/deps.js';
import { FakeEngine } from './fakes.js';

const json = (body: unknown, method = 'POST') => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const tasks: TaskService & { runs: unknown[]; opts: unknown[] } = {
  runs: [],
  opts: [],
  list: () => [{ id: 'sentiment', kind: 'classify', labels: ['positive', 'negative'] }],
  get: (id) => (id === 'sentiment' ? { id, kind: 'classify', labels: ['positive', 'negative'], description: 'Sentiment' } : undefined),
  async run(id, input, opts) {
    if (id !== 'sentiment') throw new NotFoundError('task', id);
    tasks.runs.push(input);
    tasks.opts.push(opts?.explain);
    if (input === 'fail') throw new ConflictError('cannot');
    return { result: { label: 'positive', scores: [{ label: 'positive', score: 0.9 }, { label: 'negative', score: 0.1 }] }, explanation: { rules: [] } };
  },
  reload: async () => ({ tasks: 1 }),
};

const safety: SafetyService = {
  scan: (text) => ({ findings: [...text.matchAll(/\S+@\S+/g)].map((m) => ({ ruleId: 'email', start: m.index, end: m.index + m[0].length, action: 'mask' })), action: 'mask' }),
  mask: (text) => ({ text: text.replace(/\S+@\S+/g, '<EMAIL>'), findings: [{ ruleId: 'email', start: 0, end: 1 }] }),
};

describe('embeddings and models', () => {
  const app = createApp({ engine: new FakeEngine() });
  it('embeds as floats in the OpenAI shape', async () => {
    const body = await (await app.request('/v1/embeddings', json({ input: ['a', 'bcd'], model: 'm' }))).json();
    expect(body).toEqual({
      object: 'list',
      model: 'fake-model',
      data: [
        { object: 'embedding', index: 0, embedding: [0.5, 0.5, 0.5, 0.5] },
        { object: 'embedding', index: 1, embedding: [0.5, 0.5, 0.5, 0.5] },
      ],
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
  });
  it('embeds as base64 little-endian float32', async () => {
    const body = await (await app.request('/v1/embeddings', json({ input: 'a', encoding_format: 'base64' }))).json();
    const buf = Buffer.from(body.data[0].embedding, 'base64');
    expect([...new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4)]).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
  it('truncates and renormalizes with dimensions', async () => {
    const body = await (await app.request('/v1/embeddings', json({ input: 'a', dimensions: 2 }))).json();
    expect(body.data[0].embedding[0]).toBeCloseTo(Math.SQRT1_2, 6);
  });
  it('lists the model', async () => {
    const body = await (await app.request('/v1/models')).json();
    expect(body.object).toBe('list');
    expect(body.data[0]).toMatchObject({ id: 'fake-model', object: 'model', owned_by: 'onramp' });
  });
});

describe('tasks', () => {
  const app = createApp({ engine: new FakeEngine(), tasks });
  it('lists, describes and 404s', async () => {
    expect((await (await app.request('/v1/tasks')).json()).data[0].id).toBe('sentiment');
    expect((await (await app.request('/v1/tasks/sentiment')).json()).description).toBe('Sentiment');
    const missing = await app.request('/v1/tasks/nope');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('NOT_FOUND');
  });
  it('runs a pack: result + explanation', async () => {
    const res = await app.request('/v1/tasks/sentiment', json({ input: 'great' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ task: 'sentiment', result: { label: 'positive' }, explanation: { rules: [] } });
    expect((await app.request('/v1/tasks/nope', json({ input: 'x' }))).status).toBe(404);
  });
  it('passes explain through to the task layer and validates it', async () => {
    expect((await app.request('/v1/tasks/sentiment', json({ input: 'great', explain: 3 }))).status).toBe(200);
    expect(tasks.opts.at(-1)).toBe(3);
    expect((await app.request('/v1/tasks/sentiment', json({ input: 'great', explain: 'yes' }))).status).toBe(400);
  });
  it('runs a JSONL batch in order with per-line errors', async () => {
    const lines = ['{"id":"a","input":"good"}', 'not json', '{"input":"fail"}', '', '{"noinput":1}', '{"input":"ok"}'].join('\n');
    const res = await app.request('/v1/tasks/sentiment/batch', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/ndjson/);
    const out = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((o) => o.line)).toEqual([1, 2, 3, 4, 5]);
    expect(out[0]).toMatchObject({ id: 'a', result: { label: 'positive' } });
    expect(out[1].error.code).toBe('INVALID_ARGUMENT');
    expect(out[2].error.code).toBe('CONFLICT');
    expect(out[3].error.param).toBe('input');
    expect(out[4].result.label).toBe('positive');
  });
  it('reports invalid UTF-8 per line in a batch', async () => {
    const body = Buffer.concat([Buffer.from('{"input":"'), Buffer.from([0xff]), Buffer.from('"}\n{"input":"ok"}\n')]);
    const res = await app.request('/v1/tasks/sentiment/batch', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
    const out = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(out[0].error.message).toMatch(/UTF-8/);
    expect(out[1].result.label).toBe('positive');
  });
  it('reloads', async () => {
    expect(await (await app.request('/v1/tasks/reload', { method: 'POST' })).json()).toEqual({ tasks: 1 });
  });
  it('answers 503 when no task registry is configured', async () => {
    expect((await createApp({}).request('/v1/tasks')).status).toBe(503);
  });
});

describe('POST /v1/classify', () => {
  const engine = new FakeEngine();
  const app = createApp({ engine, tasks });
  it('scores labels zero-shot (vLLM shape)', async () => {
    const body = await (await app.request('/v1/classify', json({ input: ['a', 'b'], labels: ['x', 'y', 'z'] }))).json();
    expect(body.object).toBe('list');
    expect(body.data).toHaveLength(2);
    expect(body.data[0]).toMatchObject({ index: 0, label: 'x', num_classes: 3 });
    expect(body.data[0].probs.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 6);
    expect(body.usage).toEqual({ prompt_tokens: 14, total_tokens: 14, completion_tokens: 0 });
  });
  it('runs a classification pack named by model', async () => {
    const body = await (await app.request('/v1/classify', json({ model: 'sentiment', input: 'great' }))).json();
    expect(body.data).toEqual([{ index: 0, label: 'positive', probs: [0.9, 0.1], num_classes: 2 }]);
  });
});

describe('safety', () => {
  it('scans and masks, counting findings by rule in /metrics', async () => {
    const app = createApp({ safety });
    const scan = await (await app.request('/v1/safety/scan', json({ text: 'mail a@b.c and d@e.f' }))).json();
    expect(scan.findings).toHaveLength(2);
    expect(scan.findings[0]).toMatchObject({ ruleId: 'email', start: 5, end: 10 });
    const mask = await (await app.request('/v1/safety/mask', json({ text: 'mail a@b.c' }))).json();
    expect(mask.text).toBe('mail <EMAIL>');
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toContain('onramp_safety_findings_total{rule="email"} 3');
    expect(metrics).not.toContain('a@b.c');
  });
});

describe('admin adapters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onramp-adapters-'));
  const outside = mkdtempSync(join(tmpdir(), 'onramp-outside-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'a.gguf'), 'x');
  writeFileSync(join(outside, 'b.gguf'), 'x');
  symlinkSync(join(outside, 'b.gguf'), join(dir, 'link.gguf'));
  const loaded = new Map<string, AdapterInfo>();
  const adapters: AdapterService = {
    list: () => [...loaded.values()],
    async load(name, path, scale) {
      if (loaded.has(name)) throw new ConflictError(`adapter ${name} is already loaded`);
      const info = { name, path, scale };
      loaded.set(name, info);
      return info;
    },
    async unload(name) {
      if (!loaded.delete(name)) throw new NotFoundError('adapter', name);
    },
  };
  const app = createApp({ adapters, options: { adapterDirs: [dir] } });
  it('loads from an allowed directory (201), lists, conflicts (409) and unloads', async () => {
    const res = await app.request('/v1/adapters', json({ name: 'a', path: 'sub/a.gguf', scale: 0.5 }));
    expect(res.status).toBe(201);
    expect((await res.json()).scale).toBe(0.5);
    expect((await (await app.request('/v1/adapters')).json()).data).toHaveLength(1);
    expect((await app.request('/v1/adapters', json({ name: 'a', path: 'sub/a.gguf' }))).status).toBe(409);
    expect((await app.request('/v1/adapters/a', { method: 'DELETE' })).status).toBe(200);
    expect((await app.request('/v1/adapters/a', { method: 'DELETE' })).status).toBe(404);
  });
  it('DELETE /v1/adapters (the issue\'s path) unloads by body or query; /v1/adapters/{name} stays as an alias', async () => {
    const load = async (name: string) => expect((await app.request('/v1/adapters', json({ name, path: 'sub/a.gguf' }))).status).toBe(201);
    const del = (init: { body?: unknown; query?: string }) =>
      app.request(`/v1/adapters${init.query ?? ''}`, { method: 'DELETE', ...(init.body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) }) });
    await load('x');
    await load('y');
    let res = await del({ body: { name: 'x' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: 'x', deleted: true });
    expect((await del({ query: '?name=y' })).status).toBe(200);
    expect((await (await app.request('/v1/adapters')).json()).data).toEqual([]);
    res = await del({ body: { name: 'x' } });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NOT_FOUND');
    for (const bad of [{}, { body: {} }, { body: { name: 'a', extra: 1 } }, { body: { name: '../etc' } }, { body: { name: 'a' }, query: '?name=b' }]) {
      res = await del(bad);
      expect(res.status).toBe(400);
      expect((await res.json()).error.type).toBe('invalid_request_error');
    }
  });
  it('refuses paths outside the allowed directories, through .. or symlinks', async () => {
    for (const path of [join(outside, 'b.gguf'), '../' + outside.split('/').pop() + '/b.gguf', 'link.gguf']) {
      const res = await app.request('/v1/adapters', json({ name: 'b', path }));
      expect(res.status).toBe(403);
      expect((await res.json()).error.code).toBe('FORBIDDEN');
    }
    expect((await app.request('/v1/adapters', json({ name: 'c', path: 'missing.gguf' }))).status).toBe(404);
  });
  it('refuses every load when no directory is configured', async () => {
    const res = await createApp({ adapters }).request('/v1/adapters', json({ name: 'z', path: join(dir, 'sub', 'a.gguf') }));
    expect(res.status).toBe(403);
  });
});

describe('operations', () => {
  it('health, ready (503 without model or when the queue is saturated), metrics, openapi and docs', async () => {
    expect(await (await createApp({}).request('/health')).json()).toEqual({ status: 'ok', draining: false });
    expect((await createApp({}).request('/ready')).status).toBe(503);
    const engine = new FakeEngine({ queueCapacity: 2 });
    const app = createApp({ engine });
    expect((await app.request('/ready')).status).toBe(200);
    engine.queued = 2;
    expect((await app.request('/ready')).status).toBe(503);
    engine.queued = 0;
    await app.request('/v1/chat/completions', json({ messages: [{ role: 'user', content: 'hi' }] }));
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toContain('onramp_http_requests_total{method="POST",route="/v1/chat/completions",status="200"} 1');
    expect(metrics).toContain('onramp_completion_tokens_total 3');
    expect(metrics).toContain('onramp_busy_slots 0');
    expect(metrics).toContain('onramp_queue_depth 0');
    expect(metrics).toContain('onramp_generation_tokens_per_second_count');
    const doc = await (await app.request('/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/chat/completions', '/v1/completions', '/v1/embeddings', '/v1/classify', '/v1/tasks/{id}/batch', '/v1/safety/scan', '/v1/adapters', '/metrics']));
    expect(doc.components.schemas.ChatCompletionRequest).toBeDefined();
    const html = await (await app.request('/docs')).text();
    expect(html).toContain('/v1/chat/completions');
    expect(html).not.toMatch(/<script|https?:\/\/(?!.*openapi)/);
  });
});
