/**
 * Multilabel and extraction evaluation pieces: readers for label lists and gold records, the multilabel report
 * against scikit-learn output, per-label counts, and the extraction report (hand-computed).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classificationReport } from '../../../src/eval/classificationReport.js';
import { formatMultilabelConfusion, multilabelConfusion } from '../../../src/eval/confusion.js';
import { extractReport, schemaFields, valuesMatch } from '../../../src/eval/extractReport.js';
import { loadDataset, loadRecordDataset, parseLabelMap } from '../../../src/eval/readers.js';

const dir = mkdtempSync(join(tmpdir(), 'onramp-mlx-'));

describe('multilabel data and report', () => {
  it('reads label lists from delimited cells and JSON arrays; the label map applies to each label', () => {
    writeFileSync(join(dir, 'm.tsv'), 'text\tlabels\nnice food, high price\t0|1\nrude\t 2 \nnothing\t\n');
    const map = parseLabelMap('0=food,1=price,2=service');
    expect(loadDataset(join(dir, 'm.tsv'), { labelDelimiter: '|', labelMap: map })).toEqual({
      kind: 'text',
      examples: [
        { text: 'nice food, high price', label: ['food', 'price'] },
        { text: 'rude', label: ['service'] },
        { text: 'nothing', label: [] },
      ],
    });
    writeFileSync(join(dir, 'm.csv'), 'text,labels\n"a, b",food;service\n');
    expect(loadDataset(join(dir, 'm.csv'), { labelDelimiter: ';' })).toEqual({ kind: 'text', examples: [{ text: 'a, b', label: ['food', 'service'] }] });
    writeFileSync(join(dir, 'm.jsonl'), '{"text":"x","labels":[0,2]}\n{"text":"y","labels":"1"}\n{"text":"z","labels":[]}\n');
    expect(loadDataset(join(dir, 'm.jsonl'), { labelDelimiter: '|', labelMap: map })).toEqual({
      kind: 'text',
      examples: [
        { text: 'x', label: ['food', 'service'] },
        { text: 'y', label: ['price'] },
        { text: 'z', label: [] },
      ],
    });
  });

  it('multilabel report equals scikit-learn (empty rows, zero_division warn and 1)', () => {
    const yt = [['food', 'price'], [], ['service'], ['food'], []];
    const yp = [['food'], [], ['price', 'service'], [], ['price']];
    // sklearn 1.9.1: classification_report(MultiLabelBinarizer(...), digits=4, zero_division=…)
    const head = '              precision    recall  f1-score   support\n\n        food     1.0000    0.5000    0.6667         2\n       price     0.0000    0.0000    0.0000         1\n     service     1.0000    1.0000    1.0000         1\n\n   micro avg     0.5000    0.5000    0.5000         4\n   macro avg     0.6667    0.5000    0.5556         4\nweighted avg     0.7500    0.5000    0.5833         4\n';
    expect(classificationReport(yt, yp, { digits: 4 }).text).toBe(head + ' samples avg     0.3000    0.3000    0.2667         4\n');
    expect(classificationReport(yt, yp, { digits: 4, zeroDivision: 1 }).text).toBe(head + ' samples avg     0.7000    0.7000    0.4667         4\n');
  });

  it('per-label counts like multilabel_confusion_matrix', () => {
    const c = multilabelConfusion([['a'], ['a', 'b'], []], [['a', 'b'], [], ['b']], ['a', 'b']);
    expect(c.matrices).toEqual([
      [[1, 0], [1, 1]],
      [[0, 2], [1, 0]],
    ]);
    expect(formatMultilabelConfusion(c).split('\n')[1]).toBe('    a     1     0     1     1');
  });
});

describe('extraction data and report', () => {
  it('reads gold records from JSONL objects and JSON cells, and names a bad example', () => {
    writeFileSync(join(dir, 'x.jsonl'), '{"text":"for 2","slots":{"people":2}}\n');
    expect(loadRecordDataset(join(dir, 'x.jsonl'), { labelField: 'slots' })).toEqual([{ text: 'for 2', gold: { people: 2 } }]);
    writeFileSync(join(dir, 'x.tsv'), 'text\toutput\nLee at 8\t{"name":"Lee","time":"8"}\n');
    expect(loadRecordDataset(join(dir, 'x.tsv'))).toEqual([{ text: 'Lee at 8', gold: { name: 'Lee', time: '8' } }]);
    writeFileSync(join(dir, 'bad.jsonl'), '{"text":"a","label":{"x":1}}\n{"text":"b","label":"positive"}\n');
    expect(() => loadRecordDataset(join(dir, 'bad.jsonl'))).toThrow(/example 2 .*must hold a JSON object/);
  });

  it('compares values after normalization', () => {
    expect(valuesMatch('  Anna\u00a0 SMITH ', 'anna smith')).toBe(true);
    expect(valuesMatch('Ｌｅｅ', 'lee')).toBe(true); // NFKC
    expect(valuesMatch(4, '4.0')).toBe(true);
    expect(valuesMatch('4', 4)).toBe(true);
    expect(valuesMatch(4, 'four')).toBe(false);
    expect(valuesMatch(null, undefined)).toBe(true);
    expect(valuesMatch('', null)).toBe(true);
    expect(valuesMatch('7pm', null)).toBe(false);
    expect(valuesMatch(['A', 1], ['a', '1'])).toBe(true);
    expect(valuesMatch(['a', 'b'], ['b', 'a'])).toBe(false);
    expect(valuesMatch({ a: 'X', b: null }, { a: 'x' })).toBe(true);
    expect(valuesMatch({ a: 1 }, [1])).toBe(false);
    expect(valuesMatch(true, 'true')).toBe(false);
  });

  it('per-field accuracy, schema-valid and exact-match rates (hand-computed)', () => {
    const rows = [
      { gold: { people: 4, name: 'Smith', time: '7pm' }, predicted: { people: 4, name: 'smith ', time: '7pm' }, valid: true }, // exact
      { gold: { people: 2, name: null, time: '8pm' }, predicted: { people: '2', name: 'Lee', time: '8pm' }, valid: true }, // name wrong
      { gold: { people: 3, name: 'Ng', time: null }, predicted: null, valid: false }, // invalid: every field wrong
      { gold: { people: 5, time: '9pm' }, predicted: { people: 6, name: null, time: '9 PM' }, valid: true }, // people, time wrong
    ];
    const r = extractReport(rows, { fields: ['people', 'name', 'time'] });
    expect(r.fields.map((f) => [f.field, f.correct, f.total, f.goldNonNull, f.correctNonNull])).toEqual([
      ['people', 2, 4, 4, 2],
      ['name', 2, 4, 2, 1],
      ['time', 2, 4, 3, 2],
    ]);
    expect(r.fields[0]!.accuracy).toBe(0.5);
    expect(r.schemaValid).toBe(3);
    expect(r.schemaValidRate).toBe(0.75);
    expect(r.exactMatch).toBe(1);
    expect(r.exactMatchRate).toBe(0.25);
    expect(r.fieldAccuracy).toBe(0.5);
    const lines = r.text.split('\n');
    expect(lines[0]).toMatch(/accuracy +correct +total +non-null acc +non-null$/);
    expect(lines[2]).toBe('           people       0.50         2         4         0.50         4');
    expect(r.text).toContain('schema-valid rate       0.75         3         4');
    expect(r.text).toContain(' exact-match rate       0.25         1         4');
    // Without fields: the keys seen, in first-seen order.
    expect(extractReport(rows).fields.map((f) => f.field)).toEqual(['people', 'name', 'time']);
    expect(schemaFields({ type: 'object', properties: { a: {}, b: {} } })).toEqual(['a', 'b']);
    expect(schemaFields({ type: 'array' })).toEqual([]);
  });

  it('an empty set of rows gives zero rates, not NaN', () => {
    const r = extractReport([], { fields: ['a'] });
    expect([r.schemaValidRate, r.exactMatchRate, r.fieldAccuracy, r.fields[0]!.accuracy]).toEqual([0, 0, 0, 0]);
  });
});
