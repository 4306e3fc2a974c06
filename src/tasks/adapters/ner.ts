/**
 * ner: entities generated under a JSON schema (`{"entities":[{"text","label"}]}` with the pack's labels as an
 * enum), then aligned to the text: Hugging Face `{entity_group, score, word, start, end}` with exact offsets
 * into the caller's original text. Long inputs are chunked; entities found twice in overlaps are merged.
 * A pack's own `output.schema` (src/tasks/nerOutputSchema.ts) replaces the default schema and validates the output.
 * With a token head (pack `head` or `opts.head`), entities come from the head instead (src/tasks/nerHead.ts).
 */
import { baseExplanation, prepareInput } from '../prepare.js';
import { alignEntities, type EntityCandidate } from '../align.js';
import { generateFromPack, spanConfidence } from '../generation.js';
import { OutputValidationError } from '../../errors.js';
import type { TaskPack } from '../pack.js';
import { nerOutputIssues, withLabelEnum } from '../nerOutputSchema.js';
import { headFor } from '../head.js';
import { nerWithHead } from '../nerHead.js';
import type { Explanation, NerEntity, NerResult, RunTaskOptions, TaskInput } from '../types.js';

/**
 * The JSON schema NER output is generated under.
 *
 * @example
 * nerSchema(['PER', 'LOC']).properties.entities.items.properties.label.enum // ['PER', 'LOC']
 */
export function nerSchema(labels: readonly string[]) {
  return {
    type: 'object',
    properties: {
      entities: {
        type: 'array',
        items: {
          type: 'object',
          properties: { text: { type: 'string', minLength: 1 }, label: { type: 'string', enum: [...labels] } },
          required: ['text', 'label'],
          additionalProperties: false,
        },
      },
    },
    required: ['entities'],
    additionalProperties: false,
  } as const;
}

/** Parses the generated JSON into candidates with a confidence from the token logprobs of each item; `skip`: invalid items. */
function parseCandidates(raw: string, lps: Float64Array, labels: ReadonlySet<string>, skip?: ReadonlyMap<number, unknown>): EntityCandidate[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const list = (doc as { entities?: unknown })?.entities;
  if (!Array.isArray(list)) return undefined;
  const out: EntityCandidate[] = [];
  let cursor = 0;
  list.forEach((it, i) => {
    const o = it as { text?: unknown; label?: unknown };
    if (typeof o?.text !== 'string') return;
    const enc = JSON.stringify(o.text);
    const at = raw.indexOf(enc, cursor);
    const score = at >= 0 ? spanConfidence(lps, at, at + enc.length) : 1;
    if (at >= 0) cursor = at + enc.length;
    if (typeof o.label !== 'string' || !labels.has(o.label) || skip?.has(i)) return;
    out.push({ text: o.text, label: o.label, score });
  });
  return out;
}

const packSchemas = new WeakMap<TaskPack, Record<string, unknown>>();

/** The schema a pack's entities are generated under: its own output.schema (label enum filled in) or nerSchema. */
function generationSchema(pack: TaskPack, labels: readonly string[]): Record<string, unknown> {
  let s = packSchemas.get(pack);
  if (!s) {
    s = pack.output.schema ? withLabelEnum(pack.output.schema, labels) : (nerSchema(labels) as unknown as Record<string, unknown>);
    packSchemas.set(pack, s);
  }
  return s;
}

/** With a pack schema: per-item issues (those items are dropped) or a typed error for a document-level mismatch. */
function checkPackSchema(pack: TaskPack, schema: Record<string, unknown>, raw: string, explanation: Explanation): Map<number, string[]> | undefined {
  if (!pack.output.schema) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    return undefined; // not JSON: handled by the caller like any unparsable output
  }
  const { items, document } = nerOutputIssues(schema, doc);
  if (document.length) throw new OutputValidationError(`task ${pack.id}: output does not match output.schema: ${document.join('; ')}`, raw, { explanation, issues: document });
  const list = (doc as { entities: unknown[] }).entities;
  for (const [i, msgs] of items) {
    const o = list[i] as { text?: unknown; label?: unknown } | undefined;
    explanation.droppedEntities!.push({ text: typeof o?.text === 'string' ? o.text : '', label: typeof o?.label === 'string' ? o.label : '', reason: `does not match output.schema: ${msgs.join('; ')}` });
  }
  return items;
}

/**
 * Runs a ner pack on one input.
 *
 * @example
 * const r = await ner(pack, 'Angela Merkel visited Paris.', { engine })
 * r.entities // [{ entity_group: 'PER', word: 'Angela Merkel', start: 0, end: 13, score: 0.97 }, …]
 */
export async function ner(pack: TaskPack, input: TaskInput, opts: RunTaskOptions): Promise<NerResult> {
  // a token head (the pack's `head`, or opts.head / --head) replaces generation; any other head is a ConfigError
  const head = await headFor(pack, opts);
  if (head) return nerWithHead(pack, input, opts, head);
  const t0 = performance.now();
  const prep = prepareInput(pack, input, opts.engine);
  const explanation = baseExplanation(pack, prep);
  const labels = pack.labels.map((l) => l.name);
  const schema = generationSchema(pack, labels);
  const labelSet = new Set(labels);
  const found = new Map<string, NerEntity>();
  const raws: string[] = [];
  explanation.droppedEntities = [];
  for (const piece of prep.pieces) {
    const g = await generateFromPack(opts.engine, pack, piece.text, prep.fields, {
      jsonSchema: schema,
      maxTokens: pack.output.maxTokens,
      temperature: pack.output.temperature,
      logprobs: 1,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(pack.lora.length ? { lora: [...pack.lora] } : {}),
    });
    raws.push(g.text);
    explanation.tokens.prompt += g.result.usage.promptTokens;
    explanation.tokens.output += g.result.usage.completionTokens;
    explanation.timings.engineMs += g.ms;
    explanation.raw = raws.join('\n');
    const invalid = checkPackSchema(pack, schema, g.text, explanation);
    const candidates = parseCandidates(g.text, g.charLogprobs, labelSet, invalid);
    if (!candidates) {
      if (g.result.finishReason === 'length') {
        explanation.droppedEntities.push({ text: '', label: '', reason: 'output cut at maxTokens before the JSON closed' });
        continue;
      }
      throw new OutputValidationError(`task ${pack.id}: model output is not the entity JSON`, g.text, { explanation });
    }
    const { entities, dropped } = alignEntities(piece, candidates, pack.input.normalize);
    explanation.droppedEntities.push(...dropped);
    for (const e of entities) {
      if (e.score < pack.thresholds.entity) {
        explanation.droppedEntities.push({ text: e.word, label: e.label, reason: 'below thresholds.entity' });
        continue;
      }
      const key = `${e.start}:${e.end}:${e.label}`;
      const prev = found.get(key);
      if (!prev || prev.score < e.score) found.set(key, { entity_group: e.label, score: e.score, word: e.word, start: e.start, end: e.end });
    }
  }
  explanation.raw = raws.join('\n');
  explanation.timings.totalMs = performance.now() - t0;
  const entities = [...found.values()].sort((a, b) => a.start - b.start || a.end - b.end);
  return { kind: 'ner', entities, explanation };
}
