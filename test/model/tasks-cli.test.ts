/**
 * `onramp eval` and `onramp run` in-process on stories260K (the CLI contract: human text, one JSON document).
 */
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../cliHarness.js';
import { classificationReport } from '../../src/eval/classificationReport.js';
import { modelsDir, storiesPath } from './helpers.js';

const dataDir = process.env.ONRAMP_TEST_DATA ?? path.resolve(modelsDir, '../data');

const cli = runCli;

afterEach(() => vi.restoreAllMocks());

describe('onramp eval / run (stories260K)', () => {
  it('eval --json: report and predictions, and the report recomputes from the predictions', async () => {
    const { out, code } = await cli(['eval', '--task', 'sentiment-en', '--model', storiesPath, '--data', path.join(dataDir, 'sentiment-sst2/dev.tsv'), '--label-map', '0=negative,1=positive', '--limit', '12', '--threads', '1', '--json', '--no-progress']);
    expect(code).toBeUndefined();
    const doc = JSON.parse(out) as {
      report: { labels: { label: string; precision: number; recall: number; f1: number; support: number }[]; accuracy: number; macroAvg: object; weightedAvg: object };
      predictions: { gold: string; predicted: string; probabilities: Record<string, number> }[];
    };
    expect(doc.predictions).toHaveLength(12);
    for (const p of doc.predictions) {
      expect(Object.keys(p.probabilities).sort()).toEqual(['negative', 'positive']);
      const best = Object.entries(p.probabilities).sort((a, b) => b[1] - a[1])[0]![0];
      expect(p.predicted).toBe(best);
    }
    const again = classificationReport(doc.predictions.map((p) => p.gold), doc.predictions.map((p) => p.predicted));
    expect(doc.report.accuracy).toBeCloseTo(again.accuracy!, 12);
    expect(doc.report.labels).toEqual(again.labels);
    expect(doc.report.macroAvg).toEqual(again.macroAvg);
  });

  it('eval prints the report and the confusion matrix', async () => {
    const { out } = await cli(['eval', '--task', 'sentiment-en', '--model', storiesPath, '--data', path.join(dataDir, 'sentiment-sst2/dev.tsv'), '--label-map', '0=negative,1=positive', '--limit', '6', '--threads', '1', '--no-progress']);
    expect(out).toMatch(/precision {4}recall {2}f1-score {3}support/);
    expect(out).toContain('accuracy');
    expect(out).toContain('Confusion matrix');
  });

  it('run prints a label, and --json the result with its explanation', async () => {
    const human = await cli(['run', 'sentiment-en', '--model', storiesPath, '--text', 'a lovely film', '--threads', '1']);
    expect(human.out).toMatch(/^(positive|negative) {2}p=/);
    const json = await cli(['run', 'sentiment-en', '--model', storiesPath, '--text', 'a lovely film', '--threads', '1', '--json']);
    const r = JSON.parse(json.out) as { kind: string; labels: unknown[]; explanation: { pack: { id: string } } };
    expect(r.kind).toBe('classify');
    expect(r.labels).toHaveLength(2);
    expect(r.explanation.pack.id).toBe('sentiment-en');
  });

  it('an unknown pack is a typed error', async () => {
    const { err, code } = await cli(['run', 'no-such-pack', '--model', storiesPath, '--text', 'x']);
    expect(code).toBe(1);
    expect(err).toMatch(/NOT_FOUND/);
  });
});
