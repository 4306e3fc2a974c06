import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { InvalidArgumentError } from '../../errors.js';
import type { ServerDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { EmbeddingRequestSchema, EmbeddingResponseSchema, ModelListSchema } from '../schemas/openai.js';
import { errorResponses, jsonBody, jsonOk } from '../schemas/common.js';
import { modelId, nowSeconds, requireEngine } from './util.js';

const embeddingsRoute = createRoute({
  method: 'post',
  path: '/v1/embeddings',
  summary: 'OpenAI embeddings (float or base64)',
  tags: ['OpenAI'],
  request: jsonBody(EmbeddingRequestSchema),
  responses: { 200: jsonOk(EmbeddingResponseSchema, 'Embeddings'), ...errorResponses },
});

const modelsRoute = createRoute({
  method: 'get',
  path: '/v1/models',
  summary: 'The loaded model',
  tags: ['OpenAI'],
  responses: { 200: jsonOk(ModelListSchema, 'Models'), ...errorResponses },
});

/** Float32 little-endian bytes, base64 (OpenAI's `encoding_format: "base64"`). */
function toBase64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

/**
 * Registers POST /v1/embeddings and GET /v1/models.
 *
 * @example
 * registerEmbeddings(app, { engine })
 */
export function registerEmbeddings(app: OpenAPIHono<AppEnv>, deps: ServerDeps): void {
  app.openapi(embeddingsRoute, async (c) => {
    const body = c.req.valid('json');
    const engine = requireEngine(deps);
    const raw = body.input;
    let inputs: string[];
    if (typeof raw === 'string') inputs = [raw];
    else if (raw.length > 0 && typeof raw[0] === 'number') inputs = [engine.detokenize(raw as number[])];
    else if (raw.length > 0 && Array.isArray(raw[0])) inputs = (raw as number[][]).map((t) => engine.detokenize(t));
    else inputs = raw as string[];
    const results = await engine.embed(inputs, { signal: c.var.signal, ...(body.lora ? { lora: body.lora.map((l) => (l.scale === undefined ? { name: l.name } : { name: l.name, scale: l.scale })) } : {}) });
    let tokens = 0;
    const data = results.map((r, index) => {
      tokens += r.tokens;
      if (Array.isArray(r.embedding)) throw new InvalidArgumentError('input', 'the model has no pooling; per-token embeddings are not served here');
      let vec = r.embedding;
      if (body.dimensions !== undefined) {
        if (body.dimensions > vec.length) throw new InvalidArgumentError('dimensions', `must be at most ${vec.length}`);
        vec = vec.subarray(0, body.dimensions);
        let n = 0;
        for (const x of vec) n += x * x;
        n = Math.sqrt(n) || 1;
        vec = vec.map((x) => x / n);
      }
      return { object: 'embedding' as const, index, embedding: body.encoding_format === 'base64' ? toBase64(vec) : Array.from(vec) };
    });
    return c.json({ object: 'list' as const, data, model: modelId(deps), usage: { prompt_tokens: tokens, total_tokens: tokens } }, 200);
  });

  app.openapi(modelsRoute, (c) => {
    const e = deps.engine;
    const data = e
      ? [
          {
            id: modelId(deps),
            object: 'model' as const,
            created: nowSeconds(),
            owned_by: 'onramp',
            meta: {
              architecture: e.modelInfo.architecture,
              parameters: e.modelInfo.parameters,
              file_type: e.modelInfo.fileType,
              context_length: e.modelInfo.contextLength,
              embedding_length: e.modelInfo.embeddingLength,
              vocab_size: e.modelInfo.vocabSize,
            },
          },
        ]
      : [];
    return c.json({ object: 'list' as const, data }, 200);
  });
}
