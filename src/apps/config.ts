/**
 * YAML/JSON config files of the ready app packs (models/apps/<name>/app.yaml): validated with zod, errors name
 * the file and the field.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError, FileError } from '../errors.js';
import type { RouterConfig } from './customer-service/router.js';

const Slot = z.enum(['amount', 'date', 'card_last4']);
const RouterSchema = z
  .object({
    threshold: z.number().min(0).max(1).default(0.5),
    handoffReply: z.string().optional(),
    askFor: z.record(Slot, z.string()).optional(),
    intents: z.record(z.string(), z.object({ template: z.string().min(1), requires: z.array(Slot).optional() }).strict()),
  })
  .strict();

const MonitorSchema = z
  .object({
    windowMinutes: z.number().positive(),
    minCount: z.number().int().positive(),
    negativeShare: z.number().min(0).max(1),
    volume: z.number().int().positive().optional(),
    cooldownMinutes: z.number().nonnegative().default(0),
    negativeLabel: z.string().default('negative'),
    maxEvidence: z.number().int().positive().default(5),
    /** topic -> keywords (case-insensitive substring match) for items without a topic. */
    topics: z.record(z.string(), z.array(z.string().min(1))).optional(),
  })
  .strict();

const RecommendSchema = z.object({ alpha: z.number().min(0).max(1).default(0.5), head: z.string().optional(), pooling: z.enum(['mean', 'last', 'cls']).default('mean') }).strict();

function read<T extends z.ZodType>(file: string, schema: T, section: string): z.output<T> {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new FileError('FILE_NOT_FOUND', file, 'cannot read app config', e);
    throw new ConfigError(`not YAML/JSON: ${(e as Error).message}`, { file });
  }
  const r = schema.safeParse((doc as Record<string, unknown> | null)?.[section]);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ConfigError(i?.message ?? 'invalid', { file, field: [section, ...(i?.path ?? [])].join('.') });
  }
  return r.data;
}

/**
 * The `router:` section of a customer-service app config.
 *
 * @example
 * const router = new CustomerServiceRouter(classify, loadRouterConfig('models/apps/customer-service/app.yaml'))
 */
export function loadRouterConfig(file: string): RouterConfig {
  return read(file, RouterSchema, 'router') as RouterConfig;
}

/** Monitor settings in minutes, as written in app.yaml. */
export type MonitorConfig = z.output<typeof MonitorSchema>;

/**
 * The `monitor:` section of a monitoring app config, plus a keyword topic matcher when `topics` is set.
 *
 * @example
 * const cfg = loadMonitorConfig('models/apps/monitor/app.yaml')
 * new SentimentMonitor({ classify, windowMs: cfg.windowMinutes * 60_000, ... })
 */
export function loadMonitorConfig(file: string): MonitorConfig & { topicsOf?: (text: string) => string[] } {
  const cfg = read(file, MonitorSchema, 'monitor');
  if (!cfg.topics) return cfg;
  const topics = Object.entries(cfg.topics).map(([t, ks]) => [t, ks.map((k) => k.toLowerCase())] as const);
  return { ...cfg, topicsOf: (text) => topics.filter(([, ks]) => ks.some((k) => text.toLowerCase().includes(k))).map(([t]) => t) };
}

/**
 * The `recommend:` section; `head` is resolved against the config's folder.
 *
 * @example
 * const { alpha, head } = loadRecommendConfig('models/apps/recommend/app.yaml')
 */
export function loadRecommendConfig(file: string): z.output<typeof RecommendSchema> {
  const cfg = read(file, RecommendSchema, 'recommend');
  return cfg.head ? { ...cfg, head: path.resolve(path.dirname(file), cfg.head) } : cfg;
}
