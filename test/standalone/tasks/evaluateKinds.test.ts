/**
 * Multilabel and extract evaluation on the fake engine: predictions, thresholds, invalid outputs, and reports
 * that recompute from the predictions.
 */
import { describe, expect, it } from 'vitest';
import { FakeEngine } from './fakeEngine.js';
import { validatePack } from '../../../src/tasks/loadPack.js';
import { evaluateMultilabel, multilabelPredictor, type MultilabelPredictor } from '../../../src/tasks/evaluateMultilabel.js';
import { evaluateExtract, extractFields } from '../../../src/tasks/evaluateExtract.js';
import { classificationReport } from '../../../src/eval/classificationReport.js';
import { extractReport } from '../../../src/eval/extractReport.js';

describe('evaluateMultilabel', () => {
  const fixed: MultilabelPredictor = {
    labels: ['food', 'price', 'service'],
    thresholds: [0.5, 0.9, 0.5],
    name: 'fixed',
    async predict(texts) {
      return texts.map((t) => [t.includes('food') ? 0.8 : 0.1, t.includes('price') ? 0.85 : 0.95 * Number(t.includes('$')), t.includes('staff') ? 0.6 : 0.2]);
    },
  };
  const examples = [
    { text: 'food and staff', label: ['food', 'service'] },
    { text: 'food price', label: ['food', 'price'] },
    { text: '$$$', label: ['price'] },
    { text: 'nothing', label: [] },
    { text: 'staff', label: 'service' },
  ];

  it('predicts the labels at or above their thresholds, best first, with every probability', async () => {
    const seen: number[] = [];
    const ev = await evaluateMultilabel(fixed, examples, { batchSize: 2, onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([2, 4, 5]);
    expect(ev.predictions.map((p) => p.predicted)).toEqual([['food', 'service'], ['food'], ['price'], [], ['service']]);
    expect(ev.predictions[4]!.gold).toEqual(['service']); // a string gold is a list of one
    expect(ev.predictions[1]!.probabilities).toEqual({ food: 0.8, price: 0.85, service: 0.2 });
    expect(ev.thresholds).toEqual({ food: 0.5, price: 0.9, service: 0.5 });
    expect(ev.report.type).toBe('multilabel');
    expect(ev.report.labels.map((l) => [l.label, l.precision, l.recall, l.support])).toEqual([
      ['food', 1, 1, 2],
      ['price', 1, 0.5, 2],
      ['service', 1, 1, 2],
    ]);
    expect(ev.report.microAvg!.recall).toBeCloseTo(5 / 6, 12);
    expect(ev.report.samplesAvg).toBeDefined();
    expect(ev.confusion.matrices[1]).toEqual([[3, 0], [1, 1]]);
  });

  it('the report recomputes from the predictions alone', async () => {
    const ev = await evaluateMultilabel(fixed, examples);
    const again = classificationReport(ev.predictions.map((p) => p.gold), ev.predictions.map((p) => p.predicted));
    expect(again.text).toBe(ev.report.text);
    expect(again.samplesAvg).toEqual(ev.report.samplesAvg);
    // The predicted sets follow from the probabilities and thresholds.
    for (const p of ev.predictions) {
      expect([...p.predicted].sort()).toEqual(fixed.labels.filter((l) => p.probabilities[l]! >= ev.thresholds[l]!));
    }
  });

  it("the pack's scorer as a predictor: P(yes) per label, pack thresholds", async () => {
    const pack = validatePack({
      id: 'topics', version: '1.0.0', kind: 'multilabel', prompt: { template: 'Text: {{text}}\nAbout {{label}}? Answer:' },
      labels: [{ name: 'food', threshold: 0.3 }, 'price'], thresholds: { multilabel: 0.6 },
    });
    const engine = new FakeEngine();
    const p = multilabelPredictor(pack, { engine }, 2);
    expect(p.thresholds).toEqual([0.3, 0.6]);
    expect(p.name).toBe('prompt');
    const rows = await p.predict(['yes food', 'no']);
    expect(rows).toHaveLength(2);
    for (const r of rows) for (const v of r) expect(v).toBeGreaterThan(0), expect(v).toBeLessThan(1);
    expect(engine.calls.score).toBe(4); // one yes/no scoring per label per text
    const ev = await evaluateMultilabel(p, [{ text: 'yes food', label: ['food'] }]);
    expect(Object.keys(ev.predictions[0]!.probabilities)).toEqual(['food', 'price']);
  });
});

describe('evaluateExtract', () => {
  const pack = validatePack({
    id: 'booking', version: '1.0.0', kind: 'extract', prompt: { template: 'Msg: {{text}}\nJSON:' },
    output: { schema: { type: 'object', properties: { people: { type: 'integer', minimum: 1 }, name: { type: ['string', 'null'] } }, required: ['people', 'name'], additionalProperties: false } },
  });
  const answers: Record<string, string> = {
    'table for 4, Smith': '{"people": 4, "name": "SMITH"}',
    'two of us': '{"people": 2, "name": "Lee"}',
    'broken': '{"people": 0, "name": null}',
    'cut': '{"people": 3',
  };
  const engine = new FakeEngine({ respond: (p) => answers[p.slice(p.indexOf('Msg: ') + 5, p.indexOf('\nJSON:'))] ?? '{}' });
  const examples = [
    { text: 'table for 4, Smith', gold: { people: 4, name: 'Smith' } },
    { text: 'two of us', gold: { people: 2, name: null } },
    { text: 'broken', gold: { people: 1, name: null } },
    { text: 'cut', gold: { people: 3, name: null, note: 'extra gold key' } },
  ];

  it('scores fields, counts invalid outputs as wrong and keeps their error and raw output', async () => {
    const done: number[] = [];
    const ev = await evaluateExtract(pack, examples, { engine, concurrency: 2, onProgress: (n) => done.push(n) });
    expect(done.sort()).toEqual([1, 2, 3, 4]);
    expect(ev.fields).toEqual(['people', 'name', 'note']);
    expect(ev.predictions.map((p) => p.valid)).toEqual([true, true, false, false]);
    expect(ev.predictions[0]!.predicted).toEqual({ people: 4, name: 'SMITH' });
    expect(ev.predictions[2]).toMatchObject({ predicted: null, raw: '{"people": 0, "name": null}' });
    expect(ev.predictions[2]!.error).toMatch(/schema/);
    expect(ev.predictions[3]!.error).toMatch(/not JSON/);
    expect(ev.report.fields.map((f) => [f.field, f.correct])).toEqual([['people', 2], ['name', 1], ['note', 2]]);
    expect(ev.report.schemaValidRate).toBe(0.5);
    expect(ev.report.exactMatch).toBe(1);
    expect(extractReport(ev.predictions, { fields: ev.fields })).toEqual(ev.report);
    expect(extractFields(pack, [])).toEqual(['people', 'name']);
  });

  it('errors other than invalid output propagate', async () => {
    const throwing = new FakeEngine({ respond: () => { throw new Error('engine down'); } });
    await expect(evaluateExtract(pack, examples.slice(0, 1), { engine: throwing })).rejects.toThrow(/engine down/);
  });
});
