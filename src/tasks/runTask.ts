/**
 * The one entry point of the task layer: run a pack on an input with an engine, with input and output safety
 * around the adapter (src/tasks/safety.ts; `safety: false` turns it off).
 */
import { AbortError, InvalidArgumentError } from '../errors.js';
import { ADAPTERS } from './adapters/index.js';
import type { TaskPack } from './pack.js';
import { safetyInput, safetyOutput, taskSafety, withInputTrace } from './safety.js';
import type { RunTaskOptions, TaskInput, TaskResult } from './types.js';

/**
 * Runs `pack` on `input`. The result's `kind` matches the pack's; every result carries an `explanation`, with
 * the safety decision trace in `explanation.safety` unless `opts.safety` is false. A policy block throws
 * SafetyBlockedError (code SAFETY_BLOCKED) naming the rule, never the value.
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
  const safety = taskSafety(pack, opts);
  if (!safety) return adapter(pack, input, opts);
  const st = safetyInput(pack, input, safety);
  let result: TaskResult;
  try {
    result = await adapter(pack, st.input, opts);
  } catch (e) {
    withInputTrace(e, st);
    throw e;
  }
  return safetyOutput(pack, result, st);
}
