/**
 * `onramp eval --text-field F --label-field F` on a classify pack (stories260K, in-process): the named columns are
 * read, the gold labels are the label column's values (through --label-map), and without the flags the file's
 * non-default column names are an error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../cliHarness.js';
import { classificationReport } from '../../src/eval/classificationReport.js';
import { storiesPath } from './helpers.js';

afterEach(() => vi.restoreAllMocks());

const dir = mkdtempSync(path.join(tmpdir(), 'onramp-eval-fields-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rows = [
  { review_body: 'a lovely, warm film', stars: 5, label: 'negative' },
  { review_body: 'dull and far too long', stars: 1, label: 'positive' },
  { review_body: 'the cast is great', stars: 5, label: 'negative' },
  { review_body: 'I walked out', stars: 1, label: 'positive' },
];
// A decoy `label` key holds the wrong answers: the report must use --label-field, not the default name.
const jsonl = path.join(dir, 'reviews.jsonl');
writeFileSync(jsonl, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
const csv = path.join(dir, 'reviews.csv');
writeFileSync(csv, 'id,review_body,stars\n' + rows.map((r, i) => `${i},"${r.review_body}",${r.stars}`).join('\n') + '\n');

type Doc = { report: { labels: { label: string; support: number }[]; accuracy: number }; predictions: { gold: string; predicted: string; probabilities: Record<string, number> }[] };

describe('onramp eval --text-field / --label-field (classify, stories260K)', () => {
  it.each([
    ['jsonl', jsonl],
    ['csv', csv],
  ])('%s: reads the named fields; gold labels come from --label-field through --label-map', async (_kind, file) => {
    const args = ['eval', '--task', 'sentiment-en', '--model', storiesPath, '--data', file, '--text-field', 'review_body', '--label-field', 'stars', '--label-map', '1=negative,5=positive', '--threads', '1', '--json', '--no-progress'];
    const { out, err, code } = await runCli(args);
    expect(code, err).toBeUndefined();
    const doc = JSON.parse(out) as Doc;
    expect(doc.predictions.map((p) => p.gold)).toEqual(['positive', 'negative', 'positive', 'negative']);
    for (const p of doc.predictions) {
      expect(Object.keys(p.probabilities).sort()).toEqual(['negative', 'positive']);
      expect(p.probabilities.negative! + p.probabilities.positive!).toBeCloseTo(1, 6);
    }
    expect(doc.report.labels.map((l) => [l.label, l.support])).toEqual([
      ['negative', 2],
      ['positive', 2],
    ]);
    const again = classificationReport(doc.predictions.map((p) => p.gold), doc.predictions.map((p) => p.predicted));
    expect(doc.report.accuracy).toBeCloseTo(again.accuracy!, 12);
  });

  it('the text field changes what is scored: the same rows read through another column give other probabilities', async () => {
    const withText = path.join(dir, 'two-texts.jsonl');
    writeFileSync(withText, rows.map((r) => JSON.stringify({ a: r.review_body, b: 'Once upon a time there was a dog', y: r.stars })).join('\n') + '\n');
    const run = async (field: string) => JSON.parse((await runCli(['eval', '--task', 'sentiment-en', '--model', storiesPath, '--data', withText, '--text-field', field, '--label-field', 'y', '--label-map', '1=negative,5=positive', '--threads', '1', '--json', '--no-progress'])).out) as Doc;
    const a = await run('a');
    const b = await run('b');
    const pa = a.predictions.map((p) => p.probabilities.positive!);
    const pb = b.predictions.map((p) => p.probabilities.positive!);
    // Column b holds one text for every row: its probabilities differ only by batching noise (~1e-6 here). Column a
    // holds four texts: they differ by orders of magnitude more (~1e-3 here).
    const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
    expect(spread(pa)).toBeGreaterThan(20 * spread(pb));
  });

  it('without the flags, a file whose columns have non-default names is an error', async () => {
    const { code, err } = await runCli(['eval', '--task', 'sentiment-en', '--model', storiesPath, '--data', csv, '--threads', '1', '--no-progress']);
    expect(code).not.toBeUndefined();
    expect(code).not.toBe(0);
    expect(err).toMatch(/no text field in .*reviews\.csv \(columns: id, review_body, stars\)/);
    // A --text-field that names no column is an error too.
    const bad = await runCli(['eval', '--task', 'sentiment-en', '--model', storiesPath, '--data', csv, '--text-field', 'body', '--label-field', 'stars', '--threads', '1', '--no-progress']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/no text field/);
  });
});
