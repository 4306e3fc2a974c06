/**
 * Adapters that turn the library's predictors into the apps' injected classifiers.
 */
import type { EngineLike } from '../engine/types.js';
import type { HeadRunner } from '../tasks/heads/HeadRunner.js';

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
