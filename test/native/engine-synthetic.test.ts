import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { Model } from '../../src/engine/Model.js';
import { makeSyntheticModel } from '../../src/gguf/index.js';
import { collect, expectGreedyAgree, greedyOpts } from '../greedyAgree.js';

// A synthetic Qwen2-architecture model (attention biases, tied embeddings) with a 1k-token SPM vocab:
// weights are random, so these tests check the engine's batching invariants, not text quality.
/**
 * How far a token's logprob may move between batch layouts on this model: std 0.2 random weights give large
 * logits, and other batch shapes round differently; measured 0.6-5.1e-3 nats over 24 tokens (top-2 gaps go down
 * to 7e-3), so 2e-2 leaves room while a batching bug (wrong rows, stale KV) shows as tenths of a nat or more.
 */
const DRIFT = 2e-2;
let model: Model;
let engine: Engine;
beforeAll(async () => {
  const file = await makeSyntheticModel({ shape: { arch: 'qwen2', layers: 2, attnBias: true, tieEmbeddings: true }, vocab: 'llama-spm', vocabLimit: 1000, seed: 7, std: 0.2 });
  model = await Model.load(file);
  engine = await Engine.create(model, { parallel: 4, nCtx: 1024, threads: 1, queueSize: 8 });
});
afterAll(async () => {
  await engine?.dispose();
  await model?.dispose();
});

describe('Engine on a synthetic qwen2 model', () => {
  it('concurrent greedy generations equal each one alone', async () => {
    const prompts = [[1, 5, 9], [1, 300, 301, 302], [1, 42], [1, 7, 8, 9, 10, 11], [1, 99], [1, 500, 2]];
    const o = greedyOpts(24);
    const alone = [];
    for (const p of prompts) alone.push(await collect(engine.generate(p, o)));
    const together = await Promise.all(prompts.map((p) => collect(engine.generate(p, o))));
    // equal tokens, logprobs within DRIFT nats; a random-weight model may part only at a near-tie
    together.forEach((t, i) => expectGreedyAgree(t, alone[i]!, DRIFT));
    expect(engine.stats()).toMatchObject({ slots: 4, busySlots: 0, queued: 0, queueCapacity: 8 });
  });

  it('sampling options are applied in C++ (logit bias bans a token, penalties change the output)', async () => {
    const base = await engine.generate([1, 5, 9], { temperature: 0, maxTokens: 16, ignoreEos: true }).result;
    const first = base.tokens[0]!;
    const banned = await engine.generate([1, 5, 9], { temperature: 0, maxTokens: 16, ignoreEos: true, logitBias: { [first]: -Infinity } }).result;
    expect(banned.tokens).not.toContain(first);
    const forced = await engine.generate([1, 5, 9], { temperature: 0, maxTokens: 4, ignoreEos: true, logitBias: { 123: 100 } }).result;
    expect(forced.tokens).toEqual([123, 123, 123, 123]);
    const pen = await engine.generate([1, 5, 9], { temperature: 0, maxTokens: 4, ignoreEos: true, logitBias: { 123: 5 }, repeatPenalty: 1e9, penaltyLastN: 64 }).result;
    expect(new Set(pen.tokens).size).toBe(pen.tokens.length);
  });

  it('one-pass scoring equals scoring each candidate alone', async () => {
    const indep = await Engine.create(model, { parallel: 1, threads: 1, prefixCache: false });
    try {
      const cands = [[10, 11, 12], [13], [14, 15], [16, 17, 18, 19]].map((t) => model.detokenize(t));
      const all = await engine.score([1, 20, 21, 22, 23], cands);
      for (let i = 0; i < cands.length; i++) {
        const alone = (await indep.score([1, 20, 21, 22, 23], [cands[i]!])).candidates[0]!;
        expect(Math.abs(alone.logprob - all.candidates[i]!.logprob)).toBeLessThan(1e-3);
      }
    } finally {
      await indep.dispose();
    }
  });

  it('scoreSequences 0 (one sequence: candidates in turn, KV not unified) scores and generates the same', async () => {
    const one = await Engine.create(model, { parallel: 1, threads: 1, scoreSequences: 0 });
    try {
      const cands = [[10, 11, 12], [13], [14, 15], [16, 17, 18, 19]].map((t) => model.detokenize(t));
      const ref = await engine.score([1, 20, 21, 22, 23], cands);
      for (let round = 0; round < 2; round++) {
        // round 2 reuses the cached prefix: the candidates' KV must have been removed after each
        const got = await one.score([1, 20, 21, 22, 23], cands);
        for (let i = 0; i < cands.length; i++) expect(Math.abs(got.candidates[i]!.logprob - ref.candidates[i]!.logprob)).toBeLessThan(1e-3);
      }
      const o = greedyOpts(12);
      expectGreedyAgree(await collect(one.generate([1, 20, 21, 22, 23, 24], o)), await collect(engine.generate([1, 20, 21, 22, 23, 24], o)), DRIFT);
    } finally {
      await one.dispose();
    }
  });

  it('embeddings do not depend on the batch', async () => {
    const [a] = await engine.embed(['hello world']);
    const b = await engine.embed(['other text here', 'hello world', 'x']);
    const va = a!.embedding as Float32Array;
    const vb = b[1]!.embedding as Float32Array;
    let d = 0;
    for (let i = 0; i < va.length; i++) d = Math.max(d, Math.abs(va[i]! - vb[i]!));
    expect(d).toBeLessThan(1e-4);
  });
});
