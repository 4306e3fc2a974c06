import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, FileError } from '../errors.js';
import { DEFAULT_POLICY } from './default-policy.js';
import { RULE_FACTORIES } from './registry.js';
import { SAFETY_ACTIONS } from './types.js';

const Score = z.number().min(0).max(1);
const Action = z.enum(SAFETY_ACTIONS);

const RuleConfigSchema = z.strictObject({
  enabled: z.boolean().optional(),
  threshold: Score.optional(),
  /** Action for every entity of this rule that has no entity-level action. */
  action: Action.optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

const EntityConfigSchema = z.strictObject({
  action: Action.optional(),
  threshold: Score.optional(),
  /** Findings scoring at least this are blocked whatever the action. */
  blockAt: Score.optional(),
  /** Whether placeholders of this entity may be restored in the model's answer (default true). */
  restore: z.boolean().optional(),
  /** mask: how many trailing characters stay visible (default operators.mask.keepLast). */
  keepLast: z.number().int().min(0).max(64).optional(),
});

const OperatorsSchema = z.strictObject({
  mask: z.strictObject({ char: z.string().length(1).optional(), keepLast: z.number().int().min(0).max(64).optional() }).optional(),
  redact: z.strictObject({ with: z.string().max(64).optional() }).optional(),
  hash: z
    .strictObject({
      /** HMAC key (prefer keyEnv so the key stays out of policy files). */
      key: z.string().min(16).optional(),
      /** Environment variable holding the HMAC key (default ONRAMP_SAFETY_HMAC_KEY). */
      keyEnv: z.string().optional(),
      /** Hex characters of the digest kept (default 16). */
      length: z.number().int().min(8).max(64).optional(),
    })
    .optional(),
});

const OverridesShape = {
  threshold: Score.optional(),
  /** Action for PII/secret entities without an entity or rule action. */
  defaultAction: Action.optional(),
  rules: z.record(z.string(), RuleConfigSchema).optional(),
  entities: z.record(z.string(), EntityConfigSchema).optional(),
  operators: OperatorsSchema.optional(),
};
const OverridesSchema = z.strictObject(OverridesShape);

/** The policy file schema (JSON or YAML). */
export const SafetyPolicySchema = z.strictObject({
  version: z.literal(1),
  name: z.string().min(1),
  description: z.string().optional(),
  ...OverridesShape,
  /** Overrides per task pack name. */
  tasks: z.record(z.string(), OverridesSchema).optional(),
  /** Overrides per HTTP route (e.g. `/v1/safety/scan`). */
  routes: z.record(z.string(), OverridesSchema).optional(),
});

/** A validated safety policy. */
export type SafetyPolicy = z.infer<typeof SafetyPolicySchema>;
/** Per task / per route overrides. */
export type PolicyOverrides = z.infer<typeof OverridesSchema>;
export type RuleConfig = z.infer<typeof RuleConfigSchema>;
export type EntityConfig = z.infer<typeof EntityConfigSchema>;

/** A policy with its task/route overrides applied: what the scanner runs. */
export interface ResolvedPolicy {
  name: string;
  threshold: number;
  defaultAction: z.infer<typeof Action>;
  rules: Record<string, RuleConfig>;
  entities: Record<string, EntityConfig>;
  operators: NonNullable<PolicyOverrides['operators']>;
}

/**
 * Validates a policy object (parsed JSON/YAML) and checks that every rule id exists. `file` names the source in
 * errors.
 *
 * @example
 * const p = parsePolicy({ version: 1, name: 'strict', rules: { email: {} }, entities: { EMAIL: { action: 'redact' } } })
 */
export function parsePolicy(value: unknown, file?: string): SafetyPolicy {
  const r = SafetyPolicySchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ConfigError(issue.message, { ...(file ? { file } : {}), field: issue.path.join('.') || '(root)' });
  }
  const check = (o: PolicyOverrides | undefined, where: string): void => {
    for (const id of Object.keys(o?.rules ?? {})) {
      if (!(id in RULE_FACTORIES)) throw new ConfigError(`unknown rule id (known: ${Object.keys(RULE_FACTORIES).join(', ')})`, { ...(file ? { file } : {}), field: `${where}rules.${id}` });
    }
  };
  check(r.data, '');
  for (const [k, o] of Object.entries(r.data.tasks ?? {})) check(o, `tasks.${k}.`);
  for (const [k, o] of Object.entries(r.data.routes ?? {})) check(o, `routes.${k}.`);
  return r.data;
}

/**
 * Reads a policy file: `.json`, or YAML (`.yaml`/`.yml`, and anything else) through the `yaml` package.
 *
 * @example
 * const policy = loadPolicy('models/policies/default.yaml')
 * scan('call 13812345678', policy)
 */
export function loadPolicy(file: string): SafetyPolicy {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new FileError('FILE_IS_DIRECTORY', file, 'policy path is a directory');
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof FileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', file, 'cannot read policy', e);
  }
  let value: unknown;
  try {
    value = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(`not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`, { file });
  }
  return parsePolicy(value, file);
}

function mergeRecord<T extends object>(a: Record<string, T> | undefined, b: Record<string, T> | undefined): Record<string, T> {
  const out: Record<string, T> = { ...(a ?? {}) };
  for (const [k, v] of Object.entries(b ?? {})) out[k] = { ...(out[k] ?? {}), ...v } as T;
  return out;
}

function applyOverrides(base: ResolvedPolicy, o: PolicyOverrides | undefined): ResolvedPolicy {
  if (!o) return base;
  return {
    name: base.name,
    threshold: o.threshold ?? base.threshold,
    defaultAction: o.defaultAction ?? base.defaultAction,
    rules: mergeRecord(base.rules, o.rules),
    entities: mergeRecord(base.entities, o.entities),
    operators: {
      mask: { ...base.operators.mask, ...o.operators?.mask },
      redact: { ...base.operators.redact, ...o.operators?.redact },
      hash: { ...base.operators.hash, ...o.operators?.hash },
    },
  };
}

/**
 * Applies the task pack and route overrides of a policy (route wins over task, task over the base).
 *
 * @example
 * resolvePolicy(policy, { task: 'extract-invoice', route: '/v1/safety/mask' }).rules['json-schema']
 */
export function resolvePolicy(policy: SafetyPolicy, opts: { task?: string; route?: string } = {}): ResolvedPolicy {
  let r: ResolvedPolicy = {
    name: policy.name,
    threshold: policy.threshold ?? 0.5,
    defaultAction: policy.defaultAction ?? 'placeholder',
    rules: mergeRecord({}, policy.rules),
    entities: mergeRecord({}, policy.entities),
    operators: { mask: { ...policy.operators?.mask }, redact: { ...policy.operators?.redact }, hash: { ...policy.operators?.hash } },
  };
  if (opts.task !== undefined) r = applyOverrides(r, policy.tasks?.[opts.task]);
  if (opts.route !== undefined) r = applyOverrides(r, policy.routes?.[opts.route]);
  return r;
}

/** The built-in default policy (the same content as models/policies/default.yaml), validated. */
export function defaultPolicy(): SafetyPolicy {
  return parsePolicy(DEFAULT_POLICY, 'builtin:default');
}

const sections = (p: SafetyPolicy): PolicyOverrides[] => [p, ...Object.values(p.tasks ?? {}), ...Object.values(p.routes ?? {})];

/**
 * True when a rule is on for some selection of a policy: the base, any task, any route, or any task with any route
 * (resolved as `resolvePolicy` does). Used to decide whether a hook (NER) must be provided.
 *
 * @example
 * policyEnablesRule(parsePolicy({ version: 1, name: 'p', routes: { '/v1/safety/scan': { rules: { 'ner-entities': {} } } } }), 'ner-entities') // true
 */
export function policyEnablesRule(policy: SafetyPolicy | undefined, id: string): boolean {
  const p = policy ?? defaultPolicy();
  if (!sections(p).some((o) => o.rules?.[id] !== undefined)) return false;
  const tasks = [undefined, ...Object.keys(p.tasks ?? {})];
  const routes = [undefined, ...Object.keys(p.routes ?? {})];
  return tasks.some((task) =>
    routes.some((route) => {
      const r = resolvePolicy(p, { ...(task === undefined ? {} : { task }), ...(route === undefined ? {} : { route }) }).rules[id];
      return r !== undefined && r.enabled !== false;
    }),
  );
}

/**
 * A copy of a policy with rules turned off everywhere (base, every task and route override that lists them), for
 * the synchronous stages that cannot run an async rule such as `ner-entities`.
 *
 * @example
 * compilePolicy(withoutRules(policyWithNer, ['ner-entities'])) // no NER hook needed
 */
export function withoutRules(policy: SafetyPolicy, ids: readonly string[]): SafetyPolicy {
  const off = (o: PolicyOverrides): PolicyOverrides => {
    if (!o.rules || !ids.some((id) => o.rules![id] !== undefined)) return o;
    const rules = { ...o.rules };
    for (const id of ids) if (rules[id] !== undefined) rules[id] = { ...rules[id], enabled: false };
    return { ...o, rules };
  };
  const map = (r: Record<string, PolicyOverrides> | undefined) => (r ? Object.fromEntries(Object.entries(r).map(([k, o]) => [k, off(o)])) : undefined);
  const tasks = map(policy.tasks);
  const routes = map(policy.routes);
  return { ...policy, ...off(policy), ...(tasks ? { tasks } : {}), ...(routes ? { routes } : {}) };
}
