import { describe, expect, it } from 'vitest';
import { classificationReport, reportToDict } from '../../../src/eval/classificationReport.js';
import { pyFixed } from '../../../src/eval/format.js';
import { confusionMatrix, formatConfusionMatrix } from '../../../src/eval/confusion.js';

describe('pyFixed (Python round-half-even on exact ties)', () => {
  it('matches Python formatting', () => {
    expect(pyFixed(0.125, 2)).toBe('0.12');
    expect(pyFixed(0.375, 2)).toBe('0.38');
    expect(pyFixed(0.625, 2)).toBe('0.62');
    expect(pyFixed(2.5, 0)).toBe('2');
    expect(pyFixed(1.5, 0)).toBe('2');
    expect(pyFixed(2 / 3, 2)).toBe('0.67');
    expect(pyFixed(0.665, 2)).toBe('0.67'); // 0.665 is stored slightly above .665
    expect(pyFixed(1, 4)).toBe('1.0000');
    expect(pyFixed(NaN, 2)).toBe('nan');
  });
});

describe('classificationReport = sklearn', () => {
  it('reproduces the sklearn documentation example', () => {
    const r = classificationReport([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], { targetNames: ['class 0', 'class 1', 'class 2'] });
    expect(r.text).toBe(
      [
        '              precision    recall  f1-score   support',
        '',
        '     class 0       0.50      1.00      0.67         1',
        '     class 1       0.00      0.00      0.00         1',
        '     class 2       1.00      0.67      0.80         3',
        '',
        '    accuracy                           0.60         5',
        '   macro avg       0.50      0.56      0.49         5',
        'weighted avg       0.70      0.60      0.61         5',
        '',
      ].join('\n'),
    );
    expect(r.accuracy).toBeCloseTo(0.6, 12);
    expect(r.macroAvg.f1).toBeCloseTo((2 / 3 + 0 + 0.8) / 3, 12);
    expect(r.weightedAvg.precision).toBeCloseTo(0.7, 12);
  });

  it('shows micro avg when a label subset is requested (sklearn docs, zero-division labels)', () => {
    const r = classificationReport([1, 1, 1], [1, 1, 0], { labels: [1, 2, 3] });
    expect(r.text).toBe(
      [
        '              precision    recall  f1-score   support',
        '',
        '           1       1.00      0.67      0.80         3',
        '           2       0.00      0.00      0.00         0',
        '           3       0.00      0.00      0.00         0',
        '',
        '   micro avg       1.00      0.67      0.80         3',
        '   macro avg       0.33      0.22      0.27         3',
        'weighted avg       1.00      0.67      0.80         3',
        '',
      ].join('\n'),
    );
    expect(r.accuracy).toBeUndefined();
    expect(r.warnings.length).toBeGreaterThan(0);
  });

  it('zero_division=1 (hand-computed)', () => {
    const r = classificationReport(['a', 'a', 'b'], ['a', 'a', 'a'], { zeroDivision: 1 });
    const [a, b] = r.labels;
    expect(a).toMatchObject({ label: 'a', support: 2, recall: 1 });
    expect(a!.precision).toBeCloseTo(2 / 3, 12);
    expect(a!.f1).toBeCloseTo(0.8, 12);
    expect(b).toEqual({ label: 'b', precision: 1, recall: 0, f1: 0, support: 1 });
    expect(r.accuracy).toBeCloseTo(2 / 3, 12);
    expect(r.macroAvg.precision).toBeCloseTo(5 / 6, 12);
    expect(r.weightedAvg.precision).toBeCloseTo((4 / 3 + 1) / 3, 12);
    expect(r.weightedAvg.f1).toBeCloseTo(1.6 / 3, 12);
    expect(r.warnings).toEqual([]);
    const z0 = classificationReport(['a', 'a', 'b'], ['a', 'a', 'a'], { zeroDivision: 0 });
    expect(z0.labels[1]!.precision).toBe(0);
    expect(z0.warnings).toEqual([]);
  });

  it('zero_division=NaN, as scikit-learn >= 1.3 (hand-computed): nan rows, left out of the averages', () => {
    // a: tp 2, pred 3, true 2 -> p 2/3, r 1, f1 4/5. b: tp 0, pred 0, true 1 -> p 0/0 = nan, r 0, f1 0/(1+0) = 0.
    for (const zero of [NaN, 'nan'] as const) {
      const r = classificationReport(['a', 'a', 'b'], ['a', 'a', 'a'], { zeroDivision: zero });
      expect(r.labels[1]).toEqual({ label: 'b', precision: NaN, recall: 0, f1: 0, support: 1 });
      expect(r.accuracy).toBeCloseTo(2 / 3, 12);
      // macro: precision = mean of [2/3] (b's nan dropped); recall (1 + 0) / 2; f1 (0.8 + 0) / 2.
      expect(r.macroAvg.precision).toBeCloseTo(2 / 3, 12);
      expect(r.macroAvg.recall).toBe(0.5);
      expect(r.macroAvg.f1).toBeCloseTo(0.4, 12);
      // weighted (supports 2, 1): precision = 2/3 alone (its weight 2 renormalised); recall (2·1 + 1·0) / 3; f1 (2·0.8) / 3.
      expect(r.weightedAvg.precision).toBeCloseTo(2 / 3, 12);
      expect(r.weightedAvg.recall).toBeCloseTo(2 / 3, 12);
      expect(r.weightedAvg.f1).toBeCloseTo(1.6 / 3, 12);
      expect(r.warnings).toEqual([]);
      expect(r.text).toBe(
        [
          '              precision    recall  f1-score   support',
          '',
          '           a       0.67      1.00      0.80         2',
          '           b        nan      0.00      0.00         1',
          '',
          '    accuracy                           0.67         3',
          '   macro avg       0.67      0.50      0.40         3',
          'weighted avg       0.67      0.67      0.53         3',
          '',
        ].join('\n'),
      );
    }
  });

  it('zero_division=NaN: a label absent from both sides is nan everywhere; an all-nan column averages to nan', () => {
    // labels a, b, c; c never occurs: p, r and f1 (true + pred = 0) are nan; b is only predicted: recall nan.
    const r = classificationReport(['a', 'a'], ['a', 'b'], { labels: ['a', 'b', 'c'], zeroDivision: NaN });
    expect(r.labels).toEqual([
      { label: 'a', precision: 1, recall: 0.5, f1: 2 / 3, support: 2 },
      { label: 'b', precision: 0, recall: NaN, f1: 0, support: 0 },
      { label: 'c', precision: NaN, recall: NaN, f1: NaN, support: 0 },
    ]);
    expect(r.macroAvg.precision).toBe(0.5); // (1 + 0) / 2
    expect(r.macroAvg.recall).toBe(0.5); // a alone
    expect(r.macroAvg.f1).toBeCloseTo(1 / 3, 12); // (2/3 + 0) / 2
    // weighted: supports 2, 0, 0; b's recall is nan, so recall = a's.
    expect(r.weightedAvg.precision).toBe(1);
    expect(r.weightedAvg.recall).toBe(0.5);
    // All-nan: every label undefined (no true and no predicted samples of the requested label).
    const none = classificationReport(['a'], ['a'], { labels: ['z'], zeroDivision: NaN });
    expect(none.labels[0]).toEqual({ label: 'z', precision: NaN, recall: NaN, f1: NaN, support: 0 });
    expect(none.macroAvg).toEqual({ precision: NaN, recall: NaN, f1: NaN, support: 0 });
    expect(none.microAvg).toEqual({ precision: NaN, recall: NaN, f1: NaN, support: 0 });
    expect(none.text).toContain('   macro avg        nan       nan       nan         0');
  });

  it('rejects a zero_division sklearn rejects', () => {
    expect(() => classificationReport(['a'], ['a'], { zeroDivision: 0.5 })).toThrow(/zeroDivision/);
  });

  it('multilabel: micro and samples averages (hand-computed)', () => {
    const r = classificationReport([['a', 'b'], ['b'], []], [['a'], ['b', 'c'], ['c']]);
    expect(r.type).toBe('multilabel');
    expect(r.labels.map((l) => [l.label, l.support])).toEqual([['a', 1], ['b', 2], ['c', 0]]);
    expect(r.microAvg!.precision).toBeCloseTo(0.5, 12);
    expect(r.microAvg!.recall).toBeCloseTo(2 / 3, 12);
    expect(r.microAvg!.f1).toBeCloseTo(4 / 7, 12);
    expect(r.macroAvg.f1).toBeCloseTo((1 + 2 / 3) / 3, 12);
    expect(r.weightedAvg.precision).toBeCloseTo(1, 12);
    expect(r.weightedAvg.f1).toBeCloseTo((1 + 4 / 3) / 3, 12);
    expect(r.samplesAvg!.precision).toBeCloseTo(0.5, 12);
    expect(r.samplesAvg!.recall).toBeCloseTo(0.5, 12);
    expect(r.samplesAvg!.f1).toBeCloseTo(4 / 9, 12);
    const lines = r.text.split('\n');
    expect(lines[6]).toBe('   micro avg       0.50      0.67      0.57         3');
    expect(lines[9]).toBe(' samples avg       0.50      0.50      0.44         3');
  });

  it('dict form and confusion matrix', () => {
    const r = classificationReport(['x', 'y', 'x'], ['x', 'x', 'y']);
    const d = reportToDict(r);
    expect(d['accuracy']).toBeCloseTo(1 / 3, 12);
    expect((d['x'] as Record<string, number>)['f1-score']).toBeCloseTo(0.5, 12);
    const cm = confusionMatrix(['x', 'y', 'x'], ['x', 'x', 'y']);
    expect(cm).toEqual({ labels: ['x', 'y'], matrix: [[1, 1], [1, 0]] });
    expect(formatConfusionMatrix(cm)).toContain('gold \\ pred');
  });
});
