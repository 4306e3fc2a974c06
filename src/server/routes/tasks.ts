import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { stream as honoStream } from 'hono/streaming';
import { InvalidArgumentError, NotFoundError } from '../../errors.js';
import type { ServerDeps, TaskService } from '../deps.js';
import type { AppEnv } from '../env.js';
import { toHttpError } from '../errors.js';
import { errorResponses, jsonBody, jsonOk, notFound } from '../schemas/common.js';
import { TaskIdParams, TaskListSchema, TaskRunRequestSchema, TaskRunResponseSchema, TaskSummarySchema } from '../schemas/tasks.js';
import { readLines } from '../jsonl.js';
import { requireService } from './util.js';
import { countFindings } from './generation.js';

const listRoute = createRoute({ method: 'get', path: '/v1/tasks', summary: 'List task packs', tags: ['Tasks'], responses: { 200: jsonOk(TaskListSchema), ...errorResponses } });
const getRoute = createRoute({
  method: 'get',
  path: '/v1/tasks/{id}',
  summary: 'Describe one task pack',
  tags: ['Tasks'],
  request: { params: TaskIdParams },
  responses: { 200: jsonOk(TaskSummarySchema), ...notFound, ...errorResponses },
});
const runRoute = createRoute({
  method: 'post',
  path: '/v1/tasks/{id}',
  summary: 'Run a task pack on one input: result + explanation',
  tags: ['Tasks'],
  request: { params: TaskIdParams, ...jsonBody(TaskRunRequestSchema) },
  responses: { 200: jsonOk(TaskRunResponseSchema), ...notFound, ...errorResponses },
});
const batchRoute = createRoute({
  method: 'post',
  path: '/v1/tasks/{id}/batch',
  summary: 'Run a task pack over JSONL ({"input": ...} per line); streams one JSON line per input, errors per line',
  tags: ['Tasks'],
  request: {
    params: TaskIdParams,
    body: { content: { 'application/x-ndjson': { schema: z.string() } }, required: true },
  },
  responses: { 200: { content: { 'application/x-ndjson': { schema: z.string() } }, description: 'One result or error per input line, in order' }, ...notFound, ...errorResponses },
});
const reloadRoute = createRoute({
  method: 'post',
  path: '/v1/tasks/reload',
  summary: 'Admin: re-read the task directory',
  tags: ['Admin'],
  responses: { 200: jsonOk(z.object({ tasks: z.number(), errors: z.array(z.string()).optional() })), ...errorResponses },
});

const BATCH_WINDOW = 4;

/**
 * Counts the safety findings of a task run in /metrics: one per span of each `explanation.safety` entry (rule
 * ids only, never values).
 *
 * @example
 * countTaskFindings(c, out.explanation)
 */
export function countTaskFindings(c: Parameters<typeof countFindings>[0], explanation: unknown): void {
  const trace = (explanation as { safety?: unknown } | undefined)?.safety;
  if (!Array.isArray(trace)) return;
  const rules: string[] = [];
  for (const e of trace as { ruleId?: unknown; spans?: unknown }[]) {
    if (typeof e?.ruleId !== 'string') continue;
    const n = Array.isArray(e.spans) ? Math.max(1, e.spans.length) : 1;
    for (let i = 0; i < n; i++) rules.push(e.ruleId);
  }
  countFindings(c, rules);
}

async function mustGet(tasks: TaskService, id: string): Promise<void> {
  if (!(await tasks.get(id))) throw new NotFoundError('task', id);
}

/**
 * Registers the task routes: list, describe, run, batch (JSONL streamed) and admin reload.
 *
 * @example
 * registerTasks(app, { tasks })
 */
export function registerTasks(app: OpenAPIHono<AppEnv>, deps: ServerDeps): void {
  app.openapi(reloadRoute, async (c) => {
    const tasks = requireService(deps.tasks, 'the task registry');
    if (!tasks.reload) throw new InvalidArgumentError('tasks', 'this task registry cannot be reloaded');
    return c.json(await tasks.reload(), 200);
  });

  app.openapi(listRoute, async (c) => {
    const tasks = requireService(deps.tasks, 'the task registry');
    return c.json({ object: 'list' as const, data: await tasks.list() }, 200);
  });

  app.openapi(getRoute, async (c) => {
    const tasks = requireService(deps.tasks, 'the task registry');
    const { id } = c.req.valid('param');
    const t = await tasks.get(id);
    if (!t) throw new NotFoundError('task', id);
    return c.json(t, 200);
  });

  app.openapi(runRoute, async (c) => {
    const tasks = requireService(deps.tasks, 'the task registry');
    const { id } = c.req.valid('param');
    const { input, explain } = c.req.valid('json');
    await mustGet(tasks, id);
    const out = await tasks.run(id, input, { signal: c.var.signal, route: '/v1/tasks/{id}', ...(explain === undefined ? {} : { explain }) });
    countTaskFindings(c, out.explanation);
    return c.json({ task: id, result: out.result, ...(out.explanation === undefined ? {} : { explanation: out.explanation }) }, 200);
  });

  app.openapi(batchRoute, async (c) => {
      const tasks = requireService(deps.tasks, 'the task registry');
      const { id } = c.req.valid('param');
      await mustGet(tasks, id);
      const body = c.req.raw.body;
      if (!body) throw new InvalidArgumentError('body', 'expected JSON lines');
      c.var.clearDeadline();
      const signal = c.var.signal;
      c.header('content-type', 'application/x-ndjson');
      return honoStream(c, async (out) => {
        const runLine = async (n: number, line: string | Error): Promise<string> => {
          try {
            if (line instanceof Error) throw line;
            let item: unknown;
            try {
              item = JSON.parse(line);
            } catch {
              throw new InvalidArgumentError('line', 'not valid JSON');
            }
            if (typeof item !== 'object' || item === null || !('input' in item)) throw new InvalidArgumentError('input', 'each line must be an object with an "input" field');
            const ref = (item as { id?: unknown }).id;
            const r = await tasks.run(id, (item as { input: unknown }).input, { signal, route: '/v1/tasks/{id}/batch' });
            countTaskFindings(c, r.explanation);
            return JSON.stringify({ line: n, ...(ref === undefined ? {} : { id: ref }), result: r.result, ...(r.explanation === undefined ? {} : { explanation: r.explanation }) });
          } catch (e) {
            return JSON.stringify({ line: n, ...toHttpError(e).body });
          }
        };
        const pending: Promise<string>[] = [];
        let n = 0;
        for await (const line of readLines(body)) {
          if (signal.aborted) break;
          n++;
          pending.push(runLine(n, line));
          if (pending.length >= BATCH_WINDOW) await out.write(`${await pending.shift()}\n`);
        }
        for (const p of pending) await out.write(`${await p}\n`);
      }) as never;
  });
}
