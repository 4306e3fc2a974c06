import { describe, expect, it } from 'vitest';
import { alignWordTags, decodeBio, tokenCharOffsets } from '../../../src/tasks/heads/bio.js';
import { fitTokenHead } from '../../../src/tasks/heads/fit.js';
import { HeadRunner } from '../../../src/tasks/heads/HeadRunner.js';
import { occludedTexts, wordUnits } from '../../../src/tasks/heads/explain.js';
import { fakeEngine } from './fakeEngine.js';

describe('token classification (BIO)', () => {
  it('maps tokens to character offsets, BOS zero-width', () => {
    const e = fakeEngine();
    const { offsets } = tokenCharOffsets(e, 'Anna  lives in Paris');
    expect(offsets).toEqual([[0, 0], [0, 4], [6, 11], [12, 14], [15, 20]]);
  });

  it('projects word tags onto sub-word tokens', () => {
    // "Anna Maria" as tokens An|na|Maria
    expect(alignWordTags([[0, 4], [5, 10], [11, 13]], ['B-PER', 'I-PER', 'O'], [[0, 0], [0, 2], [2, 4], [5, 10], [11, 13]]))
      .toEqual(['O', 'B-PER', 'I-PER', 'I-PER', 'O']);
  });

  it('decodes BIO into entities with offsets and mean scores', () => {
    const labels = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
    const p = (k: number, s = 0.9) => Float64Array.from(labels, (_, i) => (i === k ? s : (1 - s) / 4));
    const text = 'Anna Maria in New York';
    const ents = decodeBio(text, [[0, 0], [0, 4], [5, 10], [11, 13], [14, 17], [18, 22]], [p(0), p(1), p(2, 0.7), p(0), p(3), p(4)], labels);
    expect(ents).toEqual([
      { entity_group: 'PER', score: 0.8, word: 'Anna Maria', start: 0, end: 10 },
      { entity_group: 'LOC', score: 0.9, word: 'New York', start: 14, end: 22 },
    ]);
  });

  it('trains a token head that finds entities in new sentences', async () => {
    const e = fakeEngine({ dim: 16 });
    const names = ['anna', 'bob', 'carla', 'dmitri'];
    const cities = ['paris', 'oslo', 'lima', 'rome'];
    const sents = [];
    for (let i = 0; i < 32; i++) {
      const n = names[i % 4]!;
      const c = cities[(i * 3) % 4]!;
      sents.push({ tokens: ['yesterday', n, 'flew', 'to', c, 'again'], tags: ['O', 'B-PER', 'O', 'O', 'B-LOC', 'O'] });
    }
    const { head } = await fitTokenHead(e, sents, undefined, { kind: 'token', epochs: 60, lr: 0.05, seed: 2, cache: null });
    expect(head.labels).toEqual(['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER']);
    const runner = await HeadRunner.create(e, head, { cache: null });
    const [p] = await runner.predict(['to rome flew carla']);
    if (p?.kind !== 'token') throw new Error('expected token');
    expect(p.entities.map((x) => [x.entity_group, x.word, x.start, x.end])).toEqual([['LOC', 'rome', 3, 7], ['PER', 'carla', 13, 18]]);
  });

  it('occlusion units cover words, CJK characters and punctuation', () => {
    expect(wordUnits("isn't bad!")).toEqual([[0, 5], [6, 9], [9, 10]]);
    expect(wordUnits('房间很好')).toHaveLength(4);
    expect(occludedTexts('not bad at all', [[0, 3], [4, 7]])).toEqual(['bad at all', 'not at all']);
  });
});
