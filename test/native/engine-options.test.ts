import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GrammarError, InvalidArgumentError } from '../../src/errors.js';
import { checkKvCacheType, resolveEngineOptions } from '../../src/engine/options.js';
import { StopMatcher, checkJsonSchema, toNativeSampling, validateStop } from '../../src/engine/sampling.js';

const info = { contextLength: 2048 };

describe('resolveEngineOptions', () => {
  it('fills defaults from the model', () => {
    const o = resolveEngineOptions({}, info);
    expect(o).toMatchObject({ nCtx: 2048, nBatch: 512, nUbatch: 512, parallel: 4, queueSize: 64, kvCacheType: 'f16', flashAttention: -1, kvUnified: true, prefixCache: true, poll: -1 });
    expect(o.threads).toBeGreaterThanOrEqual(1);
    expect(o.threadsBatch).toBe(o.threads);
    expect(resolveEngineOptions({ flashAttention: true, kvCacheType: 'q8_0', seed: 5 }, info)).toMatchObject({ flashAttention: 1, kvCacheType: 'q8_0', seed: 5 });
    expect(resolveEngineOptions({ kvCacheType: 'q4_0' }, info).flashAttention).toBe(-1);
    expect(resolveEngineOptions({ flashAttention: 'auto' }, info).flashAttention).toBe(-1);
  });

  it('names the option at fault', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ nCtx: 0 }, 'nCtx'], [{ nBatch: 1.5 }, 'nBatch'], [{ nBatch: 64, nUbatch: 128 }, 'nUbatch'], [{ parallel: 0 }, 'parallel'],
      [{ threads: -1 }, 'threads'], [{ threadsBatch: 'x' }, 'threadsBatch'], [{ flashAttention: 'yes' }, 'flashAttention'],
      [{ kvCacheType: 'q5_1' }, 'kvCacheType'], [{ kvCacheType: 'q4_0', flashAttention: false }, 'kvCacheType'],
      [{ seed: -2 }, 'seed'], [{ queueSize: -1 }, 'queueSize'], [{ poll: 101 }, 'poll'], [{ bogus: 1 }, 'bogus'],
      [{ prefixCache: 1 }, 'prefixCache'],
    ];
    for (const [opts, param] of bad) {
      let err: unknown;
      try {
        resolveEngineOptions(opts, info);
      } catch (e) {
        err = e;
      }
      expect(err, param).toBeInstanceOf(InvalidArgumentError);
      expect((err as InvalidArgumentError).param).toBe(param);
    }
  });
});

describe('checkKvCacheType', () => {
  it('rejects a quantized cache whose block size does not divide a head size, naming the option', () => {
    const md = (extra: Record<string, string>): Record<string, string> => ({ 'general.architecture': 'llama', 'llama.embedding_length': '64', 'llama.attention.head_count': '8', ...extra });
    expect(() => checkKvCacheType('q8_0', md({}))).toThrow(/head size 8/);
    expect(() => checkKvCacheType('q4_0', md({}))).toThrow(InvalidArgumentError);
    expect(() => checkKvCacheType('f16', md({}))).not.toThrow();
    expect(() => checkKvCacheType('q8_0', md({ 'llama.attention.head_count': '2' }))).not.toThrow(); // 32
    expect(() => checkKvCacheType('q8_0', md({ 'llama.attention.head_count': '2', 'llama.attention.value_length': '48' }))).toThrow(/value head size 48/);
    expect(() => checkKvCacheType('q8_0', md({ 'llama.attention.key_length': '128', 'llama.attention.value_length': '128' }))).not.toThrow();
    expect(() => checkKvCacheType('q8_0', md({ 'llama.attention.head_count': '[8, 8]' }))).not.toThrow(); // left to llama.cpp
  });
});

describe('toNativeSampling', () => {
  it('defaults as llama.cpp and validates each field', () => {
    expect(toNativeSampling({}, 100)).toMatchObject({ temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05, maxTokens: 256, nProbs: -1, logitBias: [] });
    expect(toNativeSampling({ logprobs: 2, logitBias: { 5: -Infinity, 7: 1.5 } }, 100)).toMatchObject({ nProbs: 2, logitBias: [5, -Infinity, 7, 1.5] });
    for (const [o, p] of [[{ temperature: -0.1 }, 'temperature'], [{ topP: 0 }, 'topP'], [{ minP: 2 }, 'minP'], [{ maxTokens: 0 }, 'maxTokens'], [{ logprobs: 21 }, 'logprobs'], [{ logitBias: { 100: 1 } }, 'logitBias'], [{ seed: 1.5 }, 'seed'], [{ repeatPenalty: 0 }, 'repeatPenalty']] as const) {
      expect(() => toNativeSampling(o, 100)).toThrow(new RegExp(`^${p}:`));
    }
    expect(() => validateStop(['a', ''])).toThrow(InvalidArgumentError);
  });
});

describe('checkJsonSchema', () => {
  it('accepts what the grammar enforces and rejects the rest', () => {
    checkJsonSchema({ type: 'object', properties: { a: { type: 'integer', minimum: 0 }, b: { type: 'array', items: { enum: ['x', 'y'] }, maxItems: 3 }, c: { type: 'string', pattern: '^[a-z]+$' } }, required: ['a'] });
    for (const s of [{ type: 'number', multipleOf: 2 }, { not: {} }, { type: 'object', patternProperties: {} }, { type: 'string', format: 'email' }, { type: 'string', pattern: 'abc' }, { type: 'number', minimum: 1 }, { $ref: 'http://x' }, { type: 'array', uniqueItems: true }]) {
      expect(() => checkJsonSchema(s), JSON.stringify(s)).toThrow(GrammarError);
    }
  });
});

describe('StopMatcher', () => {
  it('never emits a stop string however the text is split', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 20 }), fc.constantFrom('ab', 'XYZ', '\n\n', 'a'), (text, cuts, stop) => {
        const m = new StopMatcher([stop]);
        const full = text + stop + 'tail';
        let out = '';
        let pos = 0;
        let hit: string | undefined;
        for (const c of [...cuts, full.length]) {
          if (pos >= full.length || hit) break;
          const r = m.push(full.slice(pos, pos + c));
          pos += c;
          out += r.text;
          hit = r.stop;
        }
        if (!hit) out += m.flush();
        expect(hit).toBe(stop);
        expect(out).toBe(full.slice(0, full.indexOf(stop)));
      }),
    );
  });

  it('releases held text when no stop comes', () => {
    const m = new StopMatcher(['END']);
    expect(m.push('the E')).toEqual({ text: 'the ', stop: undefined });
    expect(m.push('N')).toEqual({ text: '', stop: undefined });
    expect(m.flush()).toBe('EN');
  });
});
