import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { Model } from '../../src/engine/Model.js';
import { QueueFullError, GrammarError, ContextOverflowError, InvalidArgumentError, AbortError } from '../../src/errors.js';
import { llama2TinyPath, storiesPath } from './helpers.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let model: Model;
let engine: Engine;
beforeAll(async () => {
  model = await Model.load(storiesPath);
  engine = await Engine.create(model, { parallel: 8, nCtx: 4096, threads: 1 });
});
afterAll(async () => {
  await engine?.dispose();
  await model?.dispose();
});

const greedy = { temperature: 0, maxTokens: 32 } as const;

describe('Engine.generate (stories260K)', () => {
  it('greedy output equals node-llama-cpp token for token', async () => {
    const { getLlama, LlamaCompletion } = await import('node-llama-cpp');
    const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
    const m = await llama.loadModel({ modelPath: storiesPath });
    const ctx = await m.createContext({ contextSize: 512, threads: 1 });
    const oracle: number[] = [];
    await new LlamaCompletion({ contextSequence: ctx.getSequence() }).generateCompletion('Once upon a time', {
      maxTokens: 32,
      temperature: 0,
      onToken: (t) => oracle.push(...t),
    });
    await ctx.dispose();
    await m.dispose();
    const r = await engine.generate('Once upon a time', greedy).result;
    expect(oracle.length).toBe(32);
    expect(r.tokens).toEqual(oracle);
    expect(r.finishReason).toBe('length');
    expect(r.usage.completionTokens).toBe(32);
    expect(r.text).toBe(model.detokenize(r.tokens));
  });

  it('streams events whose text adds up to the result', async () => {
    const run = engine.generate('Once upon a time', { ...greedy, logprobs: 3 });
    let text = '';
    const toks: number[] = [];
    for await (const ev of run) {
      text += ev.text;
      toks.push(...ev.tokens);
      expect(ev.logprobs?.length).toBe(ev.tokens.length);
      for (const lp of ev.logprobs ?? []) {
        expect(lp.top).toHaveLength(3);
        // greedy: the sampled token is the most likely one
        expect(lp.top[0]!.token).toBe(lp.token);
        expect(lp.logprob).toBeCloseTo(lp.top[0]!.logprob, 5);
      }
    }
    const r = await run.result;
    expect(text).toBe(r.text);
    expect(toks).toEqual(r.tokens);
    expect(r.timings.promptMs).toBeGreaterThanOrEqual(0);
  });

  it('8 concurrent greedy generations equal each one alone', async () => {
    const prompts = Array.from({ length: 8 }, (_, i) => ['Once upon a time', 'The cat', 'Lily went', 'Tom saw a big', 'One day', 'The sun was', 'A little bird', 'Max and Sue'][i]!);
    const alone: number[][] = [];
    for (const p of prompts) alone.push((await engine.generate(p, greedy).result).tokens);
    const together = await Promise.all(prompts.map((p) => engine.generate(p, greedy).result));
    expect(together.map((r) => r.tokens)).toEqual(alone);
  });

  it('reuses a cached prompt prefix', async () => {
    const sys = 'Once upon a time, there was a little girl named Lily. She loved to play outside.';
    await engine.generate(sys + ' One day', { temperature: 0, maxTokens: 4 }).result;
    const r = await engine.generate(sys + ' The sun', { temperature: 0, maxTokens: 4 }).result;
    expect(r.usage.cachedPromptTokens).toBeGreaterThan(10);
    const fresh = await Engine.create(model, { parallel: 1, threads: 1, prefixCache: false });
    try {
      const r2 = await fresh.generate(sys + ' The sun', { temperature: 0, maxTokens: 4 }).result;
      expect(r2.tokens).toEqual(r.tokens);
      expect(r2.usage.cachedPromptTokens).toBe(0);
    } finally {
      await fresh.dispose();
    }
  });

  it('shares a prefix held by a busy slot (system prompt evaluated once)', async () => {
    const sys = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the sun.';
    const e = await Engine.create(model, { parallel: 2, threads: 1 });
    const fresh = await Engine.create(model, { parallel: 1, threads: 1, prefixCache: false });
    try {
      const first = e.generate(sys + ' One day', { temperature: 0, maxTokens: 200, ignoreEos: true });
      for await (const ev of first) if (ev.tokens.length > 0) break; // its prompt is in the KV now; it keeps running
      const second = await e.generate(sys + ' The dog', { temperature: 0, maxTokens: 8 }).result;
      expect(second.usage.cachedPromptTokens).toBeGreaterThan(15);
      expect(second.tokens).toEqual((await fresh.generate(sys + ' The dog', { temperature: 0, maxTokens: 8 }).result).tokens);
      expect((await first.result).finishReason).toBe('abort');
    } finally {
      await e.dispose();
      await fresh.dispose();
    }
  });

  it('never emits a stop string, even across token boundaries', async () => {
    const full = await engine.generate('Once upon a time', greedy).result;
    // Pick a stop string that straddles two tokens.
    const pieces = full.tokens.map((t) => model.detokenize([t]));
    let at = 0;
    let i = 3;
    for (let k = 0; k < i; k++) at += pieces[k]!.length;
    const stop = full.text.slice(at - 2, at + 2);
    expect(stop.length).toBe(4);
    const run = engine.generate('Once upon a time', { ...greedy, stop: [stop] });
    let streamed = '';
    for await (const ev of run) streamed += ev.text;
    const r = await run.result;
    expect(r.finishReason).toBe('stop');
    expect(r.stopString).toBe(stop);
    expect(r.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
    expect(streamed).toBe(r.text);
  });

  it('abort mid-stream frees the slot so a queued request runs', async () => {
    const one = await Engine.create(model, { parallel: 1, queueSize: 1, threads: 1 });
    try {
      const ac = new AbortController();
      const first = one.generate('Once upon a time', { temperature: 0, maxTokens: 100_000, ignoreEos: true, signal: ac.signal });
      const queued = one.generate('The cat', greedy);
      expect(one.stats()).toMatchObject({ busySlots: 1, queued: 1 });
      expect(() => one.generate('x', greedy)).toThrow(QueueFullError);
      let n = 0;
      for await (const ev of first) {
        n += ev.tokens.length;
        if (n >= 5) ac.abort();
      }
      const r1 = await first.result;
      expect(r1.finishReason).toBe('abort');
      expect(r1.tokens.length).toBeLessThan(100);
      const r2 = await queued.result;
      expect(r2.finishReason).toBe('length');
      expect(r2.tokens.length).toBe(32);
      expect(one.stats()).toMatchObject({ busySlots: 0, queued: 0 });
    } finally {
      await one.dispose();
    }
  });

  it('rejects at once when the queue is full', async () => {
    const one = await Engine.create(model, { parallel: 1, queueSize: 0, threads: 1 });
    try {
      const a = one.generate('Once', { ...greedy, maxTokens: 8 });
      expect(() => one.generate('Twice', greedy)).toThrow(QueueFullError);
      await expect(one.score('Once', [' a'])).rejects.toThrow(QueueFullError);
      expect((await a.result).finishReason).toBe('length');
    } finally {
      await one.dispose();
    }
  });

  it('enforces a JSON schema', async () => {
    const schema = {
      type: 'object',
      properties: { name: { type: 'string', maxLength: 12 }, age: { type: 'integer', minimum: 0, maximum: 120 }, kind: { enum: ['cat', 'dog'] } },
      required: ['name', 'age', 'kind'],
      additionalProperties: false,
    };
    const r = await engine.generate('Once upon a time', { temperature: 0.7, seed: 3, maxTokens: 200, jsonSchema: schema }).result;
    expect(r.finishReason).toBe('stop');
    const v = JSON.parse(r.text) as { name: string; age: number; kind: string };
    expect(typeof v.name).toBe('string');
    expect(v.name.length).toBeLessThanOrEqual(12);
    expect(Number.isInteger(v.age) && v.age >= 0 && v.age <= 120).toBe(true);
    expect(['cat', 'dog']).toContain(v.kind);
    expect(() => engine.generate('x', { jsonSchema: { type: 'number', multipleOf: 3 } })).toThrow(GrammarError);
    expect(() => engine.generate('x', { grammar: 'root ::= undefined-rule' })).toThrow(/grammar/);
  });

  it('validates requests', () => {
    expect(() => engine.generate('x', { temperature: -1 })).toThrow(InvalidArgumentError);
    expect(() => engine.generate('x', { topP: 2 })).toThrow(/topP/);
    expect(() => engine.generate(Array.from({ length: 5000 }, () => 1))).toThrow(ContextOverflowError);
    expect(() => engine.generate('x', { lora: [{ name: 'no-such-adapter' }] })).toThrow(/not found/);
  });

  it('seeded sampling is reproducible', async () => {
    const o = { temperature: 1, topK: 0, topP: 1, minP: 0, seed: 42, maxTokens: 24 };
    const a = await engine.generate('Once upon a time', o).result;
    const b = await engine.generate('Once upon a time', o).result;
    expect(a.tokens).toEqual(b.tokens);
  });
});

describe('Engine.score (stories260K)', () => {
  const prefix = 'Once upon a time, there was a little';
  const cands = [' girl', ' boy', ' dog named Max', ' cat', ' bird who liked to sing'];

  it('one pass equals independent scoring within 1e-3 nats', async () => {
    const indep = await Engine.create(model, { parallel: 1, threads: 1, prefixCache: false });
    const onePass = await Engine.create(model, { parallel: 2, threads: 1 });
    try {
      const all = await onePass.score(prefix, cands);
      for (let i = 0; i < cands.length; i++) {
        const alone = (await indep.score(prefix, [cands[i]!])).candidates[0]!;
        const c = all.candidates[i]!;
        expect(c.tokens).toEqual(alone.tokens);
        expect(Math.abs(c.logprob - alone.logprob)).toBeLessThan(1e-3);
        c.tokenLogprobs.forEach((lp, k) => expect(Math.abs(lp - alone.tokenLogprobs[k]!)).toBeLessThan(1e-3));
      }
      expect(all.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(all.normalizedProbs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      // equals the logprob a generation would see for the first token
      const g = await engine.generate(prefix, { temperature: 0, maxTokens: 1, logprobs: 0 });
      const ev = (await g.result).tokens[0]!;
      const girl = all.candidates[0]!;
      if (girl.tokens[0] === ev) expect(girl.tokenLogprobs[0]!).toBeLessThanOrEqual(0);
    } finally {
      await onePass.dispose();
      await indep.dispose();
    }
  });

  it('scores more candidates than score sequences, concurrently with generation and a reused prefix', async () => {
    // Without flash attention and with an f32 KV cache, a prefix computed during generation (one token per step)
    // equals one computed as a prompt batch; see EngineOptions.flashAttention.
    const exact = await Engine.create(model, { parallel: 4, threads: 1, flashAttention: false, kvCacheType: 'f32' });
    const indep = await Engine.create(model, { parallel: 1, threads: 1, flashAttention: false, kvCacheType: 'f32', prefixCache: false });
    try {
      const many = Array.from({ length: 20 }, (_, i) => ` ${['red', 'blue', 'green', 'big', 'small'][i % 5]} ${['ball', 'tree', 'house', 'car'][i % 4]}`);
      await exact.generate('Once upon a time', greedy).result; // leaves the prefix in a slot's cache
      const gen = exact.generate('Once upon a time', greedy);
      const [a, b] = await Promise.all([exact.score(prefix, many), exact.score(prefix, many.slice(0, 3))]);
      expect(a.candidates).toHaveLength(20);
      expect(a.prefixTokens).toBe(b.prefixTokens);
      for (let i = 0; i < 3; i++) expect(Math.abs(a.candidates[i]!.logprob - b.candidates[i]!.logprob)).toBeLessThan(1e-4);
      for (const i of [0, 7, 19]) {
        const alone = (await indep.score(prefix, [many[i]!])).candidates[0]!;
        expect(Math.abs(a.candidates[i]!.logprob - alone.logprob)).toBeLessThan(1e-4);
      }
      expect((await gen.result).tokens).toHaveLength(32);
    } finally {
      await exact.dispose();
      await indep.dispose();
    }
  });

  it('aborts', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(engine.score(prefix, cands, { signal: ac.signal })).rejects.toThrow(AbortError);
  });
});

describe('Engine.embed (stories260K)', () => {
  const cos = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

  it('gives the same vectors in any batch composition', async () => {
    const [alone] = await engine.embed(['The little dog ran home.']);
    const mixed = await engine.embed(['Hello there', 'The little dog ran home.', 'A much longer sentence about a cat and a ball.']);
    const conc = await Promise.all([engine.embed(['xyz']), engine.embed(['The little dog ran home.']), engine.embed(['q'])]);
    const a = alone!.embedding as Float32Array;
    for (const other of [mixed[1]!.embedding, conc[1]![0]!.embedding] as Float32Array[]) {
      expect(other.length).toBe(a.length);
      let maxDiff = 0;
      for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - other[i]!));
      expect(maxDiff).toBeLessThan(1e-4);
    }
    expect(cos(a, a)).toBeCloseTo(1, 5);
  });

  it('supports pooling modes, normalization and truncation', async () => {
    const [none] = await engine.embed(['one two three'], { pooling: 'none', normalize: false });
    const rows = none!.embedding as Float32Array[];
    expect(rows).toHaveLength(none!.tokens);
    const [mean] = await engine.embed(['one two three'], { pooling: 'mean', normalize: false });
    const m = mean!.embedding as Float32Array;
    for (let d = 0; d < m.length; d += 7) expect(m[d]!).toBeCloseTo(rows.reduce((s, r) => s + r[d]!, 0) / rows.length, 4);
    const [last] = await engine.embed(['one two three'], { pooling: 'last', normalize: false });
    expect(Array.from(last!.embedding as Float32Array)).toEqual(Array.from(rows[rows.length - 1]!));
    const long = 'word '.repeat(2000);
    await expect(engine.embed([long])).rejects.toThrow(ContextOverflowError);
    const [t] = await engine.embed([long], { truncate: true });
    expect(t!.tokens).toBe(512);
  });
});

describe('Engine lifecycle', () => {
  it('200 create/dispose cycles do not grow RSS', async () => {
    const m2 = await Model.load(llama2TinyPath);
    try {
      const cycle = async (): Promise<void> => {
        const e = await Engine.create(m2, { parallel: 2, nCtx: 256, threads: 1 });
        await e.generate('Hello', { temperature: 0, maxTokens: 2 }).result;
        await e.dispose();
        await e.dispose();
      };
      for (let i = 0; i < 20; i++) await cycle();
      gc();
      const before = process.memoryUsage().rss;
      for (let i = 0; i < 200; i++) await cycle();
      gc();
      const grown = (process.memoryUsage().rss - before) / 2 ** 20;
      console.log(`engine create/dispose x200: RSS growth ${grown.toFixed(1)} MiB`);
      expect(grown).toBeLessThan(24);
    } finally {
      await m2.dispose();
    }
  });
});
