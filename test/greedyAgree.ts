/**
 * Comparing two greedy runs of the same request made under different batch layouts (alone vs together, adapter
 * vs merged weights, prefix cache vs none).
 *
 * The runs compute the same math with different float rounding, so their logprobs agree within a tolerance. On a
 * random-weight model the top two logits are sometimes closer than that rounding, and there the two runs may pick
 * different tokens; after that point they continue from different contexts and are no longer comparable. The rule:
 * tokens agree up to the first difference; logprobs agree within `tol` up to there; and at a difference, it is a
 * near-tie in both runs (each run ranks the other's token within `2 tol` of its own).
 */
import { expect } from 'vitest';
import type { GenerateResult, GenerateOptions } from '../src/engine/types.js';

/** One greedy run: its tokens, each token's logprob and the top alternatives (ask `logprobs: 2` or more). */
export interface GreedyRun {
  tokens: number[];
  lps: number[];
  top: { token: number; logprob: number }[][];
}

/** Collects a streamed generation (asked with `logprobs >= 2`) into a {@link GreedyRun}. */
export async function collect(run: { result: Promise<GenerateResult> } & AsyncIterable<{ logprobs?: { logprob: number; top: { token: number; logprob: number }[] }[] }>): Promise<GreedyRun> {
  const lps: number[] = [];
  const top: GreedyRun['top'] = [];
  for await (const ev of run) {
    for (const l of ev.logprobs ?? []) {
      lps.push(l.logprob);
      top.push(l.top.map((t) => ({ token: t.token, logprob: t.logprob })));
    }
  }
  return { tokens: (await run.result).tokens, lps, top };
}

/** Greedy options with enough logprobs for {@link expectGreedyAgree}. */
export const greedyOpts = (maxTokens: number): GenerateOptions => ({ temperature: 0, maxTokens, ignoreEos: true, logprobs: 2 });

/**
 * Asserts that two greedy runs agree as described above; returns the index where they part (their length when they
 * never do), so a caller can also require that most of the run was compared.
 */
export function expectGreedyAgree(a: GreedyRun, b: GreedyRun, tol: number): number {
  expect(a.tokens.length).toBe(b.tokens.length);
  let k = 0;
  while (k < a.tokens.length && a.tokens[k] === b.tokens[k]) k++;
  for (let j = 0; j < k; j++) expect(Math.abs(a.lps[j]! - b.lps[j]!), `logprob at token ${j}`).toBeLessThan(tol);
  if (k < a.tokens.length) {
    const rank = (x: GreedyRun, y: GreedyRun): number => {
      const alt = x.top[k]!.find((t) => t.token === y.tokens[k]);
      expect(alt, `run parted at token ${k}: the other run's token must be among the top alternatives`).toBeDefined();
      return x.lps[k]! - alt!.logprob;
    };
    expect(rank(a, b), `run parted at token ${k}: not a near-tie`).toBeLessThan(2 * tol);
    expect(rank(b, a), `run parted at token ${k}: not a near-tie`).toBeLessThan(2 * tol);
  }
  return k;
}
