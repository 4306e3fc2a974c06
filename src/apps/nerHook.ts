/**
 * The bridge between the NER task (src/tasks, Hugging Face `{entity_group, score, word, start, end}`) and the
 * safety layer's `ner-entities` rule (src/safety, a hook returning `{label, start, end, score}`). It lives above
 * both: tasks and safety are siblings and never import each other.
 */
import type { EngineLike } from '../engine/types.js';
import { InvalidArgumentError } from '../errors.js';
import type { NerEntity, NerFunction } from '../safety/rules/ner-entities.js';
import type { TaskPack } from '../tasks/pack.js';
import { runTask } from '../tasks/runTask.js';
import type { RunTaskOptions } from '../tasks/types.js';

/** Options of the hook: how the NER task runs (the engine comes separately; task safety is always off). */
export type NerHookOptions = Omit<RunTaskOptions, 'engine' | 'safety' | 'policy' | 'route' | 'head' | 'explain'>;

/**
 * A `ner-entities` hook backed by a `ner` task pack: runs the pack on the text and returns its entities with
 * their labels (PER, LOC, ORG, ... which the rule maps to PERSON, LOCATION, ORGANIZATION) and character offsets
 * into the text it was given. The task runs without its own safety stages: the hook is itself part of a safety
 * scan (the policy that enabled `ner-entities` would otherwise recurse into NER). A model output that is not the
 * entity JSON throws (OutputValidationError): a scan never silently skips the names.
 *
 * @example
 * const ner = nerHookFromTask(resolvePackArg('ner', [builtinTaskDir()]), engine)
 * const scanner = compilePolicy(loadPolicy('names.yaml'), { ner })
 * const { text } = await maskAsync('Angela Merkel met Apple executives in Paris.', scanner) // '<PERSON_1> met ...'
 */
export function nerHookFromTask(pack: TaskPack, engine: EngineLike, opts: NerHookOptions = {}): NerFunction {
  if (pack.kind !== 'ner') throw new InvalidArgumentError('ner-task', `task ${pack.id} is a ${pack.kind} pack, not ner`);
  return async (text) => {
    if (text.trim() === '') return [];
    const r = await runTask(pack, text, { ...opts, engine, safety: false });
    if (r.kind !== 'ner') throw new TypeError(`task ${pack.id} did not return entities`);
    return r.entities.map((e): NerEntity => ({ label: e.entity_group, start: e.start, end: e.end, score: e.score }));
  };
}
