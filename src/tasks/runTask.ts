/**
 * The one entry point of the task layer: run a pack on an input with an engine.
 */
import { AbortError, InvalidArgumentError } from '../errors.js';
import { ADAPTERS } from './adapters/index.js';
import type { TaskPack } from './pack.js';
import type { RunTaskOptions, TaskInput, TaskResult } from './types.js';

/**
 * Runs `pack` on `input`. The result's `kind` matches the pack's; every result carries an `explanation`.
 *
 * @example
 * const engine = await Engine.create(await Model.load('model.gguf'))
 * const r = await runTask(registry.get('sentiment-en'), 'What a great film!', { engine })
 * if (r.kind === 'classify') console.log(r.label, r.labels)
 */
export async function runTask(pack: TaskPack, input: TaskInput, opts: RunTaskOptions): Promise<TaskResult> {
  if (!opts?.engine) throw new InvalidArgumentError('engine', 'runTask needs an engine');
  const adapter = ADAPTERS[pack.kind];
  if (!adapter) throw new InvalidArgumentError('pack.kind', `unknown task kind '${String(pack.kind)}'`);
  if (opts.signal?.aborted) throw new AbortError();
  return adapter(pack, input, opts);
}
