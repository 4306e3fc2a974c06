import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import type { ZodError } from 'zod';
import { InvalidArgumentError, NotFoundError, PayloadTooLargeError } from '../errors.js';
import type { ServerDeps } from './deps.js';
import { renderDocs } from './docs-page.js';
import type { AppEnv } from './env.js';
import { errorResponse } from './errors.js';
import { createLifecycle } from './lifecycle.js';
import { createMetrics } from './metrics.js';
import { bearerKeys } from './middleware/auth/index.js';
import { drain } from './middleware/drain/index.js';
import { rateLimit } from './middleware/rate-limit/index.js';
import { requestTimeout } from './middleware/timeout/index.js';
import { track } from './middleware/track/index.js';
import { utf8Body } from './middleware/utf8-body/index.js';
import { registerAdapters } from './routes/adapters.js';
import { registerGeneration } from './routes/chat.js';
import { registerClassify } from './routes/classify.js';
import { registerEmbeddings } from './routes/embeddings.js';
import { registerHealth } from './routes/health.js';
import { registerSafety } from './routes/safety.js';
import { registerTasks } from './routes/tasks.js';

/**
 * Paths that answer without an API key: liveness, readiness and the API description.
 *
 * @example
 * PUBLIC_PATHS.includes('/health') // true
 */
export const PUBLIC_PATHS = ['/health', '/ready', '/docs', '/openapi.json'];

const DEFAULT_BODY_LIMIT = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 120_000;

/** The first zod issue as a 400 naming the field. */
function validationError(error: ZodError): InvalidArgumentError {
  const issue = error.issues[0];
  if (!issue) return new InvalidArgumentError('body', 'invalid request');
  const keys = (issue as { keys?: string[] }).keys;
  if (issue.code === 'unrecognized_keys' && keys?.length) {
    const at = issue.path.length ? `${issue.path.join('.')}.` : '';
    return new InvalidArgumentError(`${at}${keys[0]}`, `unknown field${keys.length > 1 ? `s ${keys.join(', ')}` : ''}`);
  }
  return new InvalidArgumentError(issue.path.length ? issue.path.join('.') : 'body', issue.message);
}

/**
 * Builds the onramp HTTP app (OpenAI-compatible, task, safety, admin and operations routes) over the given
 * services. It never listens: serve it with `@hono/node-server`, or call `app.request()` in tests.
 *
 * @example
 * import { serve } from '@hono/node-server'
 * const app = createApp({ engine, options: { apiKeys: [process.env.KEY!] } })
 * serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 8787 })
 */
export function createApp(deps: ServerDeps): OpenAPIHono<AppEnv> {
  const opts = deps.options ?? {};
  const lifecycle = deps.lifecycle ?? createLifecycle();
  const metrics = createMetrics({ engine: () => deps.engine, lifecycle });
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error as unknown as ZodError);
    },
  });
  const maxBody = opts.bodyLimit ?? DEFAULT_BODY_LIMIT;

  app.use('*', track({ lifecycle, metrics, logger: deps.logger }));
  app.use('*', secureHeaders());
  if (opts.cors?.length)
    app.use('*', cors({ origin: opts.cors, allowHeaders: ['authorization', 'content-type'], allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'], maxAge: 600 }));
  app.use('*', drain(lifecycle, { allow: ['/health'] }));
  app.use('*', bearerKeys({ keys: opts.apiKeys ?? [], exempt: PUBLIC_PATHS }));
  app.use('/v1/*', rateLimit({ perMinute: opts.rateLimit ?? 0 }));
  app.use('*', bodyLimit({ maxSize: maxBody, onError: () => { throw new PayloadTooLargeError(maxBody); } }));
  app.use('*', utf8Body());
  app.use('*', requestTimeout(opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, lifecycle.hardStop));

  registerGeneration(app, deps);
  registerEmbeddings(app, deps);
  registerTasks(app, deps);
  registerClassify(app, deps);
  registerSafety(app, deps);
  registerAdapters(app, deps);
  registerHealth(app, deps, lifecycle, metrics);

  const info = {
    title: 'onramp',
    version: '0.1.0',
    description: 'OpenAI-compatible completions and embeddings, task packs with probabilities and explanations, safety scanning, LoRA admin.',
  };
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.doc('/openapi.json', { openapi: '3.0.0', info, security: opts.apiKeys?.length ? [{ bearer: [] }] : [] });
  let docsHtml: string | undefined;
  app.get('/docs', (c) => c.html((docsHtml ??= renderDocs(app.getOpenAPIDocument({ openapi: '3.0.0', info }) as unknown as Parameters<typeof renderDocs>[0]))));

  app.notFound((c) => errorResponse(c, new NotFoundError('route', `${c.req.method} ${c.req.path}`)));
  app.onError((err, c) => {
    const res = errorResponse(c, err);
    if (res.status >= 500 && res.status !== 503 && res.status !== 504) deps.logger?.error({ req: c.var.requestId, err: { name: (err as Error).name, code: (err as { code?: unknown }).code, stack: (err as Error).stack } }, 'unhandled route error');
    return res;
  });
  return app;
}
