import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { Model } from '../../src/engine/Model.js';
import { HeadModelMismatchError } from '../../src/errors.js';
import { tokenCharOffsets } from '../../src/tasks/heads/bio.js';
import { EmbeddingCache } from '../../src/tasks/heads/embedCache.js';
import { fitHead, fitTokenHead } from '../../src/tasks/heads/fit.js';
import { saveHead } from '../../src/tasks/heads/head.js';
import { HeadRunner } from '../../src/tasks/heads/HeadRunner.js';
import { llama2TinyPath, storiesPath } from './helpers.js';

let model: Model;
let engine: Engine;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'onramp-heads-model-'));
  process.env.ONRAMP_CACHE_DIR = path.join(dir, 'cache');
  model = await Model.load(storiesPath);
  engine = await Engine.create(model, { parallel: 4, nCtx: 2048, threads: 2 });
});
afterAll(async () => {
  await engine?.dispose();
  await model?.dispose();
});

const CATS = ['The cat sat on the mat.', 'A cat chased the mouse.', 'The kitten played with yarn.', 'My cat likes milk.', 'The cat slept all day.', 'A small cat climbed a tree.'];
const DOGS = ['The dog ran to the park.', 'A dog barked at the mailman.', 'The puppy wagged its tail.', 'My dog likes bones.', 'The dog fetched the ball.', 'A big dog swam in the lake.'];
const rows = (xs: string[], label: string) => xs.map((text) => ({ text, label }));

describe('heads on stories260K embeddings', () => {
  it('trains, saves, reloads and predicts with all label probabilities and an explanation; cache avoids re-embedding', async () => {
    const train = [...rows(CATS, 'cat'), ...rows(DOGS, 'dog')];
    const { head, embedMs } = await fitHead(engine, train, undefined, { kind: 'softmax', epochs: 100, lr: 0.05, seed: 1 });
    expect(head.model.nEmbd).toBe(64);
    expect(embedMs).toBeGreaterThan(0);
    const file = path.join(dir, 'animals.head.json');
    await saveHead(head, file);
    const cache = await EmbeddingCache.open(head.model);
    expect(cache.size).toBe(train.length);

    const runner = await HeadRunner.create(engine, file);
    const preds = await runner.predict(['The cat sat on the mat.', 'The dog fetched the ball.'], { explain: 3 });
    const labels = preds.map((p) => (p.kind === 'softmax' ? p.label : ''));
    expect(labels).toEqual(['cat', 'dog']);
    const p0 = preds[0]!;
    if (p0.kind !== 'softmax') throw new Error('softmax expected');
    expect(p0.scores).toHaveLength(2);
    expect(p0.explanation!.words.length).toBe(3);
    for (const w of p0.explanation!.words) expect('The cat sat on the mat.'.slice(w.start, w.end)).toBe(w.text);
  });

  it('refuses to run a stories260K head on another model', async () => {
    const { head } = await fitHead(engine, [...rows(CATS, 'cat'), ...rows(DOGS, 'dog')], undefined, { kind: 'softmax', epochs: 1 });
    const other = await Model.load(llama2TinyPath);
    const e2 = await Engine.create(other, { parallel: 1, nCtx: 256, threads: 1 });
    try {
      await expect(HeadRunner.create(e2, head)).rejects.toBeInstanceOf(HeadModelMismatchError);
    } finally {
      await e2.dispose();
      await other.dispose();
    }
  });

  it('maps real tokens to character offsets and trains a token head on per-token embeddings', async () => {
    const text = 'Lily and Tom went to the park.';
    const { tokens, offsets } = tokenCharOffsets(engine, text);
    expect(tokens.length).toBe(offsets.length);
    for (const [s, e] of offsets) if (e > s) expect(text.slice(s, e).trim().length).toBeGreaterThan(0);
    const names = ['Lily', 'Tom', 'Sue', 'Ben'];
    const sents = names.flatMap((n, i) => [
      { tokens: [n, 'went', 'to', 'the', 'park', '.'], tags: ['B-PER', 'O', 'O', 'O', 'O', 'O'] },
      { tokens: ['The', 'dog', 'saw', names[(i + 1) % 4]!, '.'], tags: ['O', 'O', 'O', 'B-PER', 'O'] },
    ]);
    const { head } = await fitTokenHead(engine, sents, undefined, { kind: 'token', epochs: 80, lr: 0.05, seed: 3 });
    const runner = await HeadRunner.create(engine, head);
    const [p] = await runner.predict(['Tom went to the park.']);
    if (p?.kind !== 'token') throw new Error('token expected');
    for (const e of p.entities) expect('Tom went to the park.'.slice(e.start, e.end)).toBe(e.word);
    expect(p.entities.some((e) => e.entity_group === 'PER' && e.word.includes('Tom'))).toBe(true);
  });
});
