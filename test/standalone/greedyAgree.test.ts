import { describe, expect, it } from 'vitest';
import { expectGreedyAgree, type GreedyRun } from '../greedyAgree.js';

const run = (tokens: number[], lps: number[], runnerUp: { token: number; logprob: number }[]): GreedyRun => ({
  tokens,
  lps,
  top: tokens.map((t, i) => [{ token: t, logprob: lps[i]! }, runnerUp[i]!]),
});

describe('expectGreedyAgree (the rule batched-vs-alone greedy tests use)', () => {
  it('equal runs agree to the end', () => {
    const a = run([5, 6, 7], [-0.1, -0.2, -0.3], [{ token: 9, logprob: -3 }, { token: 9, logprob: -3 }, { token: 9, logprob: -3 }]);
    expect(expectGreedyAgree(a, a, 1e-3)).toBe(3);
  });

  it('runs may part at a near-tie, and only there', () => {
    const a = run([5, 6, 7], [-0.1, -0.69, -0.3], [{ token: 9, logprob: -3 }, { token: 8, logprob: -0.6905 }, { token: 9, logprob: -3 }]);
    const b = run([5, 8, 1], [-0.1, -0.6902, -2], [{ token: 9, logprob: -3 }, { token: 6, logprob: -0.6904 }, { token: 9, logprob: -3 }]);
    expect(expectGreedyAgree(a, b, 1e-3)).toBe(1);
  });

  it('fails when runs part without a near-tie, or when logprobs drift before parting', () => {
    const a = run([5, 6, 7], [-0.1, -0.2, -0.3], [{ token: 9, logprob: -3 }, { token: 8, logprob: -2 }, { token: 9, logprob: -3 }]);
    const b = run([5, 8, 7], [-0.1, -0.2, -0.3], [{ token: 9, logprob: -3 }, { token: 6, logprob: -2 }, { token: 9, logprob: -3 }]);
    expect(() => expectGreedyAgree(a, b, 1e-3)).toThrow(/near-tie/);
    const c = run([5, 6, 7], [-0.1, -0.25, -0.3], [{ token: 9, logprob: -3 }, { token: 8, logprob: -2 }, { token: 9, logprob: -3 }]);
    expect(() => expectGreedyAgree(a, c, 1e-3)).toThrow(/logprob at token 1/);
  });
});
