import { nerHookFromTask } from '../apps/nerHook.js';
import type { EngineLike } from '../engine/types.js';
import { ConfigError, InvalidArgumentError } from '../errors.js';
import type { NerFunction } from '../safety/rules/ner-entities.js';
import { builtinTaskDir, resolvePackArg, type TaskRegistry } from '../tasks/registry.js';

/** The rule that needs the NER hook. */
export const NER_RULE = 'ner-entities';

/**
 * The `ner-entities` hook of `onramp serve`: the NER task pack `nerTask` (default the built-in `ner`) run on the
 * server's engine. A pack of the served task registry is looked up on every call, so an edited pack in a watched
 * `--tasks` folder is picked up; otherwise `nerTask` is a built-in id or a pack file. Throws a ConfigError
 * (field `rules.ner-entities`) when no model is loaded, NotFoundError for an unknown pack, InvalidArgumentError
 * for a pack that is not `kind: ner`.
 *
 * @example
 * const ner = serverNerHook({ engine, registry, policyFile: 'names.yaml' })
 * compilePolicy(loadPolicy('names.yaml'), { ner })
 */
export function serverNerHook(opts: { nerTask?: string | undefined; engine?: EngineLike | undefined; registry?: TaskRegistry | undefined; policyFile?: string | undefined }): NerFunction {
  const id = opts.nerTask ?? 'ner';
  const engine = opts.engine;
  if (!engine) {
    throw new ConfigError(`the policy enables ${NER_RULE} (names through the NER task ${id}) but no model is loaded`, {
      ...(opts.policyFile ? { file: opts.policyFile } : {}),
      field: `rules.${NER_RULE}`,
    });
  }
  const registry = opts.registry;
  if (registry?.has(id)) {
    const kind = registry.get(id).kind;
    if (kind !== 'ner') throw new InvalidArgumentError('ner-task', `task ${id} is a ${kind} pack, not ner`);
    return (text) => nerHookFromTask(registry.get(id), engine)(text);
  }
  return nerHookFromTask(resolvePackArg(id, [builtinTaskDir()]), engine);
}
