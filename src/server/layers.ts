import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { EngineLike } from '../engine/types.js';
import { UnavailableError } from '../errors.js';
import { compilePolicy, loadPolicy, maskAsync, scanAsync, type PolicyInput, type SafetyPolicy } from '../safety/index.js';
import type { SafetyFinding as CoreFinding } from '../safety/types.js';
import { builtinTaskDir, TaskRegistry } from '../tasks/registry.js';
import { runTask } from '../tasks/runTask.js';
import type { TaskInput } from '../tasks/types.js';
import type { SafetyFinding, SafetyService, TaskService, TaskSummary } from './deps.js';
import { createGenerationGuard } from './guard.js';

type Pack = ReturnType<TaskRegistry['get']>;

function summary(p: Pack): TaskSummary {
  return {
    id: p.id,
    kind: p.kind,
    version: p.version,
    description: p.description,
    languages: p.languages,
    ...(p.labels.length ? { labels: p.labels.map((l) => l.name) } : {}),
  };
}

/**
 * Adapts the task registry + runTask (src/tasks) to the server's TaskService. The result's `explanation` is
 * returned beside it, as the API promises (`{result, explanation}`). runTask applies input and output safety:
 * the pack's own `safety` policy, else `opts.policy` (the server's --policy), else the built-in default, with the
 * policy's `tasks.<id>` and `routes.<route>` overrides; `opts.safety: false` turns it off.
 *
 * @example
 * const tasks = taskService(TaskRegistry.load('models/tasks'), engine, { policy: loadPolicy('policy.yaml') })
 */
export function taskService(registry: TaskRegistry, engine: EngineLike | undefined, opts: { policy?: SafetyPolicy | undefined; safety?: boolean } = {}): TaskService {
  const safety = { ...(opts.policy ? { policy: opts.policy } : {}), ...(opts.safety === false ? { safety: false } : {}) };
  return {
    list: () => registry.list().map(summary),
    get: (id) => (registry.has(id) ? summary(registry.get(id)) : undefined),
    async run(id, input, o = {}) {
      const pack = registry.get(id);
      if (!engine) throw new UnavailableError('no model is loaded', 5);
      const r = await runTask(pack, input as TaskInput, {
        engine,
        ...safety,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.explain === undefined ? {} : { explain: o.explain }),
        ...(o.route ? { route: o.route } : {}),
      });
      const { explanation, ...result } = r as typeof r & { explanation?: unknown };
      return { result, explanation };
    },
    async reload() {
      const info = await registry.reload();
      return { tasks: info.tasks, errors: info.errors.map((e) => e.message) };
    },
  };
}

const toFinding = (f: CoreFinding): SafetyFinding => ({ ruleId: f.rule, entity: f.entity, start: f.start, end: f.end, score: f.score, action: f.action, version: f.version });

/**
 * Adapts the safety layer (src/safety) to the server's SafetyService. `opts.policy` selects a task's overrides.
 * The vault of a mask (placeholder values) never leaves the process. `guard` applies the same policy to the
 * OpenAI generation routes.
 *
 * @example
 * const safety = safetyService(loadPolicy('policy.yaml'))
 */
export function safetyService(policy: SafetyPolicy | undefined): SafetyService {
  const route = (name: string): PolicyInput => compilePolicy(policy, { route: name });
  return {
    guard: createGenerationGuard(policy),
    async scan(text, opts = {}) {
      const r = await scanAsync(text, opts.policy ? compilePolicy(policy, { task: opts.policy, route: '/v1/safety/scan' }) : route('/v1/safety/scan'));
      return { findings: r.findings.map(toFinding), action: r.blocked ? 'block' : r.findings.length ? 'flag' : 'allow', blocked: r.blocked, ...(r.block ? { block: r.block } : {}), explanation: r.explanation };
    },
    async mask(text, opts = {}) {
      const r = await maskAsync(text, opts.policy ? compilePolicy(policy, { task: opts.policy, route: '/v1/safety/mask' }) : route('/v1/safety/mask'));
      return { text: r.text, findings: r.findings.map(toFinding), action: r.blocked ? 'block' : r.findings.length ? 'mask' : 'allow', blocked: r.blocked, explanation: r.explanation };
    },
  };
}

/**
 * Builds the task and safety services for `onramp serve` from `--tasks` (default: the packs shipped in
 * models/tasks) and `--policy` (default: the built-in policy). The policy also guards task runs whose pack names
 * no `safety` policy of its own. A `--tasks` folder is watched (`watch`, default on when `tasks` is given): an
 * edited, added or removed pack is picked up after the registry's debounce (`debounceMs`, default 200 ms), logged as
 * `task packs reloaded`; requests already holding a pack finish with it, and a file that became invalid keeps
 * its last good version. `registry` is returned so an embedding app can `close()` the watcher.
 *
 * @example
 * const { tasks, safety, registry } = loadOptionalLayers({ tasks: 'models/tasks' }, { engine }, log)
 * registry?.close()
 */
export function loadOptionalLayers(
  cfg: { tasks?: string | undefined; policy?: string | undefined; watch?: boolean | undefined; debounceMs?: number | undefined },
  rt: { engine?: EngineLike },
  log?: Logger,
): { tasks?: TaskService; safety: SafetyService; registry?: TaskRegistry } {
  const policy = cfg.policy ? loadPolicy(cfg.policy) : undefined;
  const safety = safetyService(policy);
  const dir = cfg.tasks ?? builtinTaskDir();
  if (!cfg.tasks && !existsSync(dir)) return { safety };
  const watch = cfg.watch ?? cfg.tasks !== undefined;
  let reloading = false;
  const registry = TaskRegistry.load(dir, {
    watch,
    ...(cfg.debounceMs === undefined ? {} : { debounceMs: cfg.debounceMs }),
    onReload: (info) => {
      if (!reloading) return; // the initial load is logged below
      for (const e of info.errors) log?.warn({ code: e.code, file: e.file, field: e.field }, 'task pack skipped');
      log?.info({ tasks: info.tasks, errors: info.errors.length, dir: registry.dir }, 'task packs reloaded');
    },
  });
  for (const e of registry.errors()) log?.warn({ code: e.code, file: e.file, field: e.field }, 'task pack skipped');
  log?.info({ tasks: registry.list().length, dir, watch }, 'task packs loaded');
  reloading = true;
  return { tasks: taskService(registry, rt.engine, { policy }), safety, registry };
}
