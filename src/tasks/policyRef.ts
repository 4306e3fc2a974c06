/**
 * Safety policy references as task packs and the CLI write them: a policy file path (relative to the pack file,
 * or to the working directory for the CLI) or the name of a policy shipped in models/policies (`default`,
 * `strict`). A reference that contains a path separator or ends in .yaml/.yml/.json is a path; anything else is
 * a built-in name.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { loadPolicy, type SafetyPolicy } from '../safety/index.js';

const POLICY_EXTS = ['.yaml', '.yml', '.json'];

/** The folder of the policies shipped with the package (models/policies). */
export function builtinPolicyDir(): string {
  return resolve(fileURLToPath(new URL('.', import.meta.url)), '../../models/policies');
}

/**
 * True when a reference is a file path rather than a built-in policy name.
 *
 * @example
 * isPolicyPath('policies/bank.yaml') // true
 * isPolicyPath('strict')             // false
 */
export function isPolicyPath(ref: string): boolean {
  return /[\\/]/.test(ref) || POLICY_EXTS.includes(extname(ref).toLowerCase());
}

/** Names of the built-in policies. */
export function builtinPolicyNames(): string[] {
  const dir = builtinPolicyDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => POLICY_EXTS.includes(extname(f).toLowerCase()))
    .map((f) => f.slice(0, -extname(f).length))
    .sort();
}

/**
 * The absolute file of a policy reference: a path resolved against `baseDir`, or a built-in name looked up in
 * models/policies. Throws a ConfigError (field `field`) for an unknown name.
 *
 * @example
 * resolvePolicyRef('strict', '/packs')          // '<package>/models/policies/strict.yaml'
 * resolvePolicyRef('./bank.yaml', '/packs')     // '/packs/bank.yaml'
 */
export function resolvePolicyRef(ref: string, baseDir: string, opts: { file?: string; field?: string } = {}): string {
  if (isPolicyPath(ref)) return isAbsolute(ref) ? ref : resolve(baseDir, ref);
  for (const ext of POLICY_EXTS) {
    const f = resolve(builtinPolicyDir(), ref + ext);
    if (existsSync(f)) return f;
  }
  throw new ConfigError(`unknown built-in safety policy '${ref}' (built-in: ${builtinPolicyNames().join(', ') || 'none'}; or give a .yaml/.json path)`, {
    ...(opts.file ? { file: opts.file } : {}),
    field: opts.field ?? 'safety',
  });
}

const cache = new Map<string, { mtimeMs: number; policy: SafetyPolicy }>();

/**
 * Loads a policy reference (see {@link resolvePolicyRef}); parsed policies are cached per file and modification
 * time, so the compiled scanners (cached per policy object) are reused across requests. Every failure is a
 * ConfigError naming `opts.file` (the pack) and `opts.field` (default `safety`).
 *
 * @example
 * const policy = loadPolicyRef('strict', process.cwd())
 */
export function loadPolicyRef(ref: string, baseDir: string, opts: { file?: string; field?: string } = {}): SafetyPolicy {
  const path = resolvePolicyRef(ref, baseDir, opts);
  const where = { ...(opts.file ? { file: opts.file } : {}), field: opts.field ?? 'safety' };
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    throw new ConfigError(`safety policy file ${path} does not exist`, where);
  }
  const hit = cache.get(path);
  if (hit && hit.mtimeMs === mtimeMs) return hit.policy;
  let policy: SafetyPolicy;
  try {
    policy = loadPolicy(path);
  } catch (e) {
    throw new ConfigError(`invalid safety policy (${e instanceof Error ? e.message : String(e)})`, where);
  }
  if (cache.size > 256) cache.clear();
  cache.set(path, { mtimeMs, policy });
  return policy;
}
