import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConll, parseDelimited, readJsonl, loadDataset, parseLabelMap } from '../../../src/eval/readers.js';
import { BowLogisticRegression, trainTokenTagger } from '../../../src/eval/baseline.js';

describe('readers', () => {
  it('reads CoNLL with tab or space columns and whitespace-only separators', () => {
    const s = readConll('-DOCSTART- O\n\nJohn NNP B-NP B-PER\nsmiles VBZ B-VP O\n\t\nParis\tB-location\n');
    expect(s).toEqual([
      { tokens: ['John', 'smiles'], tags: ['B-PER', 'O'] },
      { tokens: ['Paris'], tags: ['B-location'] },
    ]);
  });
  it('parses RFC 4180 quotes', () => {
    expect(parseDelimited('a,b\r\n"x, y","say ""hi"""\n"multi\nline",2')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['multi\nline', '2'],
    ]);
    expect(parseDelimited('t\tl\nfoo \t1\n', '\t')).toEqual([['t', 'l'], ['foo ', '1']]);
  });
  it('reads JSONL and names a bad line', () => {
    expect(readJsonl('{"a":1}\n\n{"a":2}\n')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(() => readJsonl('{"a":1}\n{bad\n')).toThrow(/line 2/);
  });
  it('loads datasets by extension with a label map', () => {
    const dir = mkdtempSync(join(tmpdir(), 'onramp-ds-'));
    writeFileSync(join(dir, 'd.tsv'), 'sentence\tlabel\ngood film \t1\nbad \t0\n');
    const ds = loadDataset(join(dir, 'd.tsv'), { labelMap: parseLabelMap('0=negative,1=positive') });
    expect(ds).toEqual({ kind: 'text', examples: [{ text: 'good film ', label: 'positive' }, { text: 'bad ', label: 'negative' }] });
    writeFileSync(join(dir, 'd.jsonl'), '{"q":"hi","y":"greet"}\n');
    expect(loadDataset(join(dir, 'd.jsonl'), { textField: 'q', labelField: 'y' })).toEqual({ kind: 'text', examples: [{ text: 'hi', label: 'greet' }] });
    expect(() => loadDataset(join(dir, 'd.jsonl'))).toThrow(/textField/);
    expect(() => parseLabelMap('0negative')).toThrow(/labelMap/);
  });
});

describe('bag-of-words baseline', () => {
  it('learns a separable toy task', () => {
    const texts = ['great movie', 'loved it', 'wonderful film', 'terrible movie', 'hated it', 'awful film'];
    const labels = ['pos', 'pos', 'pos', 'neg', 'neg', 'neg'];
    const clf = BowLogisticRegression.train(texts, labels, { epochs: 20 });
    expect(clf.predict(['great film', 'awful movie'])).toEqual(['pos', 'neg']);
    const p = clf.predictProba(['loved it'])[0]!;
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });
  it('tags tokens', () => {
    const sents = Array.from({ length: 20 }, () => ({ tokens: ['I', 'visited', 'Paris', 'today'], tags: ['O', 'O', 'B-location', 'O'] }));
    const tag = trainTokenTagger(sents);
    expect(tag(['I', 'visited', 'Paris', 'today'])).toEqual(['O', 'O', 'B-location', 'O']);
  });
});
