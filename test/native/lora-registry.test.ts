import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { Model } from '../../src/engine/Model.js';
import { LoraRegistry } from '../../src/engine/LoraRegistry.js';
import { ConflictError, DisposedError, FileError, InvalidArgumentError, LoraInvalidError, LoraMismatchError, NotFoundError, OnrampError } from '../../src/errors.js';
import { makeSyntheticModel } from '../../src/gguf/synthetic.js';
import { readGguf } from '../../src/gguf/reader.js';
import { ggufMutants } from '../../src/gguf/mutate.js';
import { readGgufBuffer } from '../../src/gguf/reader.js';
import { tinyBase, writeTestAdapter } from './loraFixtures.js';
import { GgmlType } from '../../src/gguf/types.js';
import { GgufWriter, gv } from '../../src/gguf/writer.js';
import { encodeFloats, fillUniform, seededRandom, toHalf } from '../../src/gguf/numeric.js';

let tmp: string;
let basePath: string;
let model: Model;
let reg: LoraRegistry;
let adapterA: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onramp-lora-'));
  basePath = await tinyBase();
  const base = await readGguf(basePath);
  adapterA = await writeTestAdapter(base, { rank: 4, alpha: 8, targets: ['attn_q', 'attn_v'], seed: 3, out: path.join(tmp, 'a.gguf') });
  model = await Model.load(basePath);
  reg = new LoraRegistry(model);
});
afterAll(async () => {
  await reg?.dispose();
  await model?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('LoraRegistry', () => {
  it('loads an adapter and lists it with size and metadata', async () => {
    const info = await reg.load('a', adapterA, { scale: 0.5 });
    expect(info).toMatchObject({ name: 'a', path: adapterA, scale: 0.5, architecture: 'llama', alpha: 8, rank: 4, kind: 'lora', activeRequests: 0 });
    expect(info.targets).toEqual(['blk.0.attn_q.weight', 'blk.0.attn_v.weight', 'blk.1.attn_q.weight', 'blk.1.attn_v.weight']);
    // 2 layers x (q: a 64x4 + b 4x64, v: a 64x4 + b 4x32) F32
    expect(info.sizeBytes).toBe(2 * (64 * 4 + 4 * 64 + 64 * 4 + 4 * 32) * 4);
    expect(info.metadata['adapter.type']).toBe('lora');
    expect(reg.list().map((x) => x.name)).toEqual(['a']);
    await expect(reg.load('a', adapterA)).rejects.toBeInstanceOf(ConflictError);
    await reg.unload('a');
    expect(reg.list()).toEqual([]);
    await expect(reg.unload('a')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('keeps an unloaded adapter alive until its last request releases it', async () => {
    await reg.load('b', adapterA);
    const l1 = reg.acquire([{ name: 'b', scale: 0.25 }]);
    const l2 = reg.acquire([{ name: 'b' }]);
    expect(reg.get('b')?.activeRequests).toBe(2);
    expect(l1.adapters[0]?.scale).toBe(0.25);
    expect(l2.adapters[0]?.scale).toBe(1);
    await reg.unload('b');
    expect(() => reg.acquire([{ name: 'b' }])).toThrow(NotFoundError);
    // the name is free again at once, while the old adapter still serves l1/l2
    await reg.load('b', adapterA);
    let drained = false;
    const d = reg.drained().then(() => (drained = true));
    l1.release();
    l1.release(); // idempotent
    await new Promise((r) => setTimeout(r, 20));
    expect(drained).toBe(false);
    l2.release();
    await d;
    expect(drained).toBe(true);
    await reg.unload('b');
  });

  it('gives equal adapter sets equal keys, drops zero scales from the key', async () => {
    await reg.load('k1', adapterA);
    await reg.load('k2', adapterA);
    const x = reg.acquire([{ name: 'k1' }, { name: 'k2', scale: 0.5 }]);
    const y = reg.acquire([{ name: 'k2', scale: 0.5 }, { name: 'k1' }]);
    const z = reg.acquire([{ name: 'k1', scale: 0 }]);
    expect(x.key).toBe(y.key);
    expect(z.key).toBe('');
    expect(reg.acquire([]).key).toBe('');
    for (const l of [x, y, z]) l.release();
    expect(() => reg.acquire([{ name: 'k1' }, { name: 'k1' }])).toThrow(InvalidArgumentError);
    expect(() => reg.acquire([{ name: 'k1', scale: Number.NaN }])).toThrow(InvalidArgumentError);
    await reg.unload('k1');
    await reg.unload('k2');
  });

  it('rejects adapters made for another base with LoraMismatchError', async () => {
    const base = await readGguf(basePath);
    const wrongArch = await writeTestAdapter(base, { rank: 4, alpha: 8, targets: ['attn_q'], seed: 1, arch: 'qwen2', out: path.join(tmp, 'arch.gguf') });
    await expect(reg.load('w', wrongArch)).rejects.toMatchObject({ code: 'LORA_MISMATCH', field: 'architecture' });
    const other = await readGguf(await makeSyntheticModel({ shape: { hidden: 32, heads: 4, kvHeads: 2, ff: 64 }, vocab: 'llama-spm', vocabLimit: 512, seed: 2, type: 'f32' }));
    const wrongShape = await writeTestAdapter(other, { rank: 2, alpha: 4, targets: ['attn_q'], seed: 1, out: path.join(tmp, 'shape.gguf') });
    const e = await reg.load('w', wrongShape).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LoraMismatchError);
    expect((e as LoraMismatchError).field).toBe('shape');
    const deep = await readGguf(await makeSyntheticModel({ shape: { layers: 3 }, vocab: 'llama-spm', vocabLimit: 512, seed: 2, type: 'f32' }));
    const wrongTensor = await writeTestAdapter(deep, { rank: 2, alpha: 4, targets: ['attn_k'], seed: 1, out: path.join(tmp, 'tensor.gguf') });
    await expect(reg.load('w', wrongTensor)).rejects.toMatchObject({ code: 'LORA_MISMATCH', field: 'tensor' });
    expect(reg.list()).toEqual([]);
  });

  it('rejects files that are not LoRA adapters with typed errors', async () => {
    await expect(reg.load('m', basePath)).rejects.toBeInstanceOf(LoraInvalidError);
    await expect(reg.load('m', path.join(tmp, 'missing.gguf'))).rejects.toBeInstanceOf(FileError);
    await expect(reg.load('bad name', adapterA)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(reg.load('m', adapterA, { scale: Infinity })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('reports aLoRA invocation tokens; aLoRA only alone and only where allowed', async () => {
    const base = await readGguf(basePath);
    const al = await writeTestAdapter(base, { rank: 4, alpha: 8, targets: ['attn_q'], seed: 5, invocationTokens: [1, 300, 301], out: path.join(tmp, 'alora.gguf') });
    const info = await reg.load('al', al);
    expect(info.kind).toBe('alora');
    expect(info.aloraInvocationTokens).toEqual([1, 300, 301]);
    expect(() => reg.acquire([{ name: 'al' }])).toThrow(InvalidArgumentError); // embeddings
    await reg.load('plain', adapterA);
    expect(() => reg.acquire([{ name: 'al' }, { name: 'plain' }], { alora: true })).toThrow(InvalidArgumentError);
    const l = reg.acquire([{ name: 'al' }], { alora: true });
    expect(l.adapters).toHaveLength(1);
    l.release();
    await reg.unload('plain');
    await reg.unload('al');
  });
});

describe('Model.dispose frees the adapters', () => {
  it('disposes LoraRegistry.of(model) and every registry built on it; their adapters throw DisposedError', async () => {
    const m = await Model.load(basePath);
    const shared = LoraRegistry.of(m);
    const own = new LoraRegistry(m);
    await shared.load('s', adapterA);
    await own.load('o', adapterA);
    await own.load('busy', adapterA);
    const lease = own.acquire([{ name: 'busy' }]); // a request still running when the model goes
    const first = m.dispose();
    expect(m.disposed).toBe(true); // step 1 is synchronous
    const second = m.dispose(); // idempotent: same work, no second free
    await Promise.all([first, second]);
    for (const r of [shared, own]) {
      expect(r.disposed).toBe(true);
      expect(r.list()).toEqual([]);
      expect(r.size).toBe(0);
      expect(() => r.acquire([{ name: 's' }])).toThrow(DisposedError);
      await expect(r.load('again', adapterA)).rejects.toBeInstanceOf(DisposedError);
    }
    expect(() => LoraRegistry.of(m)).toThrow(DisposedError);
    // the running request keeps its adapter until it ends, then it is freed
    let drained = false;
    const d = own.drained().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(drained).toBe(false);
    lease.release();
    await d;
    expect(drained).toBe(true);
    await m.dispose();
  });

  it('a registry made on a disposed model is disposed', async () => {
    const m = await Model.load(basePath);
    await m.dispose();
    const r = new LoraRegistry(m);
    expect(r.disposed).toBe(true);
    await expect(r.load('x', adapterA)).rejects.toBeInstanceOf(DisposedError);
  });
});

/** Writes an adapter with exactly these tensors (F32 data small and seeded; other types get small valid bytes). */
async function rawAdapter(out: string, tensors: { name: string; shape: number[]; type?: number }[]): Promise<string> {
  const w = new GgufWriter();
  w.set('general.architecture', gv.str('llama'));
  w.set('general.type', gv.str('adapter'));
  w.set('adapter.type', gv.str('lora'));
  w.set('adapter.lora.alpha', gv.f32(4));
  const data: Uint8Array[] = [];
  tensors.forEach((t, i) => {
    const type = t.type ?? GgmlType.F32;
    const wt = w.addTensor(t.name, t.shape, type);
    const n = t.shape.reduce((a, b) => a * b, 1);
    const f = fillUniform(new Float32Array(n), seededRandom(i + 1), 0.05);
    if (type === GgmlType.F32) data.push(new Uint8Array(f.buffer));
    else if (type === GgmlType.F16) data.push(encodeFloats(f, 'f16'));
    else if (type === GgmlType.BF16) data.push(new Uint8Array(Uint16Array.from(new Uint32Array(f.buffer), (u) => u >>> 16).buffer));
    else {
      // Q8_0 blocks: f16 scale then 32 int8; scale 1/1024, values -4..4
      const b = new Uint8Array(wt.byteSize);
      for (let k = 0; k < b.length; k += 34) {
        new DataView(b.buffer).setUint16(k, toHalf(1 / 1024), true);
        for (let j = 0; j < 32; j++) b[k + 2 + j] = ((j % 9) - 4) & 0xff;
      }
      data.push(b);
    }
  });
  await w.writeFile(out, (_t, i) => data[i]!);
  return out;
}

describe('adapter factor shapes (each either serves a decode or is refused with a typed error, never an abort)', () => {
  // tiny base: n_embd 64, n_vocab 512, attn_q [64, 64], attn_v [64, 32], ffn_down [128, 64], output [64, 512]
  const cases: { name: string; tensors: { name: string; shape: number[]; type?: number }[]; expect: 'ok' | string }[] = [
    { name: 'token_embd pair a=[r, n_vocab] b=[r, n_embd]', tensors: [{ name: 'token_embd.weight.lora_a', shape: [4, 512] }, { name: 'token_embd.weight.lora_b', shape: [4, 64] }], expect: 'ok' },
    { name: 'token_embd ranks differ', tensors: [{ name: 'token_embd.weight.lora_a', shape: [4, 512] }, { name: 'token_embd.weight.lora_b', shape: [2, 64] }], expect: 'LORA_INVALID' },
    { name: 'token_embd laid out like a matmul weight', tensors: [{ name: 'token_embd.weight.lora_a', shape: [64, 4] }, { name: 'token_embd.weight.lora_b', shape: [4, 512] }], expect: 'LORA_INVALID' },
    { name: 'token_embd b of another width', tensors: [{ name: 'token_embd.weight.lora_a', shape: [4, 512] }, { name: 'token_embd.weight.lora_b', shape: [4, 32] }], expect: 'LORA_MISMATCH' },
    { name: 'output head pair', tensors: [{ name: 'output.weight.lora_a', shape: [64, 4] }, { name: 'output.weight.lora_b', shape: [4, 512] }], expect: 'ok' },
    { name: 'rank 1, ffn_down', tensors: [{ name: 'blk.0.ffn_down.weight.lora_a', shape: [128, 1] }, { name: 'blk.0.ffn_down.weight.lora_b', shape: [1, 64] }], expect: 'ok' },
    { name: 'a and b transposed', tensors: [{ name: 'blk.0.attn_v.weight.lora_a', shape: [4, 64] }, { name: 'blk.0.attn_v.weight.lora_b', shape: [32, 4] }], expect: 'LORA_INVALID' },
    { name: 'b rows of another tensor', tensors: [{ name: 'blk.0.attn_v.weight.lora_a', shape: [64, 4] }, { name: 'blk.0.attn_v.weight.lora_b', shape: [4, 64] }], expect: 'LORA_MISMATCH' },
    { name: '3-D factor', tensors: [{ name: 'blk.0.attn_q.weight.lora_a', shape: [64, 4, 2] }, { name: 'blk.0.attn_q.weight.lora_b', shape: [4, 64] }], expect: 'LORA_INVALID' },
    { name: 'trailing unit dimension', tensors: [{ name: 'blk.0.attn_q.weight.lora_a', shape: [64, 4, 1] }, { name: 'blk.0.attn_q.weight.lora_b', shape: [4, 64] }], expect: 'ok' },
    { name: 'lora_a only', tensors: [{ name: 'blk.0.attn_q.weight.lora_a', shape: [64, 4] }], expect: 'LORA_INVALID' },
    { name: 'adapting a 1-D norm weight (llama.cpp would ignore it silently)', tensors: [{ name: 'blk.0.attn_norm.weight.lora_a', shape: [64, 4] }, { name: 'blk.0.attn_norm.weight.lora_b', shape: [4, 1] }], expect: 'LORA_MISMATCH' },
    { name: 'F16 factors', tensors: [{ name: 'blk.1.attn_q.weight.lora_a', shape: [64, 4], type: GgmlType.F16 }, { name: 'blk.1.attn_q.weight.lora_b', shape: [4, 64], type: GgmlType.F16 }], expect: 'ok' },
    { name: 'BF16 factors', tensors: [{ name: 'blk.1.attn_q.weight.lora_a', shape: [64, 4], type: GgmlType.BF16 }, { name: 'blk.1.attn_q.weight.lora_b', shape: [4, 64], type: GgmlType.BF16 }], expect: 'ok' },
    { name: 'Q8_0 factors', tensors: [{ name: 'blk.1.ffn_up.weight.lora_a', shape: [64, 32], type: GgmlType.Q8_0 }, { name: 'blk.1.ffn_up.weight.lora_b', shape: [32, 128], type: GgmlType.Q8_0 }], expect: 'ok' },
  ];

  it.each(cases)('$name: $expect', async (c) => {
    const file = await rawAdapter(path.join(tmp, `shape-${cases.indexOf(c)}.gguf`), c.tensors);
    const engine = await Engine.create(model, { parallel: 1, nCtx: 64, threads: 1 });
    try {
      const loaded = await engine.loras.load('shape', file).then(
        () => 'ok',
        (e: unknown) => (e instanceof OnrampError ? e.code : `untyped: ${String(e)}`),
      );
      expect(loaded).toBe(c.expect);
      if (loaded !== 'ok') return;
      const lora = [{ name: 'shape' }];
      const base = await engine.score('Once upon a', [' time', ' day']);
      const s = await engine.score('Once upon a', [' time', ' day'], { lora });
      expect(s.candidates.every((x) => Number.isFinite(x.logprob))).toBe(true);
      expect(s.candidates.map((x) => x.logprob)).not.toEqual(base.candidates.map((x) => x.logprob)); // applied
      const g = await engine.generate('Once', { maxTokens: 1, temperature: 0, lora }).result;
      expect(g.finishReason).not.toBe('error');
      expect(g.tokens).toHaveLength(1);
    } finally {
      if (engine.loras.get('shape')) await engine.loras.unload('shape');
      await engine.dispose();
    }
  });
});

describe('adapter fuzz corpus', () => {
  it('300 seeded mutants of an adapter give typed errors only; every one that loads serves a decode', async () => {
    const bytes = fs.readFileSync(adapterA);
    const file = await readGgufBuffer(bytes);
    // the engine's registry is LoraRegistry.of(model): a loaded mutant is used by a real score + generate step
    const engine = await Engine.create(model, { parallel: 1, nCtx: 128, threads: 1 });
    const counts: Record<string, number> = {};
    let loaded = 0;
    let decoded = 0;
    let i = 0;
    try {
      for (const m of ggufMutants(bytes, file, 300, 20261129)) {
        const p = path.join(tmp, `mut-${i++}.gguf`);
        fs.writeFileSync(p, m.bytes);
        try {
          await engine.loras.load('fuzz', p);
          loaded++;
          try {
            const lora = [{ name: 'fuzz' }];
            const s = await engine.score('Once upon a', [' time', ' day'], { lora });
            expect(s.candidates).toHaveLength(2);
            const g = await engine.generate('Once', { maxTokens: 1, temperature: 0, lora }).result;
            if (g.finishReason === 'error') throw new OnrampError(g.error?.code ?? 'NATIVE', g.error?.message ?? 'engine error');
            expect(g.tokens).toHaveLength(1);
            decoded++;
          } catch (e) {
            if (!(e instanceof OnrampError)) throw new Error(`mutant ${m.description}: decode gave an untyped error ${String(e)}`);
            counts[`decode:${e.code}`] = (counts[`decode:${e.code}`] ?? 0) + 1;
          } finally {
            await engine.loras.unload('fuzz');
          }
        } catch (e) {
          if (!(e instanceof OnrampError)) throw new Error(`mutant ${m.description}: untyped error ${String(e)}`);
          counts[e.code] = (counts[e.code] ?? 0) + 1;
        } finally {
          fs.rmSync(p, { force: true });
        }
      }
    } finally {
      await engine.dispose();
    }
    if (process.env.ONRAMP_TEST_VERBOSE) console.log({ loaded, decoded, counts });
    const failed = Object.entries(counts).filter(([k]) => !k.startsWith('decode:')).reduce((a, [, n]) => a + n, 0);
    expect(loaded + failed).toBe(300);
    expect(loaded).toBeGreaterThan(0); // the decode path is exercised
    expect(Object.keys(counts).length).toBeGreaterThan(1);
    expect(engine.loras.list()).toEqual([]);
  });
});
