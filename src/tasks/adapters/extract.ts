/**
 * extract: JSON-schema-constrained generation, parsed and validated. Output that does not parse or does not
 * match the schema is an OutputValidationError whose details hold the raw output and the explanation.
 */
import { OutputValidationError } from '../../errors.js';
import { baseExplanation, prepareInput } from '../prepare.js';
import { generateFromPack } from '../generation.js';
import { jsonSchemaIssues } from '../validateJson.js';
import type { TaskPack } from '../pack.js';
import type { ExtractResult, RunTaskOptions, TaskInput } from '../types.js';

/**
 * Runs an extract pack on one input.
 *
 * @example
 * const r = await extract(pack, 'Table for 4 tomorrow at 7pm, name Smith', { engine })
 * r.data // { people: 4, date: 'tomorrow', time: '7pm', last_name: 'Smith' }
 */
export async function extract(pack: TaskPack, input: TaskInput, opts: RunTaskOptions): Promise<ExtractResult> {
  const t0 = performance.now();
  const prep = prepareInput(pack, input, opts.engine);
  const explanation = baseExplanation(pack, prep);
  const schema = pack.output.schema as Record<string, unknown>;
  const g = await generateFromPack(opts.engine, pack, prep.pieces.map((p) => p.text).join(' '), prep.fields, {
    jsonSchema: schema,
    maxTokens: pack.output.maxTokens,
    temperature: pack.output.temperature,
    ...(pack.output.stop ? { stop: [...pack.output.stop] } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(pack.lora.length ? { lora: [...pack.lora] } : {}),
  });
  explanation.tokens.prompt = g.result.usage.promptTokens;
  explanation.tokens.output = g.result.usage.completionTokens;
  explanation.timings.engineMs = g.ms;
  explanation.raw = g.text;
  explanation.timings.totalMs = performance.now() - t0;
  let data: unknown;
  try {
    data = JSON.parse(g.text);
  } catch (e) {
    throw new OutputValidationError(`task ${pack.id}: model output is not JSON (${(e as Error).message}; finish: ${g.result.finishReason})`, g.text, { explanation });
  }
  const issues = jsonSchemaIssues(schema, data);
  if (issues.length) throw new OutputValidationError(`task ${pack.id}: output does not match the schema: ${issues.join('; ')}`, g.text, { explanation, issues });
  return { kind: 'extract', data, explanation };
}
