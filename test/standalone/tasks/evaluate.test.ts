import { describe, expect, it } from 'vitest';
import { FakeEngine } from './fakeEngine.js';
import { validatePack } from '../../../src/tasks/loadPack.js';
import { entitiesToTags, evaluateClassification, evaluateNer, fitPackTemperature, headPredictor, promptPredictor, type ClassPredictor } from '../../../src/tasks/evaluate.js';
import { classificationReport } from '../../../src/eval/classificationReport.js';

describe('evaluateClassification', () => {
  const fixed: ClassPredictor = {
    labels: ['neg', 'pos'],
    name: 'fixed',
    async predict(texts) {
      return texts.map((t) => (t.includes('good') ? [0.2, 0.8] : t.includes('meh') ? [0.55, 0.45] : [0.9, 0.1]));
    },
  };
  const examples = [
    { text: 'good', label: 'pos' },
    { text: 'bad', label: 'neg' },
    { text: 'meh', label: 'pos' },
    { text: 'good?', label: 'neg' },
  ];
  it('builds the report, confusion matrix and predictions that recompute the report', async () => {
    const seen: number[] = [];
    const ev = await evaluateClassification(fixed, examples, { batchSize: 3, onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([3, 4]);
    expect(ev.predictions.map((p) => p.predicted)).toEqual(['pos', 'neg', 'neg', 'pos']);
    expect(ev.predictions[0]!.probabilities).toEqual({ neg: 0.2, pos: 0.8 });
    expect(ev.report.accuracy).toBe(0.5);
    expect(ev.confusion).toEqual({ labels: ['neg', 'pos'], matrix: [[1, 1], [1, 1]] });
    const again = classificationReport(ev.predictions.map((p) => p.gold as string), ev.predictions.map((p) => p.predicted));
    expect(again.text).toBe(ev.report.text);
  });
  it('abstains to unknown below the threshold', async () => {
    const ev = await evaluateClassification(fixed, examples, { abstain: 0.6 });
    expect(ev.predictions[2]!.predicted).toBe('unknown');
    expect(ev.report.labels.map((l) => l.label)).toEqual(['neg', 'pos', 'unknown']);
  });
  it('prompt and head predictors give rows in label order', async () => {
    const pack = validatePack({ id: 's', version: '1.0.0', kind: 'classify', prompt: { template: '{{text}} ->' }, labels: ['neg', 'pos'] });
    const rows = await promptPredictor(pack, { engine: new FakeEngine() }).predict(['pos pos', 'x']);
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r[0]! + r[1]!).toBeCloseTo(1, 12);
    const head = headPredictor({ predict: async (t) => t.map(() => ({ kind: 'softmax' as const, label: 'pos', score: 0.7, scores: [{ label: 'pos', score: 0.7 }, { label: 'neg', score: 0.3 }] })) }, ['neg', 'pos']);
    expect(await head.predict(['a'])).toEqual([[0.3, 0.7]]);
  });
});

describe('fitPackTemperature', () => {
  it('fits T on dev examples and lowers their NLL', async () => {
    const pack = validatePack({ id: 's', version: '1.0.0', kind: 'classify', prompt: { template: '{{text}} ->' }, labels: ['neg', 'pos'] });
    // The fake engine is confidently right on "pos ..." and "neg ..." texts and confidently wrong on the swapped ones.
    const examples = [
      { text: 'pos a', label: 'pos' }, { text: 'neg b', label: 'neg' }, { text: 'pos c', label: 'neg' }, { text: 'neg d', label: 'pos' }, { text: 'pos e', label: 'pos' },
    ];
    const r = await fitPackTemperature(pack, [...examples, { text: 'x', label: 'other' }], { engine: new FakeEngine() });
    expect(r.used).toBe(5);
    expect(r.temperature).toBeGreaterThan(1);
    expect(r.nllAfter).toBeLessThan(r.nllBefore);
  });
});

describe('NER evaluation', () => {
  it('projects entities onto space-joined tokens', () => {
    const tokens = ['John', 'Smith', 'went', 'to', 'New', 'York'];
    expect(entitiesToTags(tokens, [{ entity_group: 'PER', start: 0, end: 10 }, { entity_group: 'LOC', start: 19, end: 27 }])).toEqual(['B-PER', 'I-PER', 'O', 'O', 'B-LOC', 'I-LOC']);
  });
  it('scores a ner pack on CoNLL sentences; invalid output counts as no entities', async () => {
    const engine = new FakeEngine({
      respond: (p) => (p.includes('broken') ? 'not json' : JSON.stringify({ entities: [{ text: 'Paris', label: 'location' }, { text: 'Bob', label: 'person' }] })),
    });
    const pack = validatePack({ id: 'n', version: '1.0.0', kind: 'ner', prompt: { template: 'Text: {{text}}\nEntities:' }, labels: ['person', 'location'] });
    const sentences = [
      { tokens: ['Bob', 'likes', 'Paris'], tags: ['B-person', 'O', 'B-location'] },
      { tokens: ['broken', 'Bob'], tags: ['O', 'B-person'] },
    ];
    const ev = await evaluateNer(pack, sentences, { engine });
    expect(ev.predictions[0]!.predicted).toEqual(['B-person', 'O', 'B-location']);
    expect(ev.predictions[1]!.error).toMatch(/entity JSON/);
    expect(ev.entity.microAvg.precision).toBe(1);
    expect(ev.entity.microAvg.recall).toBeCloseTo(2 / 3, 12);
    expect(ev.token.title).toMatch(/TOKEN-LEVEL/);
  });
});
