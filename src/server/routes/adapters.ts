import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ServerDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { InvalidArgumentError } from '../../errors.js';
import { confinePath } from '../paths.js';
import { errorResponses, jsonBody, jsonOk, NameParam, notFound } from '../schemas/common.js';
import { requireService } from './util.js';

const AdapterSchema = z.object({ name: z.string(), path: z.string(), scale: z.number() }).openapi('Adapter');
const LoadSchema = z
  .strictObject({ name: NameParam, path: z.string().min(1).max(4096), scale: z.number().min(-10).max(10).optional() })
  .openapi('AdapterLoadRequest');
const NameParams = z.object({ name: NameParam.openapi({ param: { name: 'name', in: 'path' } }) });
const UnloadSchema = z.strictObject({ name: NameParam }).openapi('AdapterUnloadRequest');
const UnloadQuery = z.object({ name: NameParam.optional().openapi({ param: { name: 'name', in: 'query' } }) });
const Unloaded = z.object({ name: z.string(), deleted: z.boolean() });

const listRoute = createRoute({
  method: 'get',
  path: '/v1/adapters',
  summary: 'Admin: loaded LoRA adapters',
  tags: ['Admin'],
  responses: { 200: jsonOk(z.object({ object: z.literal('list'), data: z.array(AdapterSchema) })), ...errorResponses },
});
const loadRoute = createRoute({
  method: 'post',
  path: '/v1/adapters',
  summary: 'Admin: load a LoRA adapter from an allowed directory',
  tags: ['Admin'],
  request: jsonBody(LoadSchema),
  responses: { 201: jsonOk(AdapterSchema, 'Loaded'), 403: jsonOk(z.unknown(), 'Path outside the allowed directories'), 409: jsonOk(z.unknown(), 'Name taken'), ...notFound, ...errorResponses },
});
const unloadRoute = createRoute({
  method: 'delete',
  path: '/v1/adapters/{name}',
  summary: 'Admin: unload a LoRA adapter',
  tags: ['Admin'],
  request: { params: NameParams },
  responses: { 200: jsonOk(Unloaded), ...notFound, ...errorResponses },
});
const unloadByBodyRoute = createRoute({
  method: 'delete',
  path: '/v1/adapters',
  summary: 'Admin: unload a LoRA adapter named by `{"name"}` in the body or `?name=` (same as DELETE /v1/adapters/{name})',
  tags: ['Admin'],
  request: { query: UnloadQuery, body: { content: { 'application/json': { schema: UnloadSchema } }, required: false } },
  responses: { 200: jsonOk(Unloaded), ...notFound, ...errorResponses },
});

/**
 * Registers the LoRA admin routes: GET/POST/DELETE /v1/adapters (DELETE names the adapter in the body or the
 * query) and DELETE /v1/adapters/{name}. Paths are confined to `options.adapterDirs` (realpath-checked).
 *
 * @example
 * registerAdapters(app, { adapters, options: { adapterDirs: ['/srv/lora'] } })
 */
export function registerAdapters(app: OpenAPIHono<AppEnv>, deps: ServerDeps): void {
  app.openapi(listRoute, async (c) => {
    const adapters = requireService(deps.adapters, 'the LoRA registry');
    return c.json({ object: 'list' as const, data: await adapters.list() }, 200);
  });
  app.openapi(loadRoute, async (c) => {
    const adapters = requireService(deps.adapters, 'the LoRA registry');
    const body = c.req.valid('json');
    const real = await confinePath(body.path, deps.options?.adapterDirs ?? [], 'path');
    const info = await adapters.load(body.name, real, body.scale ?? 1);
    return c.json(info, 201);
  });
  app.openapi(unloadRoute, async (c) => {
    const adapters = requireService(deps.adapters, 'the LoRA registry');
    const { name } = c.req.valid('param');
    await adapters.unload(name);
    return c.json({ name, deleted: true }, 200);
  });
  app.openapi(unloadByBodyRoute, async (c) => {
    const adapters = requireService(deps.adapters, 'the LoRA registry');
    const fromQuery = c.req.valid('query').name;
    const fromBody = (c.req.valid('json') as { name?: string } | undefined)?.name;
    if (fromQuery !== undefined && fromBody !== undefined && fromQuery !== fromBody) throw new InvalidArgumentError('name', 'the body and the query name different adapters');
    const name = fromBody ?? fromQuery;
    if (name === undefined) throw new InvalidArgumentError('name', 'name the adapter to unload: {"name": "..."} in the body or ?name=');
    await adapters.unload(name);
    return c.json({ name, deleted: true }, 200);
  });
}
