import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp';
import { Model } from '../../src/engine/Model.js';
import { makeSyntheticModel } from '../../src/gguf/index.js';
import { llama2TinyPath, storiesPath, TOKENIZER_CORPUS } from './helpers.js';

// node-llama-cpp is the oracle: same file, same llama.cpp release, its own addon.
let llama: Llama;
beforeAll(async () => {
  llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
});
afterAll(async () => {
  await llama?.dispose();
});

async function compare(file: string): Promise<void> {
  const theirs: LlamaModel = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
  const ours = await Model.load(file, { gpuLayers: 0 });
  try {
    for (const text of TOKENIZER_CORPUS) {
      const want = Array.from(theirs.tokenize(text));
      expect(ours.tokenize(text), JSON.stringify(text)).toEqual(want);
      const wantSpecial = Array.from(theirs.tokenize(text, true));
      expect(ours.tokenize(text, { parseSpecial: true }), `special ${JSON.stringify(text)}`).toEqual(wantSpecial);
      expect(ours.detokenize(want), `detok ${JSON.stringify(text)}`).toEqual(theirs.detokenize(want as never));
    }
  } finally {
    await ours.dispose();
    await theirs.dispose();
  }
}

describe('tokenization equals node-llama-cpp', () => {
  it('llama-2-tiny-random (32k SPM vocab)', async () => {
    await compare(llama2TinyPath);
  });
  it('stories260K (512 vocab)', async () => {
    await compare(storiesPath);
  });
  it('synthetic qwen2 model with the real Qwen2 BPE vocab (151k)', async () => {
    const file = await makeSyntheticModel({
      shape: { arch: 'qwen2', layers: 1, hidden: 32, heads: 2, kvHeads: 1, ff: 64, tieEmbeddings: true, attnBias: true },
      vocab: 'qwen2',
      seed: 3,
      type: 'f16',
    });
    await compare(file);
  });
});

describe('tokenize options', () => {
  it('adds BOS with addSpecial and round-trips text', async () => {
    await using m = await Model.load(llama2TinyPath, { vocabOnly: true });
    const plain = m.tokenize('Hello world');
    const withBos = m.tokenize('Hello world', { addSpecial: true });
    expect(withBos[0]).toBe(m.info.specialTokens.bos);
    expect(withBos.slice(1)).toEqual(plain);
    expect(m.detokenize(plain)).toBe('Hello world');
    expect(m.detokenize(withBos, { special: true })).toContain('<s>');
    // BOS is dropped without `special`; SPM then keeps the word-initial space (as llama.cpp does).
    expect(m.detokenize(withBos).trimStart()).toBe('Hello world');
    // special-token text: one token with parseSpecial, several without
    expect(m.tokenize('</s>', { parseSpecial: true })).toEqual([m.info.specialTokens.eos]);
    expect(m.tokenize('</s>').length).toBeGreaterThan(1);
    expect(() => m.detokenize([m.info.vocabSize])).toThrowError(/tokens/);
  });
});
