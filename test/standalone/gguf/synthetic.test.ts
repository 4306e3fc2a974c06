import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeFloats, fromHalf, makeSyntheticModel, MODEL_SHAPES, planTensors, readGguf, readTensorBytes, resolveShape, seededRandom,
  toHalf, validateGguf,
} from '../../../src/gguf/index.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'onramp-syn-'));

describe('synthetic models', () => {
  it('writes the llama hyperparameters and copies every tokenizer key of the vocab file', async () => {
    const p = await makeSyntheticModel({ shape: 'tiny', vocab: 'llama-spm', seed: 5, output: path.join(tmp, 'tiny.gguf') });
    const f = await validateGguf(p);
    const vocab = await readGguf(path.resolve('deps/llama.cpp/models/ggml-vocab-llama-spm.gguf'));
    const m = (k: string) => f.metadata.get(k)?.value;
    expect(m('general.architecture')).toBe('llama');
    expect(m('general.file_type')).toBe(0);
    expect([m('llama.block_count'), m('llama.embedding_length'), m('llama.attention.head_count'), m('llama.attention.head_count_kv'), m('llama.feed_forward_length')]).toEqual([2, 64, 4, 2, 128]);
    expect(m('llama.vocab_size')).toBe(32000);
    for (const [k, e] of vocab.metadata) {
      if (!k.startsWith('tokenizer.')) continue;
      const { offset: _a, ...want } = e;
      const { offset: _b, ...got } = f.metadata.get(k)!;
      expect(got, k).toEqual(want);
    }
    expect(f.tensors.find((t) => t.name === 'token_embd.weight')?.shape).toEqual([64, 32000]);
    expect(f.tensors.find((t) => t.name === 'blk.1.attn_k.weight')?.shape).toEqual([64, 32]);
    expect(f.tensors.find((t) => t.name === 'blk.0.ffn_down.weight')?.shape).toEqual([128, 64]);
    // Weights: seeded, zero-mean, std ~0.02; norms are ones.
    const q = f.tensors.find((t) => t.name === 'blk.0.attn_q.weight')!;
    const w = decodeFloats(await readTensorBytes(p, q), 'f32');
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.002);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    const norm = f.tensors.find((t) => t.name === 'output_norm.weight')!;
    expect([...decodeFloats(await readTensorBytes(p, norm), 'f32')].every((x) => x === 1)).toBe(true);
  });

  it('is deterministic per seed and caches by options', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onramp-cache-'));
    process.env.ONRAMP_CACHE_DIR = dir;
    try {
      const a = await makeSyntheticModel({ shape: { arch: 'qwen2', layers: 1 }, vocab: 'llama-spm', vocabLimit: 280, seed: 3, type: 'f16' });
      expect(path.dirname(a)).toBe(path.join(dir, 'models'));
      const mtime = statSync(a).mtimeMs;
      const again = await makeSyntheticModel({ shape: { arch: 'qwen2', layers: 1 }, vocab: 'llama-spm', vocabLimit: 280, seed: 3, type: 'f16' });
      expect(again).toBe(a);
      expect(statSync(again).mtimeMs).toBe(mtime);
      const other = await makeSyntheticModel({ shape: { arch: 'qwen2', layers: 1 }, vocab: 'llama-spm', vocabLimit: 280, seed: 4, type: 'f16' });
      expect(other).not.toBe(a);
      const f = await validateGguf(a);
      expect(f.metadata.get('general.file_type')?.value).toBe(1);
      expect(f.tensors.find((t) => t.name === 'blk.0.attn_q.bias')?.typeName).toBe('F32');
      expect(f.tensors.find((t) => t.name === 'blk.0.attn_q.weight')?.typeName).toBe('F16');
      const t = f.tensors.find((x) => x.name === 'blk.0.attn_v.weight')!;
      const other2 = await readGguf(other);
      expect(await readTensorBytes(a, t)).not.toEqual(await readTensorBytes(other, other2.tensors.find((x) => x.name === t.name)!));
    } finally {
      delete process.env.ONRAMP_CACHE_DIR;
    }
  });

  it('plans the exact Qwen2.5-0.5B geometry (494,032,768 parameters)', () => {
    const s = resolveShape('qwen2.5-0.5b');
    expect(s).toEqual(MODEL_SHAPES['qwen2.5-0.5b']);
    const plan = planTensors(s, 151936);
    expect(plan.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0)).toBe(494_032_768);
    expect(plan.some((p) => p.name === 'output.weight')).toBe(false);
    expect(plan.find((p) => p.name === 'blk.23.attn_k.weight')?.shape).toEqual([896, 128]);
  });

  it('validates shapes and options', async () => {
    expect(() => resolveShape('huge')).toThrow(/unknown shape/);
    expect(() => resolveShape('{"hidden": 65}')).toThrow(/not divisible/);
    expect(() => resolveShape({ heads: 4, kvHeads: 3 })).toThrow(/kvHeads/);
    expect(resolveShape('{"layers": 3}').layers).toBe(3);
    await expect(makeSyntheticModel({ vocab: 'no-such-vocab', output: path.join(tmp, 'x.gguf') })).rejects.toMatchObject({ param: 'vocab' });
    await expect(makeSyntheticModel({ vocab: 'qwen2', vocabLimit: 300, output: path.join(tmp, 'x.gguf') })).rejects.toMatchObject({ param: 'vocabLimit' });
    expect(existsSync(path.join(tmp, 'x.gguf'))).toBe(false);
  });

  it('float16 conversion rounds to nearest even and round-trips halves', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(1e6)).toBe(0x7c00);
    expect(toHalf(2 ** -24)).toBe(1);
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(Number.isNaN(fromHalf(toHalf(NaN)))).toBe(true);
    const r = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const h = Math.floor(r() * 0x7c00);
      expect(toHalf(fromHalf(h))).toBe(h);
    }
  });
});

afterAll(() => {
  delete process.env.ONRAMP_CACHE_DIR;
});
