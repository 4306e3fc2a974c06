import { describe, expect, it } from 'vitest';
import { entityReport, getEntities, getEntitiesStrictIob2, tokenAccuracy, tokenReport } from '../../../src/eval/seqeval.js';

const yTrue = [['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
const yPred = [['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];

describe('seqeval default mode', () => {
  it('reproduces the README example', () => {
    const r = entityReport(yTrue, yPred);
    expect(r.text).toBe(
      [
        '              precision    recall  f1-score   support',
        '',
        '        MISC       0.00      0.00      0.00         1',
        '         PER       1.00      1.00      1.00         1',
        '',
        '   micro avg       0.50      0.50      0.50         2',
        '   macro avg       0.50      0.50      0.50         2',
        'weighted avg       0.50      0.50      0.50         2',
        '',
      ].join('\n'),
    );
    expect(r.microAvg).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(r.labels[0]).toEqual({ label: 'MISC', precision: 0, recall: 0, f1: 0, support: 1 });
    // README: f1_score 0.50, accuracy_score 0.80
    expect(r.microAvg.f1).toBe(0.5);
    expect(tokenAccuracy(yTrue, yPred)).toBe(0.8);
  });
  it('get_entities: I- starts a chunk, a type change ends one (seqeval docstring)', () => {
    expect(getEntities([['B-PER', 'I-PER', 'O', 'B-LOC']])).toEqual([
      { type: 'PER', start: 0, end: 1 },
      { type: 'LOC', start: 3, end: 3 },
    ]);
    expect(getEntities([['I-PER', 'I-PER', 'B-PER', 'I-LOC']])).toEqual([
      { type: 'PER', start: 0, end: 1 },
      { type: 'PER', start: 2, end: 2 },
      { type: 'LOC', start: 3, end: 3 },
    ]);
    // Sentences are joined with an O: an entity never crosses a sentence boundary.
    expect(getEntities([['B-X'], ['I-X']])).toEqual([
      { type: 'X', start: 0, end: 0 },
      { type: 'X', start: 2, end: 2 },
    ]);
  });
  it('lenient vs strict IOB2 (hand-computed)', () => {
    const t = [['B-PER', 'I-PER', 'O', 'B-LOC']];
    const p = [['I-PER', 'I-PER', 'O', 'B-LOC']];
    expect(entityReport(t, p).microAvg.f1).toBe(1);
    expect(getEntitiesStrictIob2(p)).toEqual([{ type: 'LOC', start: 3, end: 3 }]);
    const s = entityReport(t, p, { mode: 'strict' });
    expect(s.labels).toEqual([
      { label: 'LOC', precision: 1, recall: 1, f1: 1, support: 1 },
      { label: 'PER', precision: 0, recall: 0, f1: 0, support: 1 },
    ]);
    expect(s.microAvg.precision).toBe(1);
    expect(s.microAvg.recall).toBe(0.5);
    expect(s.microAvg.f1).toBeCloseTo(2 / 3, 12);
    expect(s.macroAvg).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
  });
  it("reproduces seqeval's documented strict-mode example (README: B-NP I-NP O vs I-NP I-NP O)", () => {
    const t = [['B-NP', 'I-NP', 'O']];
    const p = [['I-NP', 'I-NP', 'O']];
    const table = (v: string) =>
      [
        '              precision    recall  f1-score   support',
        '',
        `          NP       ${v}      ${v}      ${v}         1`,
        '',
        `   micro avg       ${v}      ${v}      ${v}         1`,
        `   macro avg       ${v}      ${v}      ${v}         1`,
        `weighted avg       ${v}      ${v}      ${v}         1`,
        '',
      ].join('\n');
    // Default (conlleval-like): a leading I- starts the chunk, so the prediction matches.
    const lenient = entityReport(t, p);
    expect(lenient.text).toBe(table('1.00'));
    expect(lenient.labels).toEqual([{ label: 'NP', precision: 1, recall: 1, f1: 1, support: 1 }]);
    // mode='strict', scheme=IOB2: a chunk must start with B-, so nothing is predicted.
    expect(getEntitiesStrictIob2(p)).toEqual([]);
    const strict = entityReport(t, p, { mode: 'strict' });
    expect(strict.text).toBe(table('0.00'));
    expect(strict.labels).toEqual([{ label: 'NP', precision: 0, recall: 0, f1: 0, support: 1 }]);
    expect(strict.microAvg).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
  });
  it('zero division: a type that is only predicted', () => {
    const warn = entityReport([['O', 'O']], [['B-X', 'O']]);
    expect(warn.labels[0]).toEqual({ label: 'X', precision: 0, recall: 0, f1: 0, support: 0 });
    expect(warn.weightedAvg).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    const one = entityReport([['O', 'O']], [['B-X', 'O']], { zeroDivision: 1 });
    expect(one.labels[0]).toEqual({ label: 'X', precision: 0, recall: 1, f1: 0, support: 0 });
    expect(one.weightedAvg).toEqual({ precision: 0, recall: 1, f1: 0, support: 0 });
  });
  it('token-level report is labelled as such', () => {
    const r = tokenReport(yTrue, yPred);
    expect(r.text.split('\n')[0]).toMatch(/TOKEN-LEVEL/);
    expect(r.labels.map((l) => l.label)).toEqual(['B-MISC', 'B-PER', 'I-MISC', 'I-PER']);
    expect(r.microAvg).toBeDefined();
  });
});
