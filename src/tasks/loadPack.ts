/**
 * Reads a task pack file (YAML or JSON), validates it and resolves it. Every failure is a ConfigError that
 * names the file and the offending field (dotted path, e.g. `prompt.template`).
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { nerSchemaProblem } from './nerOutputSchema.js';
import { defaultVerbalizer, TaskPackSchema, type ResolvedLabel, type TaskPack } from './pack.js';
import { isPolicyPath } from './policyRef.js';
import { packPolicy } from './safety.js';

function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || '(root)';
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Converts zod issues to one ConfigError naming the first offending field (all issues in the message). */
function toConfigError(issues: readonly z.core.$ZodIssue[], file?: string): ConfigError {
  const first = issues[0]!;
  const field = issuePath(first.path);
  const more = issues.slice(1).map((i) => `; ${issuePath(i.path)}: ${i.message}`).join('');
  const err = new ConfigError(`${first.message}${more}`, { ...(file ? { file } : {}), field });
  return err;
}

function readLabelsFile(path: string, verbalizer: string, file: string | undefined): ResolvedLabel[] {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`cannot read labels file ${path}`, { ...(file ? { file } : {}), field: 'labels.file' });
  }
  let items: unknown[];
  if (extname(path).toLowerCase() === '.json') {
    try {
      const v = JSON.parse(raw) as unknown;
      if (!Array.isArray(v)) throw new Error('not an array');
      items = v;
    } catch (e) {
      throw new ConfigError(`labels file ${path} must hold a JSON array (${(e as Error).message})`, { ...(file ? { file } : {}), field: 'labels.file' });
    }
  } else {
    items = raw.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  }
  return items.map((it, i) => {
    if (typeof it === 'string' && it) return { name: it, description: '', verbalizers: [defaultVerbalizer(it, verbalizer)] };
    const o = it as { name?: unknown; description?: unknown; verbalizers?: unknown };
    if (o && typeof o.name === 'string' && o.name) {
      const vs = Array.isArray(o.verbalizers) && o.verbalizers.every((v) => typeof v === 'string') ? (o.verbalizers as string[]) : [defaultVerbalizer(o.name, verbalizer)];
      return { name: o.name, description: typeof o.description === 'string' ? o.description : '', verbalizers: vs };
    }
    throw new ConfigError(`entry ${i} of ${path} is not a label name`, { ...(file ? { file } : {}), field: `labels.file[${i}]` });
  });
}

/**
 * Validates and resolves a parsed pack document. `baseDir` resolves the labels file and head path.
 *
 * @example
 * const pack = validatePack({ id: 'sentiment', version: '1.0.0', kind: 'classify', prompt: { template: '{{text}} Sentiment:' }, labels: ['negative', 'positive'] })
 */
export function validatePack(doc: unknown, opts: { file?: string; baseDir?: string } = {}): TaskPack {
  const res = TaskPackSchema.safeParse(doc);
  if (!res.success) throw toConfigError(res.error.issues, opts.file);
  const p = res.data;
  const base = opts.baseDir ?? (opts.file ? dirname(opts.file) : process.cwd());
  let labels: ResolvedLabel[] = [];
  if (Array.isArray(p.labels)) {
    labels = p.labels.map((l) =>
      typeof l === 'string'
        ? { name: l, description: '', verbalizers: [defaultVerbalizer(l)] }
        : { name: l.name, description: l.description ?? '', verbalizers: l.verbalizers ?? [defaultVerbalizer(l.name)], ...(l.threshold !== undefined ? { threshold: l.threshold } : {}) },
    );
  } else if (p.labels) {
    labels = readLabelsFile(isAbsolute(p.labels.file) ? p.labels.file : resolve(base, p.labels.file), p.labels.verbalizer, opts.file);
  }
  const seen = new Set<string>();
  labels.forEach((l, i) => {
    if (seen.has(l.name)) throw new ConfigError(`duplicate label '${l.name}'`, { ...(opts.file ? { file: opts.file } : {}), field: `labels[${i}]` });
    seen.add(l.name);
  });
  if (p.kind === 'classify' && labels.length < 2) throw new ConfigError('classify needs at least 2 labels', { ...(opts.file ? { file: opts.file } : {}), field: 'labels' });
  if (p.kind === 'ner' && p.output.schema) {
    const problem = nerSchemaProblem(p.output.schema, labels.map((l) => l.name));
    if (problem) throw new ConfigError(problem.message, { ...(opts.file ? { file: opts.file } : {}), field: problem.field });
  }
  if (p.head && p.kind !== 'classify' && p.kind !== 'multilabel' && p.kind !== 'ner') {
    // a head never applies to generation kinds: refuse it rather than ignore it
    throw new ConfigError(`a ${p.kind} pack cannot use a head (heads apply to classify, multilabel and ner packs)`, { ...(opts.file ? { file: opts.file } : {}), field: 'head' });
  }
  const { labels: _l, head, safety, ...rest } = p;
  void _l;
  const pack: TaskPack = {
    ...rest,
    labels,
    ...(head ? { head: isAbsolute(head) ? head : resolve(base, head) } : {}),
    // a policy path is resolved against the pack's folder; a built-in name (default, strict) stays a name
    ...(safety ? { safety: isPolicyPath(safety) && !isAbsolute(safety) ? resolve(base, safety) : safety } : {}),
    ...(opts.file ? { file: opts.file } : {}),
  };
  deepFreeze(pack);
  packPolicy(pack); // a missing or invalid policy is a ConfigError naming the pack file and `safety`
  return pack;
}

/**
 * Parses YAML or JSON text of a pack.
 *
 * @example
 * parsePackText('id: x\nversion: 1.0.0\n…', 'x.yaml')
 */
export function parsePackText(text: string, file?: string): unknown {
  const isJson = file ? extname(file).toLowerCase() === '.json' : text.trimStart().startsWith('{');
  try {
    return isJson ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(`not valid ${isJson ? 'JSON' : 'YAML'}: ${(e as Error).message}`, { ...(file ? { file } : {}) });
  }
}

/**
 * Loads one pack file.
 *
 * @example
 * const pack = loadPackFile('models/tasks/sentiment-en.yaml')
 */
export function loadPackFile(file: string): TaskPack {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read task pack (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { file });
  }
  return validatePack(parsePackText(text, file), { file });
}
