import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { EngineLike } from '../engine/types.js';
import { UnavailableError } from '../errors.js';
import { compilePolicy, loadPolicy, maskAsync, policyEnablesRule, scanAsync, withoutRules, type PolicyInput, type SafetyPolicy } from '../safety/index.js';
import type { NerFunction } from '../safety/rules/ner-entities.js';
import type { SafetyFinding as CoreFinding } from '../safety/types.js';
import { builtinTaskDir, TaskRegistry } from '../tasks/registry.js';
import { runTask } from '../tasks/runTask.js';
import type { TaskInput } from '../tasks/types.js';
import type { SafetyFinding, SafetyService, TaskService, TaskSummary } from './deps.js';
import { createGenerationGuard } from './guard.js';
import { NER_RULE, serverNerHook } from './nerSafety.js';

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
 * The policy for the synchronous stages (generation guard, task safety): `ner-entities` is async (a model call)
 * and only /v1/safety/scan and /v1/safety/mask run it, so it is turned off there.
 *
 * @example
 * createGenerationGuard(syncPolicy(policy))
 */
export function syncPolicy(policy: SafetyPolicy | undefined): SafetyPolicy | undefined {
  return policy && policyEnablesRule(policy, NER_RULE) ? withoutRules(policy, [NER_RULE]) : policy;
}

/**
 * Adapts the safety layer (src/safety) to the server's SafetyService. `opts.policy` selects a task's overrides.
 * The vault of a mask (placeholder values) never leaves the process. `guard` applies the same policy to the
 * OpenAI generation routes (without `ner-entities`, which only the async scan and mask routes run, through the
 * `ner` hook; the scanners compiled with it are kept per task and route).
 *
 * @example
 * const safety = safetyService(loadPolicy('policy.yaml'))
 * const withNames = safetyService(loadPolicy('names.yaml'), { ner: serverNerHook({ engine }) })
 */
export function safetyService(policy: SafetyPolicy | undefined, opts: { ner?: NerFunction | undefined } = {}): SafetyService {
  const ner = opts.ner;
  const withNer = new Map<string, PolicyInput>();
  const compile = (sel: { task?: string; route: string }): PolicyInput => {
    if (!ner) return compilePolicy(policy, sel);
    const key = `${sel.task ?? ''}\0${sel.route}`;
    let s = withNer.get(key);
    if (!s) withNer.set(key, (s = compilePolicy(policy, { ...sel, ner })));
    return s;
  };
  const route = (name: string): PolicyInput => compile({ route: name });
  return {
    guard: createGenerationGuard(syncPolicy(policy)),
    async scan(text, opts = {}) {
      const r = await scanAsync(text, opts.policy ? compile({ task: opts.policy, route: '/v1/safety/scan' }) : route('/v1/safety/scan'));
      return { findings: r.findings.map(toFinding), action: r.blocked ? 'block' : r.findings.length ? 'flag' : 'allow', blocked: r.blocked, ...(r.block ? { block: r.block } : {}), explanation: r.explanation };
    },
    async mask(text, opts = {}) {
      const r = await maskAsync(text, opts.policy ? compile({ task: opts.policy, route: '/v1/safety/mask' }) : route('/v1/safety/mask'));
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
 * its last good version. `registry` is returned so an embedding app can `close()` the watcher. A policy that
 * enables `ner-entities` gets the NER task `nerTask` (default `ner`) on `rt.engine` as its hook
 * (src/server/nerSafety.ts; a ConfigError without an engine).
 *
 * @example
 * const { tasks, safety, registry } = loadOptionalLayers({ tasks: 'models/tasks' }, { engine }, log)
 * registry?.close()
 */
export function loadOptionalLayers(
  cfg: { tasks?: string | undefined; policy?: string | undefined; watch?: boolean | undefined; debounceMs?: number | undefined; nerTask?: string | undefined },
  rt: { engine?: EngineLike },
  log?: Logger,
): { tasks?: TaskService; safety: SafetyService; registry?: TaskRegistry } {
  const policy = cfg.policy ? loadPolicy(cfg.policy) : undefined;
  const usesNer = policyEnablesRule(policy, NER_RULE);
  if (cfg.nerTask !== undefined && !usesNer) log?.warn({ nerTask: cfg.nerTask }, `--ner-task given but the policy does not enable ${NER_RULE}: not used`);
  const nerSafety = (registry?: TaskRegistry): SafetyService => {
    if (!usesNer) return safetyService(policy);
    const ner = serverNerHook({ nerTask: cfg.nerTask, engine: rt.engine, registry, policyFile: cfg.policy });
    log?.info({ nerTask: cfg.nerTask ?? 'ner' }, `${NER_RULE}: /v1/safety/scan and /v1/safety/mask run the NER task; the chat and task safety stages (synchronous) skip it`);
    return safetyService(policy, { ner });
  };
  const dir = cfg.tasks ?? builtinTaskDir();
  if (!cfg.tasks && !existsSync(dir)) return { safety: nerSafety() };
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
  return { tasks: taskService(registry, rt.engine, { policy: syncPolicy(policy) }), safety: nerSafety(registry), registry };
}
