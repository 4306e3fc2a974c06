import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import {
  addLoraDelta, decodeFloats, encodeFloats, GgmlType, GgufWriter, gv, inspectLora, makeLora, makeSyntheticModel, mergeLora,
  readGguf, readTensorBytes, type GgufFile,
} from '../../../src/gguf/index.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'onramp-lora-'));
const out = (n: string): string => path.join(tmp, n);

/** A minimal "llama" file with one 2x3 weight (W row-major out=2 x in=3, ggml shape [3, 2]). */
async function tinyBase(type: 'f32' | 'f16'): Promise<string> {
  const w = new GgufWriter();
  w.set('general.architecture', gv.str('llama'));
  w.addTensor('blk.0.attn_q.weight', [3, 2], type === 'f16' ? GgmlType.F16 : GgmlType.F32);
  w.addTensor('blk.0.attn_norm.weight', [3], GgmlType.F32);
  const p = out(`base-${type}.gguf`);
  await w.writeFile(p, (_t, i) => encodeFloats(new Float32Array(i === 0 ? [1, 2, 3, 4, 5, 6] : [7, 8, 9]), i === 0 ? type : 'f32'));
  return p;
}

/** An adapter for tinyBase: A is r x in (ggml [3, r]), B is out x r (ggml [r, 2]). */
async function tinyLora(name: string, alpha: number, a: number[], b: number[], r: number): Promise<string> {
  const w = new GgufWriter();
  w.set('general.architecture', gv.str('llama'));
  w.set('general.type', gv.str('adapter'));
  w.set('adapter.type', gv.str('lora'));
  w.set('adapter.lora.alpha', gv.f32(alpha));
  w.addTensor('blk.0.attn_q.weight.lora_a', [3, r], GgmlType.F32);
  w.addTensor('blk.0.attn_q.weight.lora_b', [r, 2], GgmlType.F32);
  const p = out(name);
  await w.writeFile(p, (_t, i) => encodeFloats(new Float32Array(i === 0 ? a : b), 'f32'));
  return p;
}

async function weights(p: string, name: string): Promise<number[]> {
  const f: GgufFile = await readGguf(p);
  const t = f.tensors.find((x) => x.name === name)!;
  return [...decodeFloats(await readTensorBytes(p, t), t.type === GgmlType.F16 ? 'f16' : 'f32')];
}

describe('LoRA merge math (hand-computed)', () => {
  it('W + scale * alpha/r * B.A for one rank-1 adapter, F32 and F16 bases', async () => {
    // A = [1 0 -1], B = [2; 0.5], alpha 2, r 1, scale 0.5 => factor 1; B.A = [[2 0 -2], [0.5 0 -0.5]].
    const lora = await tinyLora('r1.gguf', 2, [1, 0, -1], [2, 0.5], 1);
    for (const type of ['f32', 'f16'] as const) {
      const merged = await mergeLora({ model: await tinyBase(type), loras: [{ path: lora, scale: 0.5 }], output: out(`m-${type}.gguf`) });
      expect(await weights(merged, 'blk.0.attn_q.weight')).toEqual([3, 2, 1, 4.5, 5, 5.5]);
      expect(await weights(merged, 'blk.0.attn_norm.weight')).toEqual([7, 8, 9]);
    }
  });

  it('rank 2, two adapters, alpha 0 means factor = scale', async () => {
    // A (2x3) = [[1 1 0], [0 1 1]], B (2x2) = [[1 0], [0 2]]; B.A = [[1 1 0], [0 2 2]]; alpha 4, r 2, scale 1 => factor 2.
    const l1 = await tinyLora('r2.gguf', 4, [1, 1, 0, 0, 1, 1], [1, 0, 0, 2], 2);
    // alpha 0: factor = scale = -1; A = [0 0 1], B = [1; 1] => B.A = [[0 0 1], [0 0 1]].
    const l2 = await tinyLora('r1b.gguf', 0, [0, 0, 1], [1, 1], 1);
    const merged = await mergeLora({ model: await tinyBase('f32'), loras: [{ path: l1 }, { path: l2, scale: -1 }], output: out('m2.gguf') });
    expect(await weights(merged, 'blk.0.attn_q.weight')).toEqual([1 + 2, 2 + 2, 3 + 0 - 1, 4 + 0, 5 + 4, 6 + 4 - 1]);
  });

  it('addLoraDelta on raw arrays', () => {
    const W = new Float32Array([0, 0, 0, 0]);
    addLoraDelta(W, new Float32Array([1, 2]), new Float32Array([3, 4]), 2, 2, 1, 0.5);
    expect([...W]).toEqual([1.5, 3, 2, 4]);
  });

  it('rejects adapters for another base or architecture', async () => {
    const base = await tinyBase('f32');
    // The writer refuses tensor data of the wrong size.
    await expect(tinyLora('wrong.gguf', 1, [1, 0, 0, 0], [1, 1], 1)).rejects.toMatchObject({ param: 'data' });
    const w = new GgufWriter();
    w.set('general.architecture', gv.str('qwen2'));
    w.set('general.type', gv.str('adapter'));
    w.set('adapter.type', gv.str('lora'));
    w.set('adapter.lora.alpha', gv.f32(1));
    w.addTensor('blk.0.attn_q.weight.lora_a', [3, 1], GgmlType.F32);
    w.addTensor('blk.0.attn_q.weight.lora_b', [1, 2], GgmlType.F32);
    await w.writeFile(out('qwen.gguf'), (t) => new Uint8Array(t.byteSize));
    await expect(mergeLora({ model: base, loras: [{ path: out('qwen.gguf') }], output: out('x.gguf') })).rejects.toThrow(/architecture qwen2/);
    const shape = new GgufWriter();
    for (const [k, v] of w.metadata) shape.set(k, v);
    shape.set('general.architecture', gv.str('llama'));
    shape.addTensor('blk.0.attn_q.weight.lora_a', [4, 1], GgmlType.F32);
    shape.addTensor('blk.0.attn_q.weight.lora_b', [1, 2], GgmlType.F32);
    await shape.writeFile(out('shape.gguf'), (t) => new Uint8Array(t.byteSize));
    await expect(mergeLora({ model: base, loras: [{ path: out('shape.gguf') }], output: out('x.gguf') })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(inspectLora(base)).rejects.toThrow(/not an adapter/);
  });
});

describe('makeLora', () => {
  it('writes lora_a [in, r] / lora_b [r, out] per target with adapter metadata', async () => {
    const base = await makeSyntheticModel({ shape: 'tiny', vocab: 'llama-spm', vocabLimit: 300, seed: 1, output: out('syn.gguf') });
    const p = await makeLora({ model: base, rank: 3, alpha: 6, targets: ['attn_q', 'attn_v', 'ffn_down', 'output'], seed: 9, output: out('a.gguf') });
    const f = await readGguf(p);
    expect(f.metadata.get('general.type')?.value).toBe('adapter');
    expect(f.metadata.get('adapter.type')?.value).toBe('lora');
    expect(f.metadata.get('adapter.lora.alpha')?.value).toBe(6);
    expect(f.metadata.get('general.architecture')?.value).toBe('llama');
    const info = await inspectLora(p);
    expect(info).toMatchObject({ architecture: 'llama', adapterType: 'lora', alpha: 6, rank: 3 });
    const byTarget = Object.fromEntries(info.pairs.map((x) => [x.target, x]));
    expect(Object.keys(byTarget).sort()).toEqual(['blk.0.attn_q.weight', 'blk.0.attn_v.weight', 'blk.0.ffn_down.weight', 'blk.1.attn_q.weight', 'blk.1.attn_v.weight', 'blk.1.ffn_down.weight', 'output.weight']);
    expect(byTarget['blk.0.attn_q.weight']).toMatchObject({ a: [64, 3], b: [3, 64] });
    expect(byTarget['blk.1.attn_v.weight']).toMatchObject({ a: [64, 3], b: [3, 32] });
    expect(byTarget['blk.0.ffn_down.weight']).toMatchObject({ a: [128, 3], b: [3, 64] });
    expect(byTarget['output.weight']).toMatchObject({ a: [64, 3], b: [3, 300] });
    // Seeded: same options, same bytes.
    const again = await makeLora({ model: base, rank: 3, alpha: 6, targets: ['attn_q', 'attn_v', 'ffn_down', 'output'], seed: 9, output: out('b.gguf') });
    const t = f.tensors[0]!;
    expect(await readTensorBytes(again, t)).toEqual(await readTensorBytes(p, t));
    await expect(makeLora({ model: base, rank: 0, alpha: 1, targets: ['attn_q'], output: out('c.gguf') })).rejects.toMatchObject({ param: 'rank' });
    await expect(makeLora({ model: base, rank: 2, alpha: 1, targets: ['bogus'], output: out('c.gguf') })).rejects.toMatchObject({ param: 'targets' });
  });
});
