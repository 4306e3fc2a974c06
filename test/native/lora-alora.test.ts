/**
 * aLoRA (activated LoRA) in the engine, as llama.cpp's server applies it: the adapter switches on at the last
 * occurrence of its invocation tokens in the prompt; earlier tokens run on the base model.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { Model } from '../../src/engine/Model.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { readGguf } from '../../src/gguf/reader.js';
import type { GenerateResult } from '../../src/engine/types.js';
import { tinyBase, writeTestAdapter } from './loraFixtures.js';
import { collect, expectGreedyAgree, type GreedyRun } from '../greedyAgree.js';

const INV = [300, 301, 302];
const P = [1, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50];
const Q = [60, 61, 62];
const greedy = { temperature: 0, maxTokens: 16, ignoreEos: true, logprobs: 2 } as const;

let tmp: string;
let model: Model;
let engine: Engine;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onramp-alora-'));
  const basePath = await tinyBase();
  const base = await readGguf(basePath);
  const common = { rank: 4, alpha: 8, targets: ['attn_q', 'attn_k', 'attn_v', 'ffn_down'], seed: 41, std: 0.1 };
  // the same weights twice: as an aLoRA and as a plain LoRA
  const al = await writeTestAdapter(base, { ...common, invocationTokens: INV, out: path.join(tmp, 'al.gguf') });
  const twin = await writeTestAdapter(base, { ...common, out: path.join(tmp, 'twin.gguf') });
  model = await Model.load(basePath);
  engine = await Engine.create(model, { parallel: 2, nCtx: 512, threads: 1 });
  await engine.loras.load('al', al);
  await engine.loras.load('twin', twin);
});
afterAll(async () => {
  await engine?.loras.dispose();
  await engine?.dispose();
  await model?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const run = async (e: Engine, prompt: number[], lora?: string): Promise<GreedyRun & { r: GenerateResult }> => {
  const g = e.generate(prompt, { ...greedy, ...(lora ? { lora: [{ name: lora }] } : {}) });
  return { ...(await collect(g)), r: await g.result };
};
const agree = (a: GreedyRun, b: GreedyRun): number => expectGreedyAgree(a, b, 1e-3);

describe('aLoRA', () => {
  it('invoked at the start of the prompt it is the plain LoRA; never invoked it is the base model', async () => {
    const a = await run(engine, [...INV, ...Q], 'al');
    const t = await run(engine, [...INV, ...Q], 'twin');
    agree(a, t);
    const n = await run(engine, [...P, ...Q], 'al');
    const b = await run(engine, [...P, ...Q]);
    agree(n, b);
  });

  it('invoked mid-prompt: the part before runs on the base model (its base KV is reused from the cache)', async () => {
    const prompt = [...P, ...INV, ...Q];
    const a = await run(engine, prompt, 'al');
    const full = await run(engine, prompt, 'twin');
    const base = await run(engine, prompt);
    expect(a.lps).not.toEqual(full.lps); // not the adapter over the whole prompt
    expect(a.lps).not.toEqual(base.lps); // not the base model
    // a fresh engine without prefix cache computes the same: prefix on the base model, the rest with the adapter
    const fresh = await Engine.create(model, { parallel: 1, nCtx: 512, threads: 1, prefixCache: false });
    try {
      const f = await run(fresh, prompt, 'al');
      agree(f, a);
    } finally {
      await fresh.dispose();
    }
    // after a base request on the same prompt, the aLoRA request reuses the base KV of P (not of INV + Q)
    await run(engine, prompt);
    const reused = await run(engine, prompt, 'al');
    expect(reused.r.usage.cachedPromptTokens).toBe(P.length);
    agree(reused, a);
  });

  it('must be alone, and does not apply to embeddings', async () => {
    expect(() => engine.generate([...INV], { lora: [{ name: 'al' }, { name: 'twin' }] })).toThrow(InvalidArgumentError);
    await expect(engine.embed(['x'], { lora: [{ name: 'al' }] })).rejects.toBeInstanceOf(InvalidArgumentError);
    const s = await engine.score([...P, ...INV], [' a', ' b'], { lora: [{ name: 'al' }] });
    expect(s.candidates).toHaveLength(2);
  });
});
