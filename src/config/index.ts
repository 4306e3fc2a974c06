import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError, InvalidArgumentError } from '../errors.js';
import { parseLoraSpec } from '../engine/lora.js';
import { ServeConfigSchema, type ServeConfig, type ServeConfigInput } from './schema.js';

export { ServeConfigSchema, type ServeConfig, type ServeConfigInput } from './schema.js';

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(b|kb|k|kib|mb|m|mib|gb|g|gib)?$/i;
const UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/**
 * Parses a byte size: a number, or `512kb`, `1mb`, `2MiB` (binary units).
 *
 * @example
 * parseSize('1mb') // 1048576
 */
export function parseSize(v: string | number, param = 'bodyLimit'): number {
  if (typeof v === 'number') return v;
  const m = SIZE_RE.exec(v.trim());
  if (!m) throw new InvalidArgumentError(param, `expected a size like 1048576, 512kb or 1mb, got ${JSON.stringify(v)}`);
  return Math.round(Number(m[1]) * (UNITS[(m[2] ?? 'b').toLowerCase()] ?? 1));
}

/**
 * Parses a duration: ms as a number, or `30s`, `500ms`, `2m`.
 *
 * @example
 * parseDuration('30s') // 30000
 */
export function parseDuration(v: string | number, param = 'timeout'): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError(param, `expected a duration like 30000, 30s or 2m, got ${JSON.stringify(v)}`);
  const mult = { ms: 1, s: 1000, m: 60_000 }[(m[2] ?? 'ms').toLowerCase() as 'ms' | 's' | 'm'];
  return Math.round(Number(m[1]) * mult);
}

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);
const bool = (s: string, name: string): boolean => {
  if (/^(1|true|yes|on)$/i.test(s)) return true;
  if (/^(0|false|no|off)$/i.test(s)) return false;
  throw new ConfigError(`expected true or false, got ${JSON.stringify(s)}`, { field: name });
};
const int = (s: string, name: string): number => {
  if (!/^\d+$/.test(s.trim())) throw new ConfigError(`expected a whole number, got ${JSON.stringify(s)}`, { field: name });
  return Number(s);
};

/**
 * Reads the ONRAMP_* environment variables (unset ones are left out).
 * ONRAMP_API_KEYS, ONRAMP_CORS, ONRAMP_LORA and ONRAMP_ADAPTER_DIRS are comma-separated.
 *
 * @example
 * configFromEnv({ ONRAMP_PORT: '9000', ONRAMP_API_KEYS: 'k1,k2' }) // { port: 9000, apiKeys: ['k1', 'k2'] }
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): ServeConfigInput {
  const out: ServeConfigInput = {};
  const get = (k: string): string | undefined => {
    const v = env[`ONRAMP_${k}`];
    return v === undefined || v === '' ? undefined : v;
  };
  let v: string | undefined;
  if ((v = get('HOST'))) out.host = v;
  if ((v = get('PORT'))) out.port = int(v, 'ONRAMP_PORT');
  if ((v = get('MODEL'))) out.model = v;
  if ((v = get('MODEL_ID'))) out.modelId = v;
  if ((v = get('LORA'))) out.lora = list(v).map((s) => parseLoraSpec(s, 'ONRAMP_LORA'));
  if ((v = get('ADAPTER_DIRS'))) out.adapterDirs = list(v);
  if ((v = get('TASKS'))) out.tasks = v;
  if ((v = get('POLICY'))) out.policy = v;
  if ((v = get('NER_TASK'))) out.nerTask = v;
  if ((v = get('GENERATION_SAFETY'))) out.generationSafety = bool(v, 'ONRAMP_GENERATION_SAFETY');
  if ((v = get('PARALLEL'))) out.parallel = int(v, 'ONRAMP_PARALLEL');
  if ((v = get('CTX'))) out.ctx = int(v, 'ONRAMP_CTX');
  if ((v = get('THREADS'))) out.threads = int(v, 'ONRAMP_THREADS');
  if ((v = get('QUEUE'))) out.queue = int(v, 'ONRAMP_QUEUE');
  if ((v = get('API_KEYS') ?? get('API_KEY'))) out.apiKeys = list(v);
  if ((v = get('API_KEY_FILE'))) out.apiKeyFile = v;
  if ((v = get('INSECURE'))) out.insecure = bool(v, 'ONRAMP_INSECURE');
  if ((v = get('CORS'))) out.cors = list(v);
  if ((v = get('BODY_LIMIT'))) out.bodyLimit = parseSize(v, 'ONRAMP_BODY_LIMIT');
  if ((v = get('TIMEOUT'))) out.timeoutMs = parseDuration(v, 'ONRAMP_TIMEOUT');
  if ((v = get('RATE_LIMIT'))) out.rateLimit = int(v, 'ONRAMP_RATE_LIMIT');
  if ((v = get('GRACE'))) out.graceMs = parseDuration(v, 'ONRAMP_GRACE');
  if ((v = get('LOG_LEVEL'))) out.logLevel = v as ServeConfigInput['logLevel'];
  return out;
}

/**
 * Reads a JSON or YAML config file (by extension; `.yml`/`.yaml` are YAML). Relative paths inside it
 * (model, lora, tasks, policy, apiKeyFile, adapterDirs) resolve against the file's directory. Sizes and
 * durations may be strings (`bodyLimit: 2mb`, `timeoutMs: 30s`).
 *
 * @example
 * const cfg = await readConfigFile('onramp.yaml')
 */
export async function readConfigFile(file: string): Promise<ServeConfigInput> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ConfigError('cannot read the config file', { file });
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(extname(file)) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(e as Error).message.split('\n')[0]}`, { file });
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('expected an object at the top level', { file });
  const o = { ...(raw as Record<string, unknown>) };
  const base = dirname(resolve(file));
  const rel = (p: unknown): unknown => (typeof p === 'string' ? resolve(base, p) : p);
  for (const k of ['model', 'tasks', 'policy', 'apiKeyFile']) if (k in o) o[k] = rel(o[k]);
  if (Array.isArray(o['adapterDirs'])) o['adapterDirs'] = o['adapterDirs'].map(rel);
  if (Array.isArray(o['lora']))
    o['lora'] = o['lora'].map((l: unknown) => {
      const spec = typeof l === 'string' ? parseLoraSpec(l, 'lora') : l;
      return typeof spec === 'object' && spec !== null && 'path' in spec ? { ...spec, path: rel((spec as { path: unknown }).path) } : spec;
    });
  try {
    if (typeof o['bodyLimit'] === 'string') o['bodyLimit'] = parseSize(o['bodyLimit']);
    if (typeof o['timeoutMs'] === 'string') o['timeoutMs'] = parseDuration(o['timeoutMs']);
    if (typeof o['graceMs'] === 'string') o['graceMs'] = parseDuration(o['graceMs']);
  } catch (e) {
    throw new ConfigError((e as Error).message, { file });
  }
  return o as ServeConfigInput;
}

/**
 * Merges the layers (later wins: defaults < file < env < flags), validates the result and reads the API key
 * file (one key per line, `#` comments). Throws ConfigError naming the file/field.
 *
 * @example
 * const cfg = await loadServeConfig({ flags: { port: 9000 }, file: 'onramp.yaml' })
 */
export async function loadServeConfig(layers: { flags?: ServeConfigInput; file?: string; env?: NodeJS.ProcessEnv }): Promise<ServeConfig> {
  const env = layers.env ?? process.env;
  const fileName = layers.file ?? env['ONRAMP_CONFIG'];
  const fromFile = fileName ? await readConfigFile(fileName) : {};
  const merged: Record<string, unknown> = { ...fromFile, ...configFromEnv(env) };
  for (const [k, v] of Object.entries(layers.flags ?? {})) if (v !== undefined) merged[k] = v;
  const parsed = ServeConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || undefined;
    throw new ConfigError(issue?.message ?? 'invalid configuration', { ...(fileName ? { file: fileName } : {}), ...(field ? { field } : {}) });
  }
  const cfg = parsed.data;
  if (cfg.apiKeyFile) {
    let text: string;
    try {
      text = await readFile(cfg.apiKeyFile, 'utf8');
    } catch {
      throw new ConfigError('cannot read the API key file', { file: cfg.apiKeyFile });
    }
    const keys = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    if (keys.some((k) => k.length < 8)) throw new ConfigError('API keys must be at least 8 characters', { file: cfg.apiKeyFile });
    cfg.apiKeys = [...cfg.apiKeys, ...keys];
  }
  return cfg;
}

/**
 * True for addresses that only this machine can reach (127.0.0.0/8, ::1, localhost).
 *
 * @example
 * isLoopback('0.0.0.0') // false
 */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}
