/**
 * A response_format json_schema the grammar cannot enforce is a 422 GRAMMAR in the OpenAI envelope (not a 400 and
 * never a 500): the real Engine checks the schema (checkJsonSchema) before generating. stories260K, app.request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { Model } from '../../src/engine/Model.js';
import { createApp } from '../../src/server/app.js';
import { storiesPath } from './helpers.js';

let model: Model;
let engine: Engine;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  model = await Model.load(storiesPath);
  engine = await Engine.create(model, { parallel: 1, nCtx: 512, threads: 1 });
  app = createApp({ engine });
});
afterAll(async () => {
  await engine?.dispose();
  await model?.dispose();
});

const post = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const schemaFormat = (schema: Record<string, unknown>) => ({ type: 'json_schema', json_schema: { name: 'x', schema } });

describe('422 GRAMMAR for a json_schema the grammar cannot enforce', () => {
  it.each([
    ['numeric bounds on "number"', { type: 'number', minimum: 0 }, /numeric bounds/],
    ['an unsupported keyword', { type: 'object', properties: { n: { type: 'integer', multipleOf: 2 } } }, /"multipleOf" cannot be enforced/],
    ['an unanchored pattern', { type: 'string', pattern: '\\d+' }, /pattern/],
    ['a remote $ref', { $ref: 'https://example.com/schema.json' }, /local \$ref/],
  ])('%s: chat, chat stream and completions answer 422 with the envelope', async (_n, schema, message) => {
    const bodies = [
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, response_format: schemaFormat(schema) }],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, stream: true, response_format: schemaFormat(schema) }],
      ['/v1/completions', { prompt: 'hi', max_tokens: 4, response_format: schemaFormat(schema) }],
    ] as const;
    for (const [path, body] of bodies) {
      const res = await app.request(path, post(body));
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const json = (await res.json()) as { error: { message: string; type: string; code: string; param: string | null } };
      expect(Object.keys(json)).toEqual(['error']);
      expect(json.error).toMatchObject({ type: 'invalid_request_error', code: 'GRAMMAR', param: 'jsonSchema' });
      expect(json.error.message).toMatch(message);
    }
  });

  it('an enforceable schema on the same route is a 200 whose content parses and fits it', async () => {
    const res = await app.request('/v1/chat/completions', post({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 24, temperature: 0, response_format: schemaFormat({ type: 'object', properties: { n: { type: 'integer', minimum: 1, maximum: 9 } }, required: ['n'], additionalProperties: false }) }));
    expect(res.status).toBe(200);
    const content = ((await res.json()) as { choices: { message: { content: string }; finish_reason: string }[] }).choices[0]!;
    if (content.finish_reason === 'stop') {
      const v = JSON.parse(content.message.content) as { n: number };
      expect(Number.isInteger(v.n) && v.n >= 1 && v.n <= 9).toBe(true);
    } else {
      expect(content.message.content).toMatch(/^\{/);
    }
  });
});
