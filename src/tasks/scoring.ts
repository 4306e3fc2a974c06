/**
 * Label scoring through the engine: the prefix is evaluated once and every verbalizer of every label is scored
 * in the same batch (`engine.score`). A label's log-score pools its verbalizers (log-sum-exp); probabilities
 * are a softmax over label scores divided by the temperature.
 */
import type { EngineLike, ScoreOptions } from '../engine/types.js';
import type { ResolvedLabel } from './pack.js';

/**
 * Numerically stable softmax of `xs / temperature`.
 *
 * @example
 * softmax([0, 0]) // [0.5, 0.5]
 */
export function softmax(xs: readonly number[], temperature = 1): number[] {
  const z = xs.map((x) => x / temperature);
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * log(Σ exp(x)).
 *
 * @example
 * logSumExp([0, 0]) // Math.LN2
 */
export function logSumExp(xs: readonly number[]): number {
  const m = Math.max(...xs);
  if (m === -Infinity) return -Infinity;
  return m + Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0));
}

export interface LabelScoring {
  /** Pooled log-score per label (same order as the labels). */
  logits: number[];
  /** softmax(logits / temperature). */
  probs: number[];
  prefixTokens: number;
  /** Verbalizer tokens scored. */
  candidateTokens: number;
  engineMs: number;
}

/**
 * Scores every label for one prefix in one engine call.
 *
 * @example
 * const s = await scoreLabels(engine, 'Review: great. Sentiment:', labels, { normalization: 'total', temperature: 1 })
 * s.probs // one probability per label, summing to 1
 */
export async function scoreLabels(
  engine: Pick<EngineLike, 'score'>,
  prefix: string,
  labels: readonly ResolvedLabel[],
  opts: { normalization: 'total' | 'length'; temperature: number } & ScoreOptions,
): Promise<LabelScoring> {
  const candidates: string[] = [];
  const owner: number[] = [];
  labels.forEach((l, i) => l.verbalizers.forEach((v) => (candidates.push(v), owner.push(i))));
  const t0 = performance.now();
  const { normalization, temperature, ...scoreOpts } = opts;
  const res = await engine.score(prefix, candidates, scoreOpts);
  const engineMs = performance.now() - t0;
  const per: number[][] = labels.map(() => []);
  res.candidates.forEach((c, k) => per[owner[k]!]!.push(normalization === 'length' ? c.normalizedLogprob : c.logprob));
  const logits = per.map((xs) => logSumExp(xs));
  return {
    logits,
    probs: softmax(logits, temperature),
    prefixTokens: res.prefixTokens,
    candidateTokens: res.candidates.reduce((a, c) => a + c.tokens.length, 0),
    engineMs,
  };
}

/**
 * Fits a softmax temperature on a dev set by minimizing the negative log-likelihood (golden-section search on
 * log T in [e^-6, e^8]). `logits[i]` are the label scores of example i, `gold[i]` the index of its label.
 *
 * @example
 * const T = fitTemperature(devLogits, devGold) // then runTask(pack, x, { engine, temperature: T })
 */
export function fitTemperature(logits: readonly (readonly number[])[], gold: readonly number[]): number {
  const nll = (logT: number) => {
    const T = Math.exp(logT);
    let s = 0;
    logits.forEach((l, i) => {
      const lse = logSumExp(l.map((x) => x / T));
      s -= l[gold[i]!]! / T - lse;
    });
    return s / Math.max(1, logits.length);
  };
  let a = -6;
  let b = 8;
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  for (let it = 0; it < 80; it++) {
    if (nll(c) < nll(d)) b = d;
    else a = c;
    c = b - g * (b - a);
    d = a + g * (b - a);
  }
  return Math.exp((a + b) / 2);
}
