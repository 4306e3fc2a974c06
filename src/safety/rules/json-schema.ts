import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import type { Finding, Rule } from '../types.js';

/**
 * Extracts the JSON document of a model answer: the whole text, a ```json fence, or the outermost {...} / [...].
 *
 * @example
 * extractJson('Result: {"a": 1} done') // '{"a": 1}'
 */
export function extractJson(text: string): string | undefined {
  const t = text.trim();
  if (t.startsWith('{') || t.startsWith('[')) return t;
  const fence = /```(?:json)?\s*\n?([\s\S]*?)```/i.exec(t);
  if (fence) return fence[1]!.trim();
  const a = t.search(/[{[]/);
  const b = Math.max(t.lastIndexOf('}'), t.lastIndexOf(']'));
  return a >= 0 && b > a ? t.slice(a, b + 1) : undefined;
}

/**
 * Output rule: the answer must be JSON valid against a JSON schema (extraction output). The schema is compiled once
 * with zod's `z.fromJSONSchema`. A violation is one finding over the whole text; the evidence lists the failing
 * paths and issue codes, never the values. Options: `{ schema: object }`.
 *
 * @example
 * const r = createJsonSchemaRule({ schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } })
 * r.scan('{"name": 3}', { stage: 'output' })[0]?.evidence // 'schema:name:invalid_type'
 */
export function createJsonSchemaRule(opts: { schema?: unknown } = {}): Rule {
  let schema: z.ZodType | undefined;
  if (opts.schema !== undefined) {
    try {
      schema = z.fromJSONSchema(opts.schema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (e) {
      throw new ConfigError(`invalid JSON schema: ${(e as Error).message}`, { field: 'rules.json-schema.options.schema' });
    }
  }
  return {
    id: 'json-schema',
    version: '1',
    category: 'output',
    languages: ['*'],
    entities: ['SCHEMA_VIOLATION'],
    stages: ['output'],
    raw: true,
    scan(text: string): Finding[] {
      if (!schema) return [];
      const whole = (evidence: string): Finding[] => [{ start: 0, end: text.length, entity: 'SCHEMA_VIOLATION', score: 1, ruleId: 'json-schema', evidence }];
      const doc = extractJson(text);
      if (doc === undefined) return whole('no-json');
      let value: unknown;
      try {
        value = JSON.parse(doc);
      } catch {
        return whole('parse-error');
      }
      const r = schema.safeParse(value);
      if (r.success) return [];
      const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '$'}:${i.code}`);
      return whole(`schema:${issues.join(',')}`);
    },
  };
}
