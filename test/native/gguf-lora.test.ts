import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getLlama, LlamaCompletion, type Llama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeLora, makeSyntheticModel, mergeLora } from '../../src/gguf/index.js';

/**
 * Our LoRA files against upstream llama.cpp (node-llama-cpp 3.21.1, the pinned oracle, same llama.cpp release):
 * the adapter loads, changes the output, and running base + adapter (scale s) greedily gives the same text as our
 * merged model W + s * alpha/r * B.A.
 */
const tmp = mkdtempSync(path.join(tmpdir(), 'onramp-gguf-lora-'));
let llama: Llama;

async function greedy(modelPath: string, lora?: { filePath: string; scale: number }): Promise<string> {
  const model = await llama.loadModel({ modelPath });
  try {
    const ctx = await model.createContext({ contextSize: 256, threads: 1, ...(lora ? { lora: { adapters: [lora] } } : {}) });
    try {
      const c = new LlamaCompletion({ contextSequence: ctx.getSequence() });
      return await c.generateCompletion('Once upon a time', { maxTokens: 24, temperature: 0 });
    } finally {
      await ctx.dispose();
    }
  } finally {
    await model.dispose();
  }
}

beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
});

describe('LoRA adapters from src/gguf in llama.cpp', () => {
  it('load, change the output, and match our merged model', async () => {
    const base = await makeSyntheticModel({ shape: 'tiny', vocab: 'llama-spm', seed: 1, type: 'f32', output: path.join(tmp, 'base.gguf') });
    const adapter = await makeLora({ model: base, rank: 4, alpha: 8, targets: ['attn_q', 'attn_v', 'ffn_down', 'output'], seed: 3, std: 0.3, output: path.join(tmp, 'a.gguf') });
    const scale = 0.7;
    const merged = await mergeLora({ model: base, loras: [{ path: adapter, scale }], output: path.join(tmp, 'merged.gguf') });
    const plain = await greedy(base);
    const withLora = await greedy(base, { filePath: adapter, scale });
    const baked = await greedy(merged);
    expect(withLora).not.toBe(plain);
    expect(baked).toBe(withLora);
  });
});

afterAll(async () => {
  await llama?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});
