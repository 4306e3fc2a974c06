import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { Model } from '../../src/engine/Model.js';
import { DisposedError } from '../../src/errors.js';
import { llama2TinyPath, storiesPath } from './helpers.js';

let stories: Model;
let tiny: Model;
beforeAll(async () => {
  stories = await Model.load(storiesPath);
  tiny = await Model.load(llama2TinyPath);
});
afterAll(async () => {
  await stories?.dispose();
  await tiny?.dispose();
});

describe('Engine streaming details', () => {
  it('never splits a UTF-8 character across events (random 32k-vocab model with byte tokens)', async () => {
    const engine = await Engine.create(tiny, { parallel: 2, threads: 1 });
    try {
      for (const seed of [1, 2, 3]) {
        const run = engine.generate('你好，世界', { temperature: 1.5, topK: 0, topP: 1, minP: 0, seed, maxTokens: 64, ignoreEos: true });
        const events: string[] = [];
        for await (const ev of run) events.push(ev.text);
        const r = await run.result;
        expect(events.join('')).toBe(r.text);
        // Each event is whole characters: decoding all piece bytes in one go gives the same text.
        const bytes = Buffer.concat(r.tokens.map((t) => tiny.native.tokenPiece(t, false)));
        expect(r.text).toBe(new TextDecoder().decode(bytes));
        for (const e of events) expect(e).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
      }
    } finally {
      await engine.dispose();
    }
  });

  it('chunks long prompts without changing the result, while other slots keep generating', async () => {
    const long = 'Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her dog. '.repeat(4);
    const big = await Engine.create(stories, { parallel: 2, threads: 1, nBatch: 512 });
    const small = await Engine.create(stories, { parallel: 2, threads: 1, nBatch: 16, nUbatch: 16 });
    try {
      const ref = await big.generate(long, { temperature: 0, maxTokens: 16 }).result;
      const other = small.generate('The cat', { temperature: 0, maxTokens: 48, ignoreEos: true });
      const got = await small.generate(long, { temperature: 0, maxTokens: 16 }).result;
      expect(got.tokens).toEqual(ref.tokens);
      expect(got.usage.promptTokens).toBeGreaterThan(100);
      expect((await other.result).tokens).toHaveLength(48);
    } finally {
      await big.dispose();
      await small.dispose();
    }
  });

  it('ends requests cleanly when the shared KV cache fills up', async () => {
    const e = await Engine.create(stories, { parallel: 2, nCtx: 64, threads: 1 });
    try {
      const rs = await Promise.all([0, 1].map((i) => e.generate(`Tom ${i}`, { temperature: 0, maxTokens: 200, ignoreEos: true }).result));
      for (const r of rs) expect(['length', 'error']).toContain(r.finishReason);
      expect(rs.some((r) => r.finishReason === 'error' && r.error?.code === 'CONTEXT_OVERFLOW') || rs.every((r) => r.finishReason === 'length')).toBe(true);
      // the engine still works afterwards
      expect((await e.generate('Once', { temperature: 0, maxTokens: 4 }).result).tokens).toHaveLength(4);
    } finally {
      await e.dispose();
    }
  });

  it('chat() applies the chat template; dispose ends open requests', async () => {
    const e = await Engine.create(tiny, { parallel: 1, threads: 1 });
    const r = await e.chat([{ role: 'user', content: 'Hi' }], { temperature: 0, maxTokens: 4, ignoreEos: true }).result;
    expect(r.tokens).toHaveLength(4);
    expect(r.usage.promptTokens).toBeGreaterThan(3);
    const open = e.generate('Hello', { temperature: 0, maxTokens: 100_000, ignoreEos: true });
    const queued = e.score('Hello', [' a']).catch((err: unknown) => err);
    await e.dispose();
    const rr = await open.result;
    expect(rr.finishReason).toBe('error');
    expect(rr.error?.code).toBe('DISPOSED');
    expect(await queued).toBeInstanceOf(DisposedError);
    expect(() => e.generate('x')).toThrow(DisposedError);
  });
});
