/**
 * `onramp eval` and `onramp run` in-process on stories260K (the CLI contract: human text, one JSON document).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../cliHarness.js';
import { classificationReport, type Scores } from '../../src/eval/classificationReport.js';
import { extractReport, type ExtractReport, type ExtractRow } from '../../src/eval/extractReport.js';
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

  describe('multilabel and extract packs', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onramp-eval-kinds-'));
    const topics = path.join(dir, 'topics.yaml');
    writeFileSync(topics, [
      'id: topics', 'version: 1.0.0', 'kind: multilabel',
      'prompt: { template: "Review: {{text}}\\nIs it about {{label_words}}? Answer:" }',
      // stories260K's P(yes) is ~0.01: a 0 threshold (always on) and a ~0.01 one make the predicted sets non-trivial.
      'labels: [food, { name: price, threshold: 0 }, { name: service, threshold: 0.01 }]', 'thresholds: { multilabel: 0.45 }', '',
    ].join('\n'));
    const tsv = path.join(dir, 'topics.tsv');
    writeFileSync(tsv, 'text\tlabels\nthe soup was cold and pricey\tf|p\nthe waiter was kind\ts\nlovely cake\tf\nnothing to say\t\nslow staff, big bill\ts|p\n');
    const booking = path.join(dir, 'booking.yaml');
    writeFileSync(booking, [
      'id: booking-small', 'version: 1.0.0', 'kind: extract',
      'prompt: { template: "Message: {{text}}\\nBooking as JSON:" }',
      'output:', '  maxTokens: 48', '  schema:', '    type: object',
      '    properties: { people: { type: integer, minimum: 1, maximum: 9 }, when: { enum: [lunch, dinner] }, outside: { type: boolean } }',
      '    required: [people, when, outside]', '    additionalProperties: false', '',
    ].join('\n'));
    const jsonl = path.join(dir, 'booking.jsonl');
    writeFileSync(jsonl, [
      { text: 'table for 4 at dinner', slots: { people: 4, when: 'dinner', outside: false } },
      { text: 'two of us for lunch outside', slots: { people: '2', when: 'Lunch', outside: true } },
      { text: 'dinner for 9 please', slots: { people: 9, when: 'dinner', outside: false } },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n');

    it('multilabel eval --json: gold and predicted lists, every probability, and the report recomputes', async () => {
      const { out, code } = await cli(['eval', '--task', topics, '--model', storiesPath, '--data', tsv, '--label-map', 'f=food,p=price,s=service', '--threads', '1', '--json', '--no-progress']);
      expect(code).toBeUndefined();
      const doc = JSON.parse(out) as {
        task: { kind: string };
        thresholds: Record<string, number>;
        report: { labels: Scores[]; microAvg: Scores; macroAvg: Scores; weightedAvg: Scores; samplesAvg: Scores };
        confusion: { labels: string[]; matrices: number[][][] };
        predictions: { gold: string[]; predicted: string[]; probabilities: Record<string, number> }[];
      };
      expect(doc.task.kind).toBe('multilabel');
      expect(doc.thresholds).toEqual({ food: 0.45, price: 0, service: 0.01 });
      expect(doc.predictions.every((p) => p.predicted.includes('price'))).toBe(true);
      expect(doc.predictions.map((p) => p.gold)).toEqual([['food', 'price'], ['service'], ['food'], [], ['service', 'price']]);
      for (const p of doc.predictions) {
        expect(Object.keys(p.probabilities).sort()).toEqual(['food', 'price', 'service']);
        for (const v of Object.values(p.probabilities)) expect(v).toBeGreaterThanOrEqual(0), expect(v).toBeLessThanOrEqual(1);
        expect([...p.predicted].sort()).toEqual(Object.keys(p.probabilities).filter((l) => p.probabilities[l]! >= doc.thresholds[l]!).sort());
      }
      const again = classificationReport(doc.predictions.map((p) => p.gold), doc.predictions.map((p) => p.predicted));
      expect(again.type).toBe('multilabel');
      expect(doc.report.labels).toEqual(again.labels);
      for (const k of ['microAvg', 'macroAvg', 'weightedAvg', 'samplesAvg'] as const) expect(doc.report[k]).toEqual(again[k]);
      expect(doc.confusion.labels).toEqual(again.labels.map((l) => l.label));
    });

    it('multilabel eval prints the multilabel report and per-label counts', async () => {
      const { out } = await cli(['eval', '--task', topics, '--model', storiesPath, '--data', tsv, '--label-map', 'f=food,p=price,s=service', '--limit', '3', '--threads', '1', '--no-progress']);
      expect(out).toMatch(/precision {4}recall {2}f1-score {3}support/);
      for (const row of ['micro avg', 'macro avg', 'weighted avg', 'samples avg', 'Per-label counts']) expect(out).toContain(row);
      expect(out).not.toContain('accuracy');
    });

    it('extract eval --json: gold and predicted records, and the report recomputes', async () => {
      const { out, code } = await cli(['eval', '--task', booking, '--model', storiesPath, '--data', jsonl, '--label-field', 'slots', '--threads', '1', '--json', '--no-progress']);
      expect(code).toBeUndefined();
      const doc = JSON.parse(out) as { fields: string[]; report: Omit<ExtractReport, 'text'>; predictions: (ExtractRow & { error?: string })[] };
      expect(doc.fields).toEqual(['people', 'when', 'outside']);
      expect(doc.predictions).toHaveLength(3);
      expect(doc.predictions[1]!.gold).toEqual({ people: '2', when: 'Lunch', outside: true });
      for (const p of doc.predictions) {
        if (p.valid) expect(Object.keys(p.predicted as object).sort()).toEqual(['outside', 'people', 'when']);
        else expect(p.predicted).toBeNull(), expect(p.error).toMatch(/task booking-small/);
      }
      const { text, ...again } = extractReport(doc.predictions, { fields: doc.fields });
      expect(text).toContain('exact-match rate');
      expect(doc.report).toEqual(again);
      expect(doc.report.examples).toBe(3);
    });

    it('extract eval prints per-field accuracy and the rates; classify-only flags are refused', async () => {
      const { out } = await cli(['eval', '--task', booking, '--model', storiesPath, '--data', jsonl, '--label-field', 'slots', '--limit', '2', '--threads', '1', '--no-progress']);
      for (const row of ['people', 'when', 'outside', 'field accuracy', 'schema-valid rate', 'exact-match rate']) expect(out).toContain(row);
      const refused = await cli(['eval', '--task', booking, '--model', storiesPath, '--data', jsonl, '--fit-temperature', '--no-progress']);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/fitTemperature/);
    });
  });
});
