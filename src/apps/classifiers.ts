/**
 * Adapters that turn the library's predictors into the apps' injected classifiers.
 */
import type { EngineLike } from '../engine/types.js';
import type { HeadRunner } from '../tasks/heads/HeadRunner.js';
import type { TaskPack } from '../tasks/pack.js';
import { runTask } from '../tasks/runTask.js';
import type { RunTaskOptions } from '../tasks/types.js';
import { InvalidArgumentError } from '../errors.js';

/** A label with its probability. */
export interface Scored {
  label: string;
  score: number;
}

/**
 * A classifier backed by a trained softmax/sigmoid head.
 *
 * @example
 * const classify = headClassifier(await HeadRunner.create(engine, 'sentiment.head.json'))
 */
export function headClassifier(runner: HeadRunner): (text: string) => Promise<Scored[]> {
  return async (text) => {
    const [p] = await runner.predict([text]);
    if (!p || p.kind === 'token' || p.kind === 'linear') throw new TypeError(`a ${p?.kind ?? 'missing'} head is not a classifier`);
    return p.scores;
  };
}

/**
 * A zero-training classifier by prompt scoring: `prompt` with `{text}` is the prefix, each label's verbalizer
 * the candidate continuation; probabilities come from engine.score in one pass.
 *
 * @example
 * const classify = promptClassifier(engine, 'Headline: {text}\nSentiment:', { negative: ' negative', neutral: ' neutral', positive: ' positive' })
 */
export function promptClassifier(engine: Pick<EngineLike, 'score'>, prompt: string, verbalizers: Record<string, string>): (text: string) => Promise<Scored[]> {
  const labels = Object.keys(verbalizers);
  return async (text) => {
    const r = await engine.score(prompt.replace('{text}', text), labels.map((l) => verbalizers[l]!));
    return labels.map((label, i) => ({ label, score: r.probs[i] ?? 0 })).sort((a, b) => b.score - a.score);
  };
}

/**
 * A classifier from a classify task pack through runTask: the pack's head or prompt scoring, inside the task
 * safety stages (the pack's `safety` policy, else `opts.policy`, else the built-in default; `safety: false` turns
 * it off). A blocked message throws SafetyBlockedError; PII reaches the model masked.
 *
 * @example
 * const classify = taskClassifier(loadPackFile('models/apps/customer-service/pack.yaml'), { engine })
 * const router = new CustomerServiceRouter(classify, loadRouterConfig('models/apps/customer-service/app.yaml'))
 */
export function taskClassifier(pack: TaskPack, opts: RunTaskOptions): (text: string) => Promise<Scored[]> {
  if (pack.kind !== 'classify') throw new InvalidArgumentError('pack', `task ${pack.id} is a ${pack.kind} pack, not classify`);
  return async (text) => {
    const r = await runTask(pack, text, opts);
    if (r.kind !== 'classify') throw new TypeError(`task ${pack.id} did not classify`);
    return r.labels.map((l) => ({ label: l.label, score: l.score }));
  };
}
