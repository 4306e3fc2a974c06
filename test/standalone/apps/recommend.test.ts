import { describe, expect, it } from 'vitest';
import { Recommender, trainClickHead, type Embedder } from '../../../src/apps/recommend/index.js';

// fake embedder: axis 0 = finance, axis 1 = sports, axis 2 = cooking (by keyword)
const AXES = [['stock', 'fund', 'etf', 'bond'], ['football', 'tennis', 'match'], ['recipe', 'bake', 'pasta']];
const embed: Embedder = async (texts) =>
  texts.map((t) => Float32Array.from(AXES, (ks) => ks.filter((k) => t.toLowerCase().includes(k)).length + 0.1));

const items = [
  { id: 'a', text: 'Pasta recipe' },
  { id: 'b', text: 'Bond fund basics' },
  { id: 'c', text: 'Tennis match report' },
  { id: 'd', text: 'ETF, stock and bond picks' },
];

describe('Recommender', () => {
  it('ranks candidates by cosine similarity to the profile', async () => {
    const rec = new Recommender(embed);
    const ranked = await rec.rank(['stock, bond and fund portfolio', 'which etf or stock?'], items);
    expect(ranked.map((r) => r.id)).toEqual(['d', 'b', 'a', 'c']) // a and c tie: input order;
    expect(ranked[0]!.similarity).toBeGreaterThan(0.95);
    expect((await rec.rank(['football match'], items, { topK: 1 }))[0]!.id).toBe('c');
  });

  it('weights history entries (negative weight pushes a topic down)', async () => {
    const rec = new Recommender(embed);
    const p = await rec.profile([{ text: 'stock fund', weight: 1 }, { text: 'bake a recipe', weight: 3 }]);
    expect((await rec.rank(p, items))[0]!.id).toBe('a');
  });

  it('blends a click head trained on click labels', async () => {
    const examples = [];
    // users click cooking items whatever their history
    for (const h of ['stock fund', 'tennis match', 'pasta recipe']) {
      for (const it of items) examples.push({ history: [h], item: it.text, clicked: it.id === 'a' });
    }
    const head = await trainClickHead(embed, examples, {
      model: { sha256: '0'.repeat(64), nEmbd: 3, pooling: 'mean', normalize: true }, epochs: 200, lr: 0.05, weightDecay: 0, standardize: false,
    });
    const rec = new Recommender(embed, { head, alpha: 0.9 });
    const ranked = await rec.rank(['pasta and stock'], items);
    expect(ranked[0]!.id).toBe('a');
    expect(ranked[0]!.click!).toBeGreaterThan(0.5);
    expect(ranked.find((r) => r.id === 'b')!.click!).toBeLessThan(0.5);
  });
});
