/**
 * Validates parsed model output against a JSON schema (through zod's JSON-schema import), with issues that
 * name the JSON path.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const cache = new WeakMap<object, z.ZodType>();

/**
 * Returns the issues of `value` against `schema` (empty when valid).
 *
 * @example
 * jsonSchemaIssues({ type: 'object', required: ['a'] }, {}) // ['(root): …']
 */
export function jsonSchemaIssues(schema: Record<string, unknown>, value: unknown): string[] {
  let s = cache.get(schema);
  if (!s) {
    try {
      s = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]) as z.ZodType;
    } catch (e) {
      throw new ConfigError(`unsupported JSON schema: ${(e as Error).message}`, { field: 'output.schema' });
    }
    cache.set(schema, s);
  }
  const r = s.safeParse(value);
  if (r.success) return [];
  return r.error.issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`);
}
