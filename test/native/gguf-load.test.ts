import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GgufValueType, makeSyntheticModel, metaNumber, validateGguf, type SyntheticModelOptions } from '../../src/gguf/index.js';
import { loadBinding } from '../../src/native/loadBinding.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'onramp-gguf-load-'));

const cases: [string, SyntheticModelOptions][] = [
  ['tiny llama, llama-spm vocab', { shape: 'tiny', vocab: 'llama-spm', seed: 1 }],
  ['qwen2 arch with attention biases, F16', { shape: { arch: 'qwen2', layers: 3, hidden: 96, heads: 6, kvHeads: 2, ff: 160 }, vocab: 'llama-spm', vocabLimit: 400, seed: 2, type: 'f16' }],
  ['tiny llama with the real Qwen2 vocab (151,936 tokens)', { shape: { layers: 1, hidden: 32, heads: 2, kvHeads: 1, ff: 64 }, vocab: 'qwen2', seed: 3, type: 'f16' }],
];

describe('synthetic models load in llama.cpp with the metadata that was written', () => {
  for (const [name, opts] of cases) {
    it(name, async () => {
      const file = await makeSyntheticModel({ ...opts, output: path.join(tmp, `${name.replace(/\W+/g, '-')}.gguf`) });
      const g = await validateGguf(file);
      const arch = g.metadata.get('general.architecture')!.value as string;
      const model = new (loadBinding().AddonModel)(file, {});
      try {
        await model.load();
        const info = model.info();
        expect(info).toMatchObject({
          nLayer: metaNumber(g, `${arch}.block_count`),
          nEmbd: metaNumber(g, `${arch}.embedding_length`),
          nHead: metaNumber(g, `${arch}.attention.head_count`),
          nHeadKv: metaNumber(g, `${arch}.attention.head_count_kv`),
          nCtxTrain: metaNumber(g, `${arch}.context_length`),
          vocabSize: (g.metadata.get('tokenizer.ggml.tokens')!.value as string[]).length,
          parameters: g.tensors.reduce((s, t) => s + t.elements, 0),
        });
        expect(info.specialTokens.bos).toBe(metaNumber(g, 'tokenizer.ggml.bos_token_id'));
        expect(info.specialTokens.eos).toBe(metaNumber(g, 'tokenizer.ggml.eos_token_id'));
        const meta = model.metadata();
        let compared = 0;
        for (const [k, e] of g.metadata) {
          if (e.type === GgufValueType.ARRAY || k === 'tokenizer.chat_template') continue;
          const got = meta[k];
          expect(got, k).toBeDefined();
          if (e.type === GgufValueType.FLOAT32 || e.type === GgufValueType.FLOAT64) expect(Number(got)).toBeCloseTo(Number(e.value), 6);
          else expect(got, k).toBe(String(e.value));
          compared++;
        }
        expect(compared).toBeGreaterThan(12);
        expect(model.tokenize('Hello world', false, false).length).toBeGreaterThan(0);
      } finally {
        model.dispose();
      }
    });
  }
});
