import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { InvalidArgumentError, OnrampError, SafetyBlockedError } from '../../errors.js';
import type { ServerDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { toHttpError } from '../errors.js';
import type { GuardTraceEntry } from '../guard.js';
import { newId } from '../openai.js';
import { errorResponses, jsonBody, jsonOk, notFound } from '../schemas/common.js';
import { ClassifyRequestSchema, ClassifyResponseSchema } from '../schemas/tasks.js';
import { modelId, nowSeconds, requireEngine } from './util.js';
import { countTaskFindings } from './tasks.js';
import { countFindings } from './generation.js';

const classifyRoute = createRoute({
  method: 'post',
  path: '/v1/classify',
  summary: 'vLLM-style classification: a task pack (model = task id) or zero-shot over `labels`',
  tags: ['Tasks'],
  request: jsonBody(ClassifyRequestSchema),
  responses: { 200: jsonOk(ClassifyResponseSchema), ...notFound, ...errorResponses },
});

const DEFAULT_PROMPT = 'Classify the text into one of these labels: {labels}.\nText: {input}\nLabel:';

interface LabelProbs {
  labels: string[];
  probs: number[];
}

/**
 * Reads label probabilities out of a task result, whichever common shape the pack returns:
 * an explanation's `labelProbabilities` record (pack label order), `{labels, probs}`, `{scores: [{label, score}]}`,
 * or a Hugging Face style `[{label, score}]` list.
 *
 * @example
 * labelProbs([{ label: 'pos', score: 0.9 }, { label: 'neg', score: 0.1 }]) // { labels: ['pos', 'neg'], probs: [0.9, 0.1] }
 */
export function labelProbs(result: unknown): LabelProbs | undefined {
  const fromPairs = (xs: unknown): LabelProbs | undefined => {
    if (!Array.isArray(xs) || xs.length === 0) return undefined;
    const ok = xs.every((x) => typeof x === 'object' && x !== null && typeof (x as { label?: unknown }).label === 'string' && typeof (x as { score?: unknown }).score === 'number');
    if (!ok) return undefined;
    const pairs = xs as { label: string; score: number }[];
    return { labels: pairs.map((p) => p.label), probs: pairs.map((p) => p.score) };
  };
  if (Array.isArray(result)) return fromPairs(result);
  if (typeof result !== 'object' || result === null) return undefined;
  const r = result as Record<string, unknown>;
  const rec = r['labelProbabilities'];
  if (typeof rec === 'object' && rec !== null && !Array.isArray(rec) && Object.values(rec).every((v) => typeof v === 'number'))
    return { labels: Object.keys(rec), probs: Object.values(rec) as number[] };
  if (Array.isArray(r['labels']) && Array.isArray(r['probs'])) return { labels: r['labels'] as string[], probs: r['probs'] as number[] };
  return fromPairs(r['scores']) ?? fromPairs(r['all']) ?? fromPairs(r['labels']);
}

/** A zero-shot input trace entry: `field` names the request field its spans index into (`input`, `input.N`, `prompt`). */
export type ClassifyTraceEntry = Omit<GuardTraceEntry, 'message'> & { field: string };

/** The texts a zero-shot request scores after input safety, and the trace (undefined when safety is off). */
interface ZeroShotSafety {
  inputs: string[];
  prompt: string | undefined;
  trace?: ClassifyTraceEntry[];
}

/**
 * Input safety for zero-shot classification, as on /v1/chat/completions: the server's guard (its policy with the
 * `routes['/v1/classify']` overrides) over every input and a custom `prompt`, unless `options.generationSafety` is
 * false. Transform actions rewrite the scored text; a block answers the same 400 SAFETY_BLOCKED (never the value).
 *
 * @example
 * const s = zeroShotSafety(c, deps, ['call 13812345678'], undefined, false) // { inputs: ['call <PHONE_1>'], ... }
 */
function zeroShotSafety(c: Context<AppEnv>, deps: ServerDeps, inputs: string[], prompt: string | undefined, many: boolean): ZeroShotSafety | Response {
  const factory = deps.safety?.guard;
  if (!factory || deps.options?.generationSafety === false) return { inputs, prompt };
  const texts = prompt === undefined ? inputs : [...inputs, prompt];
  const g = factory(texts, { route: '/v1/classify', messages: true });
  const fieldOf = (i: number): string => (i >= inputs.length ? 'prompt' : many ? `input.${i}` : 'input');
  const trace = g.trace.map(({ message, ...e }) => ({ ...e, field: fieldOf(message ?? 0) }));
  countFindings(c, g.rules);
  if (g.block) {
    const { status, body } = toHttpError(new SafetyBlockedError(g.block.ruleId, g.block.reason, { param: fieldOf(g.block.message ?? 0) }));
    c.var.logger?.info({ req: c.var.requestId, rule: g.block.ruleId, stage: 'input' }, 'classify input blocked by the safety policy');
    return c.json({ ...body, explanation: { safety: trace } }, status as 400);
  }
  return { inputs: g.texts.slice(0, inputs.length), prompt: prompt === undefined ? undefined : g.texts[inputs.length], trace };
}

function argmax(xs: number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if ((xs[i] ?? -Infinity) > (xs[best] ?? -Infinity)) best = i;
  return best;
}

/**
 * Registers POST /v1/classify. With `labels`, scores them zero-shot in one engine pass per input (real
 * probabilities, not sampled text), after the server's input safety (as chat; `explanation.safety` in the answer);
 * otherwise `model` names a classification task pack (the task layer's safety).
 *
 * @example
 * // {"input": "great film", "labels": ["positive", "negative"]}
 * registerClassify(app, { engine, tasks })
 */
export function registerClassify(app: OpenAPIHono<AppEnv>, deps: ServerDeps): void {
  app.openapi(classifyRoute, async (c) => {
    const body = c.req.valid('json');
    const inputs = typeof body.input === 'string' ? [body.input] : body.input;
    const data: { index: number; label: string; probs: number[]; num_classes: number }[] = [];
    let promptTokens = 0;
    let safetyTrace: ClassifyTraceEntry[] | undefined;
    if (body.labels) {
      const engine = requireEngine(deps);
      const labels = body.labels;
      if (new Set(labels).size !== labels.length) throw new InvalidArgumentError('labels', 'labels must be unique');
      const safe = zeroShotSafety(c, deps, inputs, body.prompt, typeof body.input !== 'string');
      if (safe instanceof Response) return safe as never;
      safetyTrace = safe.trace;
      const template = safe.prompt ?? DEFAULT_PROMPT;
      const results = await Promise.all(
        safe.inputs.map((input) => engine.score(template.replaceAll('{labels}', labels.join(', ')).replaceAll('{input}', input), labels.map((l) => ` ${l}`), { signal: c.var.signal })),
      );
      results.forEach((r, index) => {
        promptTokens += r.prefixTokens;
        data.push({ index, label: labels[argmax(r.probs)] ?? '', probs: r.probs, num_classes: labels.length });
      });
    } else {
      const taskId = body.model;
      if (!deps.tasks || !taskId || taskId === modelId(deps))
        throw new InvalidArgumentError('labels', 'give `labels` for zero-shot classification, or set `model` to a classification task id');
      const tasks = deps.tasks;
      const outs = await Promise.all(inputs.map((input) => tasks.run(taskId, input, { signal: c.var.signal, route: '/v1/classify' })));
      for (const o of outs) countTaskFindings(c, o.explanation);
      outs.forEach((o, index) => {
        const lp = labelProbs(o.explanation) ?? labelProbs(o.result);
        if (!lp) throw new OnrampError('INVALID_ARGUMENT', `task ${taskId} does not return label probabilities`, { param: 'model' });
        data.push({ index, label: lp.labels[argmax(lp.probs)] ?? '', probs: lp.probs, num_classes: lp.labels.length });
      });
    }
    return c.json(
      {
        id: newId('classify'),
        object: 'list' as const,
        created: nowSeconds(),
        model: body.model ?? modelId(deps),
        data,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens, completion_tokens: 0 },
        ...(safetyTrace ? { explanation: { safety: safetyTrace } } : {}),
      },
      200,
    );
  });
}
