/**
 * A deterministic stand-in for the engine: words are tokens, a word's vector is a fixed pseudo-random vector
 * (seeded by the word), a text's pooled embedding is the normalized mean of its words' vectors. Counts embed calls.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EmbedOptions, EmbedResult, EngineLike, ModelInfo } from '../../../src/engine/types.js';
import { Prng } from '../../../src/tasks/heads/prng.js';

export interface FakeEngine extends EngineLike {
  calls: { texts: number; batches: number };
  wordVector(word: string): Float32Array;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function fakeEngine(opts: { dim?: number; fileContent?: string; vectors?: Record<string, number[]> } = {}): FakeEngine {
  const dim = opts.dim ?? 16;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'onramp-fake-'));
  const file = path.join(dir, 'fake.gguf');
  writeFileSync(file, opts.fileContent ?? 'fake model');
  const vocab = new Map<string, number>();
  const words: string[] = ['<s>'];
  const wordVector = (w: string): Float32Array => {
    const fixed = opts.vectors?.[w.toLowerCase()];
    if (fixed) return Float32Array.from(fixed);
    const r = new Prng(hash(w.toLowerCase()));
    return Float32Array.from({ length: dim }, () => r.normal());
  };
  const norm = (v: Float32Array, on: boolean): Float32Array => {
    if (!on) return v;
    let s = 0;
    for (const x of v) s += x * x;
    const n = Math.sqrt(s) || 1;
    return v.map((x) => x / n);
  };
  const tokenize = (text: string, o?: { addSpecial?: boolean }): number[] => {
    const ids = text.split(/\s+/).filter(Boolean).map((w) => {
      let id = vocab.get(w);
      if (id === undefined) {
        id = words.length;
        vocab.set(w, id);
        words.push(w);
      }
      return id;
    });
    return o?.addSpecial === false ? ids : [0, ...ids];
  };
  const info: ModelInfo = {
    path: file, architecture: 'fake', name: 'fake', parameters: 0, fileSize: 10, fileType: 'F32', contextLength: 512,
    embeddingLength: dim, blockCount: 1, vocabSize: 1000, specialTokens: { bos: 0, eos: null, eot: null }, addBos: true, chatTemplate: null,
  };
  const engine: FakeEngine = {
    calls: { texts: 0, batches: 0 },
    wordVector,
    modelInfo: info,
    generate: () => { throw new Error('not in fake'); },
    chat: () => { throw new Error('not in fake'); },
    score: () => Promise.reject(new Error('not in fake')),
    async embed(inputs: string[], o?: EmbedOptions): Promise<EmbedResult[]> {
      engine.calls.batches++;
      engine.calls.texts += inputs.length;
      return inputs.map((t) => {
        const ws = t.split(/\s+/).filter(Boolean);
        if (o?.pooling === 'none') {
          const rows = [new Float32Array(dim), ...ws.map((w) => norm(wordVector(w), o?.normalize ?? true))];
          return { embedding: rows, tokens: rows.length };
        }
        const v = new Float32Array(dim);
        for (const w of ws) wordVector(w).forEach((x, i) => (v[i] = v[i]! + x / ws.length));
        return { embedding: norm(v, o?.normalize ?? true), tokens: ws.length + 1 };
      });
    },
    tokenize,
    detokenize: (tokens) => tokens.filter((t) => t !== 0).map((t) => words[t] ?? '').join(' '),
    applyChatTemplate: () => '',
    stats: () => ({ slots: 1, busySlots: 0, queued: 0, queueCapacity: 1, generatedTokens: 0, promptTokens: 0 }),
    dispose: async () => {},
  };
  return engine;
}
