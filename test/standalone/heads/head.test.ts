import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, HeadModelMismatchError } from '../../../src/errors.js';
import { EmbeddingCache, embedMany } from '../../../src/tasks/heads/embedCache.js';
import { fitHead } from '../../../src/tasks/heads/fit.js';
import { headOutputs, loadHead, saveHead } from '../../../src/tasks/heads/head.js';
import { HeadRunner } from '../../../src/tasks/heads/HeadRunner.js';
import { fileSha256, modelIdentity } from '../../../src/tasks/heads/identity.js';
import { fakeEngine } from './fakeEngine.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'onramp-heads-'));
  process.env.ONRAMP_CACHE_DIR = path.join(dir, 'cache');
});

const POS = ['great', 'lovely', 'superb', 'fun', 'wonderful'];
const NEG = ['awful', 'boring', 'dull', 'terrible', 'bad'];
const FILL = ['the', 'film', 'was', 'a', 'plot', 'story', 'really', 'quite'];

function reviews(n: number, seed: number): { text: string; label: string }[] {
  const out = [];
  for (let i = 0; i < n; i++) {
    const pos = (i + seed) % 2 === 0;
    const w = (pos ? POS : NEG)[(i * 7 + seed) % 5]!;
    out.push({ text: `${FILL[i % 8]} ${FILL[(i * 3 + seed) % 8]} ${w} ${FILL[(i * 5 + 1) % 8]}`, label: pos ? 'positive' : 'negative' });
  }
  return out;
}

describe('head save/load and model identity', () => {
  it('round-trips a trained head exactly and runs it with all label probabilities + explanation', async () => {
    const engine = fakeEngine();
    const { head } = await fitHead(engine, reviews(120, 0), reviews(40, 1), { kind: 'softmax', epochs: 40, lr: 0.05, seed: 1, cache: null });
    expect(head.model.nEmbd).toBe(16);
    expect(head.model.sha256).toBe(await fileSha256(engine.modelInfo.path));
    const file = path.join(dir, 'head.json');
    await saveHead(head, file);
    const back = await loadHead(file, { model: await modelIdentity(engine.modelInfo) });
    const v = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i));
    expect(Array.from(headOutputs(back, v))).toEqual(Array.from(headOutputs(head, v)));
    expect(back.labels).toEqual(['negative', 'positive']);

    const runner = await HeadRunner.create(engine, file, { cache: null });
    const [p] = await runner.predict(['the plot was superb really'], { explain: 3 });
    if (p?.kind !== 'softmax') throw new Error('expected softmax');
    expect(p.label).toBe('positive');
    expect(p.scores.map((s) => s.label).sort()).toEqual(['negative', 'positive']);
    expect(p.scores[0]!.score + p.scores[1]!.score).toBeCloseTo(1, 12);
    expect(p.explanation?.method).toBe('occlusion-word');
    expect(p.explanation?.words[0]).toMatchObject({ text: 'superb', start: 13, end: 19 });
    expect(p.explanation!.words[0]!.importance).toBeGreaterThan(0);
  });

  it('refuses a head on another model (file hash, n_embd, pooling) with a typed error', async () => {
    const engine = fakeEngine();
    const { head } = await fitHead(engine, reviews(20, 0), undefined, { kind: 'softmax', epochs: 2, cache: null });
    const file = path.join(dir, 'h2.json');
    await saveHead(head, file);
    const other = fakeEngine({ fileContent: 'another model' });
    await expect(HeadRunner.create(other, file, { cache: null })).rejects.toBeInstanceOf(HeadModelMismatchError);
    await expect(HeadRunner.create(other, file, { cache: null })).rejects.toMatchObject({ code: 'HEAD_MODEL_MISMATCH', param: 'sha256' });
    const wide = fakeEngine({ dim: 32 });
    await expect(loadHead(file, { model: { ...(await modelIdentity(engine.modelInfo)), nEmbd: 32 } })).rejects.toMatchObject({ param: 'nEmbd' });
    await expect(loadHead(file, { model: await modelIdentity(engine.modelInfo, { pooling: 'last' }) })).rejects.toMatchObject({ param: 'pooling' });
    expect(wide.modelInfo.embeddingLength).toBe(32);
  });

  it('rejects malformed head files with ConfigError naming the field', async () => {
    const engine = fakeEngine();
    const { head } = await fitHead(engine, reviews(20, 0), undefined, { kind: 'softmax', epochs: 1, cache: null });
    const file = path.join(dir, 'bad.json');
    await saveHead(head, file);
    const doc = JSON.parse((await import('node:fs')).readFileSync(file, 'utf8')) as { weights: number[][] };
    doc.weights[0] = [1, 2];
    writeFileSync(file, JSON.stringify(doc));
    await expect(loadHead(file)).rejects.toBeInstanceOf(ConfigError);
    await expect(loadHead(file)).rejects.toMatchObject({ field: 'weights.0' });
    writeFileSync(file, '{"format":"onramp-head","version":2}');
    await expect(loadHead(file)).rejects.toBeInstanceOf(ConfigError);
  });

  it('embeds each text once: cache hits in memory and on disk, duplicates embedded once', async () => {
    const engine = fakeEngine();
    const id = await modelIdentity(engine.modelInfo);
    const cacheDirPath = path.join(dir, 'emb');
    const c1 = await EmbeddingCache.open(id, cacheDirPath);
    const texts = ['a b', 'c d', 'a b', 'e'];
    const r1 = await embedMany(engine, texts, { pooling: 'mean', normalize: true, cache: c1 });
    expect(engine.calls.texts).toBe(3);
    const c2 = await EmbeddingCache.open(id, cacheDirPath);
    expect(c2.size).toBe(3);
    const r2 = await embedMany(engine, texts, { pooling: 'mean', normalize: true, cache: c2 });
    expect(engine.calls.texts).toBe(3);
    expect(Array.from(r2[3]![0]!)).toEqual(Array.from(r1[3]![0]!));
    // another pooling is another cache
    const c3 = await EmbeddingCache.open({ ...id, pooling: 'last' }, cacheDirPath);
    expect(c3.size).toBe(0);
  });

  it('hashes a model file once per path+size+mtime', async () => {
    const f = path.join(dir, 'm.gguf');
    writeFileSync(f, 'abc');
    expect(await fileSha256(f)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    writeFileSync(f, 'abcd');
    expect(await fileSha256(f)).toBe('88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589');
  });
});

describe('sigmoid and linear heads through the runner', () => {
  it('multi-label: every label probability, labels over the threshold', async () => {
    const engine = fakeEngine();
    const rows = [];
    for (let i = 0; i < 60; i++) {
      const a = i % 2 === 0;
      const b = i % 3 === 0;
      const words = [FILL[i % 8]!, a ? 'refund' : 'hello', b ? 'card' : 'today', FILL[(i * 3) % 8]!];
      rows.push({ text: words.join(' '), label: [...(a ? ['money'] : []), ...(b ? ['cards'] : [])].join('|') || 'none' });
    }
    const { head } = await fitHead(engine, rows, undefined, { kind: 'sigmoid', epochs: 80, lr: 0.05, cache: null });
    expect(head.labels).toEqual(['cards', 'money', 'none']);
    const runner = await HeadRunner.create(engine, head, { cache: null });
    const [p] = await runner.predict(['the refund card plot']);
    if (p?.kind !== 'sigmoid') throw new Error('sigmoid expected');
    expect(p.scores).toHaveLength(3);
    expect([...p.labels].sort()).toEqual(['cards', 'money']);
  });

  it('regression: a numeric value and an explanation of the value', async () => {
    const engine = fakeEngine();
    const rows = [];
    for (let i = 0; i < 80; i++) {
      const n = i % 3;
      rows.push({ text: `${FILL[i % 8]} ${['awful', 'the', 'great'][n]} ${FILL[(i * 5) % 8]}`, label: String(n - 1) });
    }
    const { head } = await fitHead(engine, rows, undefined, { kind: 'linear', epochs: 150, lr: 0.05, weightDecay: 0, cache: null });
    const runner = await HeadRunner.create(engine, head, { cache: null });
    const [hi, lo] = await runner.predict(['the film great was', 'the film awful was'], { explain: 1 });
    if (hi?.kind !== 'linear' || lo?.kind !== 'linear') throw new Error('linear expected');
    expect(hi.value).toBeGreaterThan(0.5);
    expect(lo.value).toBeLessThan(-0.5);
    expect(hi.explanation?.words[0]?.text).toBe('great');
  });
});
