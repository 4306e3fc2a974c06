import type { Logger } from 'pino';
import type { EngineLike } from '../engine/types.js';
import type { SafetyService, TaskService } from './deps.js';

/**
 * Builds the task and safety services for `onramp serve` from `--tasks` and `--policy`. Adapts the task
 * registry (src/tasks) and the safety layer (src/safety) to the small interfaces of deps.ts.
 *
 * @example
 * const { tasks, safety } = await loadOptionalLayers({ tasks: 'models/tasks' }, { engine }, log)
 */
export async function loadOptionalLayers(
  cfg: { tasks?: string | undefined; policy?: string | undefined },
  _rt: { engine?: EngineLike },
  log?: Logger,
): Promise<{ tasks?: TaskService; safety?: SafetyService }> {
  if (cfg.tasks) log?.warn({ tasks: cfg.tasks }, 'task packs are not wired into the server yet');
  if (cfg.policy) log?.warn({ policy: cfg.policy }, 'the safety policy is not wired into the server yet');
  return {};
}
