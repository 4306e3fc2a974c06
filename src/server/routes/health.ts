import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { UnavailableError } from '../../errors.js';
import type { ServerDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import type { Lifecycle } from '../lifecycle.js';
import type { ServerMetrics } from '../metrics.js';
import { errorResponses, jsonOk } from '../schemas/common.js';
import { modelId } from './util.js';

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Liveness: the process answers',
  tags: ['Operations'],
  responses: { 200: jsonOk(z.object({ status: z.literal('ok'), draining: z.boolean() })) },
});
const readyRoute = createRoute({
  method: 'get',
  path: '/ready',
  summary: 'Readiness: a model is loaded, the queue is not saturated and the server is not draining (503 otherwise)',
  tags: ['Operations'],
  responses: {
    200: jsonOk(z.object({ status: z.literal('ready'), model: z.string(), slots: z.number(), busy_slots: z.number(), queued: z.number(), queue_capacity: z.number() })),
    ...errorResponses,
  },
});
const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics',
  tags: ['Operations'],
  responses: { 200: { content: { 'text/plain': { schema: z.string() } }, description: 'Prometheus text format' }, ...errorResponses },
});

/**
 * Registers GET /health, /ready and /metrics.
 *
 * @example
 * registerHealth(app, deps, lifecycle, metrics)
 */
export function registerHealth(app: OpenAPIHono<AppEnv>, deps: ServerDeps, lifecycle: Lifecycle, metrics: ServerMetrics): void {
  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const, draining: lifecycle.draining }, 200));
  app.openapi(readyRoute, (c) => {
    if (lifecycle.draining) throw new UnavailableError('the server is shutting down', 5);
    if (!deps.engine) throw new UnavailableError('no model is loaded', 5);
    const s = deps.engine.stats();
    if (s.queueCapacity > 0 && s.queued >= s.queueCapacity) throw new UnavailableError('the request queue is saturated', 1);
    return c.json({ status: 'ready' as const, model: modelId(deps), slots: s.slots, busy_slots: s.busySlots, queued: s.queued, queue_capacity: s.queueCapacity }, 200);
  });
  app.openapi(metricsRoute, async (c) => {
    const text = await metrics.registry.metrics();
    return c.body(text, 200, { 'content-type': metrics.registry.contentType }) as never;
  });
}
