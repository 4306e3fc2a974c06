import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/engine/Model.js';
import { LoraRegistry } from '../../src/engine/LoraRegistry.js';
import { ConflictError, DisposedError, FileError, InvalidArgumentError, LoraInvalidError, LoraMismatchError, NotFoundError, OnrampError } from '../../src/errors.js';
import { makeSyntheticModel } from '../../src/gguf/synthetic.js';
import { readGguf } from '../../src/gguf/reader.js';
import { ggufMutants } from '../../src/gguf/mutate.js';
import { readGgufBuffer } from '../../src/gguf/reader.js';
import { tinyBase, writeTestAdapter } from './loraFixtures.js';

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

describe('adapter fuzz corpus', () => {
  it('300 seeded mutants of an adapter give typed errors only and the process survives', async () => {
    const bytes = fs.readFileSync(adapterA);
    const file = await readGgufBuffer(bytes);
    const counts: Record<string, number> = {};
    let loaded = 0;
    let i = 0;
    for (const m of ggufMutants(bytes, file, 300, 20261129)) {
      const p = path.join(tmp, `mut-${i++}.gguf`);
      fs.writeFileSync(p, m.bytes);
      try {
        await reg.load('fuzz', p);
        loaded++;
        await reg.unload('fuzz');
      } catch (e) {
        if (!(e instanceof OnrampError)) throw new Error(`mutant ${m.description}: untyped error ${String(e)}`);
        counts[e.code] = (counts[e.code] ?? 0) + 1;
      } finally {
        fs.rmSync(p, { force: true });
      }
    }
    if (process.env.ONRAMP_TEST_VERBOSE) console.log({ loaded, counts });
    expect(loaded + Object.values(counts).reduce((a, b) => a + b, 0)).toBe(300);
    expect(Object.keys(counts).length).toBeGreaterThan(1);
    expect(reg.list()).toEqual([]);
  });
});
