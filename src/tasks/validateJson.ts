/**
 * Validates parsed model output against a JSON schema (through zod's JSON-schema import), with issues that
 * name the JSON path.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';

const cache = new WeakMap<object, z.ZodType>();

/** One schema issue: where (path into the value) and what. */
export interface JsonSchemaIssue {
  path: (string | number)[];
  message: string;
}

/**
 * The issues of `value` against `schema` with their paths (empty when valid).
 *
 * @example
 * jsonSchemaIssueList({ type: 'object', properties: { a: { type: 'string' } } }, { a: 1 })[0].path // ['a']
 */
export function jsonSchemaIssueList(schema: Record<string, unknown>, value: unknown): JsonSchemaIssue[] {
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
  return r.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === 'number' ? p : String(p))), message: i.message }));
}

/**
 * Returns the issues of `value` against `schema` (empty when valid).
 *
 * @example
 * jsonSchemaIssues({ type: 'object', required: ['a'] }, {}) // ['(root): …']
 */
export function jsonSchemaIssues(schema: Record<string, unknown>, value: unknown): string[] {
  return jsonSchemaIssueList(schema, value).map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`);
}
