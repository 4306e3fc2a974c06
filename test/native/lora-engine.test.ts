import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { Model } from '../../src/engine/Model.js';
import { NotFoundError } from '../../src/errors.js';
import type { ScoreResult } from '../../src/engine/types.js';
import { makeLora, mergeLora } from '../../src/gguf/lora.js';
import { tinyBase } from './loraFixtures.js';
import { collect, expectGreedyAgree } from '../greedyAgree.js';

/**
 * Tolerance of "adapter on base" vs "adapter merged into an F32 copy of the base": the two compute
 * W x + s (alpha/r) B (A x) and (W + s (alpha/r) B A) x in F32, which differ by rounding only.
 */
const MERGE_TOL_NATS = 1e-4;
/**
 * Tolerance of a request run together with others vs alone: the same math, but other batch shapes and a reused
 * prefix cache change float rounding (as without LoRA; the engine's scoring contract is 1e-3 nats).
 */
const BATCH_TOL_NATS = 1e-3;
const PREFIX = 'Once upon a time there was a little';
const CANDS = [' girl', ' dog', ' boy who', ' tree', ' cat named'];
const greedy = { temperature: 0, maxTokens: 24, ignoreEos: true, logprobs: 2 } as const;

let tmp: string;
let basePath: string;
let model: Model;
let engine: Engine;
let adapterA: string;
let adapterB: string;
let mergedA: string;
let mergedAB: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onramp-lora-engine-'));
  basePath = await tinyBase();
  // the project's own writer and merge (src/gguf/lora.ts) are the oracle
  adapterA = await makeLora({ model: basePath, rank: 4, alpha: 8, targets: ['attn_q', 'attn_k', 'attn_v', 'ffn_down'], seed: 11, std: 0.08, output: path.join(tmp, 'a.gguf') });
  adapterB = await makeLora({ model: basePath, rank: 8, alpha: 4, targets: ['attn_output', 'ffn_up', 'output'], seed: 12, std: 0.08, output: path.join(tmp, 'b.gguf') });
  mergedA = await mergeLora({ model: basePath, loras: [{ path: adapterA, scale: 0.75 }], output: path.join(tmp, 'merged-a.gguf') });
  mergedAB = await mergeLora({ model: basePath, loras: [{ path: adapterA, scale: 0.3 }, { path: adapterB, scale: 1.5 }], output: path.join(tmp, 'merged-ab.gguf') });
  model = await Model.load(basePath);
  engine = await Engine.create(model, { parallel: 4, nCtx: 1024, threads: 1 });
  await engine.loras.load('a', adapterA);
  await engine.loras.load('b', adapterB, { scale: 0.5 });
});
afterAll(async () => {
  await engine?.loras.dispose();
  await engine?.dispose();
  await model?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const lps = (r: ScoreResult): number[] => r.candidates.map((c) => c.logprob);
const tokLps = collect;

describe('LoRA per request', () => {
  it('scale 0 gives exactly the base logits', async () => {
    // one slot, no prefix cache: both runs evaluate identical batches, so equality is bit for bit
    const exact = await Engine.create(model, { parallel: 1, nCtx: 512, threads: 1, prefixCache: false });
    try {
      const base = await exact.score(PREFIX, CANDS);
      const zero = await exact.score(PREFIX, CANDS, { lora: [{ name: 'a', scale: 0 }] });
      const withA = await exact.score(PREFIX, CANDS, { lora: [{ name: 'a', scale: 1 }] });
      expect(lps(zero)).toEqual(lps(base));
      expect(lps(withA)).not.toEqual(lps(base));
      const g0 = await tokLps(exact.generate(PREFIX, greedy));
      const g1 = await tokLps(exact.generate(PREFIX, { ...greedy, lora: [{ name: 'a', scale: 0 }, { name: 'b', scale: 0 }] }));
      expect(g1).toEqual(g0);
    } finally {
      await exact.dispose();
    }
  });

  it(`scale s gives the merged model's logits within ${MERGE_TOL_NATS} nats`, async () => {
    const withA = await engine.score(PREFIX, CANDS, { lora: [{ name: 'a', scale: 0.75 }] });
    const base = await engine.score(PREFIX, CANDS);
    const mModel = await Model.load(mergedA);
    const mEngine = await Engine.create(mModel, { parallel: 2, nCtx: 512, threads: 1 });
    try {
      const merged = await mEngine.score(PREFIX, CANDS);
      const diff = Math.max(...lps(withA).map((v, i) => Math.abs(v - lps(merged)[i]!)));
      const effect = Math.max(...lps(withA).map((v, i) => Math.abs(v - lps(base)[i]!)));
      expect(diff).toBeLessThan(MERGE_TOL_NATS);
      expect(effect).toBeGreaterThan(100 * MERGE_TOL_NATS); // the adapter really changes the model
      const g = await tokLps(engine.generate(PREFIX, { ...greedy, lora: [{ name: 'a', scale: 0.75 }] }));
      const gm = await tokLps(mEngine.generate(PREFIX, greedy));
      expectGreedyAgree(g, gm, MERGE_TOL_NATS);
      const [e1] = await engine.embed([PREFIX], { lora: [{ name: 'a', scale: 0.75 }] });
      const [e2] = await mEngine.embed([PREFIX]);
      const v1 = e1!.embedding as Float32Array;
      const v2 = e2!.embedding as Float32Array;
      v1.forEach((x, i) => expect(Math.abs(x - v2[i]!)).toBeLessThan(1e-4));
    } finally {
      await mEngine.dispose();
      await mModel.dispose();
    }
  });

  it('two adapters at once give the model with both merged', async () => {
    const both = await engine.score(PREFIX, CANDS, { lora: [{ name: 'a', scale: 0.3 }, { name: 'b', scale: 1.5 }] });
    const mModel = await Model.load(mergedAB);
    const mEngine = await Engine.create(mModel, { parallel: 1, nCtx: 512, threads: 1 });
    try {
      const merged = await mEngine.score(PREFIX, CANDS);
      lps(both).forEach((v, i) => expect(Math.abs(v - lps(merged)[i]!)).toBeLessThan(MERGE_TOL_NATS));
    } finally {
      await mEngine.dispose();
      await mModel.dispose();
    }
  });

  it('F16 adapter factors load and match the merge within F16 rounding', async () => {
    const f16 = await makeLora({ model: basePath, rank: 4, alpha: 4, targets: ['attn_v', 'ffn_gate'], seed: 31, std: 0.08, type: 'f16', output: path.join(tmp, 'h.gguf') });
    const merged = await mergeLora({ model: basePath, loras: [{ path: f16, scale: 1 }], output: path.join(tmp, 'merged-h.gguf') });
    await engine.loras.load('h', f16);
    const mModel = await Model.load(merged);
    const mEngine = await Engine.create(mModel, { parallel: 1, nCtx: 512, threads: 1 });
    try {
      const a = lps(await engine.score(PREFIX, CANDS, { lora: [{ name: 'h' }] }));
      const m = lps(await mEngine.score(PREFIX, CANDS));
      const base = lps(await engine.score(PREFIX, CANDS));
      // llama.cpp multiplies F16 factors with F16-rounded activations: 1e-2 nats, 10x below the adapter's effect
      a.forEach((v, i) => expect(Math.abs(v - m[i]!)).toBeLessThan(1e-2));
      expect(Math.max(...a.map((v, i) => Math.abs(v - base[i]!)))).toBeGreaterThan(1e-1);
    } finally {
      await engine.loras.unload('h');
      await mEngine.dispose();
      await mModel.dispose();
    }
  });

  it('concurrent requests with different adapter sets each equal their solo runs', async () => {
    const sets = [undefined, [{ name: 'a' }], [{ name: 'b' }], [{ name: 'a', scale: 0.3 }, { name: 'b', scale: 1.5 }]];
    const solo = [];
    for (const lora of sets) solo.push(await tokLps(engine.generate(PREFIX, { ...greedy, ...(lora ? { lora } : {}) })));
    const soloScores = [];
    for (const lora of sets) soloScores.push(lps(await engine.score(PREFIX, CANDS, lora ? { lora } : {})));
    // all at once: 4 generations (4 slots, 4 groups) plus 4 scorings queued behind them
    const gens = sets.map((lora) => tokLps(engine.generate(PREFIX, { ...greedy, ...(lora ? { lora } : {}) })));
    const scores = sets.map((lora) => engine.score(PREFIX, CANDS, lora ? { lora } : {}));
    const together = await Promise.all(gens);
    const togetherScores = (await Promise.all(scores)).map(lps);
    for (let i = 0; i < sets.length; i++) {
      expectGreedyAgree(together[i]!, solo[i]!, BATCH_TOL_NATS);
      togetherScores[i]!.forEach((v, j) => expect(Math.abs(v - soloScores[i]![j]!)).toBeLessThan(BATCH_TOL_NATS));
    }
    // different sets really differ
    expect(new Set(solo.map((s) => s.tokens.join(','))).size).toBeGreaterThan(1);
  });

  it('concurrent embeddings with different sets each equal their solo runs', async () => {
    const sets = [undefined, [{ name: 'a' }], [{ name: 'b', scale: 2 }]];
    const texts = ['a small red fox', 'the tree was tall'];
    const solo = [];
    for (const lora of sets) solo.push(await engine.embed(texts, lora ? { lora } : {}));
    const together = await Promise.all(sets.map((lora) => engine.embed(texts, lora ? { lora } : {})));
    for (let i = 0; i < sets.length; i++) {
      together[i]!.forEach((r, j) => {
        const v = r.embedding as Float32Array;
        const w = solo[i]![j]!.embedding as Float32Array;
        v.forEach((x, k) => expect(Math.abs(x - w[k]!)).toBeLessThan(1e-4));
      });
    }
    const d = (solo[0]![0]!.embedding as Float32Array).reduce((m, x, k) => Math.max(m, Math.abs(x - (solo[1]![0]!.embedding as Float32Array)[k]!)), 0);
    expect(d).toBeGreaterThan(1e-3);
  });

  it('leases are given back when requests end, fail or are aborted', async () => {
    const ac = new AbortController();
    const run = engine.generate(PREFIX, { temperature: 0, maxTokens: 500, ignoreEos: true, lora: [{ name: 'a' }], signal: ac.signal });
    const sc = engine.score(PREFIX, CANDS, { lora: [{ name: 'a' }, { name: 'b' }] });
    expect(engine.loras.get('a')?.activeRequests).toBe(2);
    expect(engine.loras.get('b')?.activeRequests).toBe(1);
    ac.abort();
    expect((await run.result).finishReason).toBe('abort');
    await sc;
    const pre = new AbortController();
    pre.abort();
    await expect(engine.score(PREFIX, CANDS, { lora: [{ name: 'a' }], signal: pre.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(() => engine.generate(PREFIX, { lora: [{ name: 'a' }], temperature: Number.NaN })).toThrow();
    expect(engine.loras.get('a')?.activeRequests).toBe(0);
    expect(engine.loras.get('b')?.activeRequests).toBe(0);
  });

  it('no adapter set waits for another set to finish: they advance step by step', async () => {
    const long = engine.generate(PREFIX, { temperature: 0, maxTokens: 200, ignoreEos: true, lora: [{ name: 'a' }] });
    const short = await engine.generate(PREFIX, { temperature: 0, maxTokens: 8, ignoreEos: true, lora: [{ name: 'b' }] }).result;
    let longDone = false;
    void long.result.then(() => (longDone = true));
    expect(short.tokens).toHaveLength(8);
    expect(longDone).toBe(false); // the short request on another adapter finished first
    await long.result;
  });

  it('hot unload while another adapter serves: running requests finish, new ones are refused', async () => {
    await engine.loras.load('c', adapterA, { scale: 0.6 });
    const solo = await tokLps(engine.generate(PREFIX, { ...greedy, maxTokens: 48, lora: [{ name: 'c' }] }));
    const running = tokLps(engine.generate(PREFIX, { ...greedy, maxTokens: 48, lora: [{ name: 'c' }] }));
    const other = tokLps(engine.generate(PREFIX, { ...greedy, maxTokens: 48, lora: [{ name: 'b' }] }));
    let drained = false;
    await engine.loras.unload('c'); // while 'running' holds it: freed only after that request ends
    const d = engine.loras.drained().then(() => (drained = true));
    expect(drained).toBe(false);
    expect(() => engine.generate(PREFIX, { lora: [{ name: 'c' }] })).toThrow(NotFoundError);
    await expect(engine.score(PREFIX, CANDS, { lora: [{ name: 'c' }] })).rejects.toBeInstanceOf(NotFoundError);
    const [r, o] = await Promise.all([running, other]);
    expectGreedyAgree(r, solo, BATCH_TOL_NATS);
    expect(o.tokens).toHaveLength(48);
    await d;
    expect(engine.loras.list().map((x) => x.name)).toEqual(['a', 'b']);
    // 'b' still serves after 'c' is gone
    const again = await tokLps(engine.generate(PREFIX, { ...greedy, maxTokens: 48, lora: [{ name: 'b' }] }));
    expectGreedyAgree(again, await other, BATCH_TOL_NATS);
  });
});
