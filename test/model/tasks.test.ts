/**
 * The task pipeline end to end on stories260K with slices of ../shared/data: plumbing, not quality.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/Engine.js';
import { Model } from '../../src/engine/Model.js';
import { OutputValidationError } from '../../src/errors.js';
import { loadDataset } from '../../src/eval/readers.js';
import { TaskRegistry, builtinTaskDir } from '../../src/tasks/registry.js';
import { validatePack } from '../../src/tasks/loadPack.js';
import { runTask } from '../../src/tasks/runTask.js';
import { renderPrompt } from '../../src/tasks/prepare.js';
import { softmax } from '../../src/tasks/scoring.js';
import { evaluateClassification, evaluateNer, promptPredictor } from '../../src/tasks/evaluate.js';
import type { ClassifyResult, ExtractResult, GenerateTaskResult, NerResult } from '../../src/tasks/types.js';
import { modelsDir, storiesPath } from './helpers.js';

const dataDir = process.env.ONRAMP_TEST_DATA ?? path.resolve(modelsDir, '../data');
let model: Model;
let engine: Engine;
const reg = TaskRegistry.load(builtinTaskDir());

beforeAll(async () => {
  model = await Model.load(storiesPath);
  // threads: 1 — on a loaded 2-core machine llama.cpp's spinning worker threads make threads: 2 ~400x slower.
  engine = await Engine.create(model, { parallel: 4, nCtx: 4096, threads: 1, scoreSequences: 80 });
});
afterAll(async () => {
  await engine?.dispose();
  await model?.dispose();
});

describe('tasks on stories260K', () => {
  it('classify: probabilities sum to 1 and equal scoring each label alone', async () => {
    const pack = reg.get('sentiment-en');
    const ds = loadDataset(path.join(dataDir, 'sentiment-sst2/dev.tsv'), { labelMap: { 0: 'negative', 1: 'positive' } });
    if (ds.kind !== 'text') throw new Error('expected text data');
    for (const ex of ds.examples.slice(0, 3)) {
      const r = (await runTask(pack, ex.text, { engine })) as ClassifyResult;
      expect(r.labels.map((l) => l.label).sort()).toEqual(['negative', 'positive']);
      expect(r.labels.reduce((a, l) => a + l.score, 0)).toBeCloseTo(1, 9);
      const prefix = renderPrompt(pack, ex.text.trim(), {}, engine);
      const alone = await Promise.all(pack.labels.map(async (l) => (await engine.score(prefix, [l.verbalizers[0]!])).candidates[0]!.logprob));
      const expected = softmax(alone);
      pack.labels.forEach((l, i) => expect(Math.abs(r.explanation.labelProbabilities![l.name]! - expected[i]!)).toBeLessThan(1e-3));
      expect(r.explanation.pack).toEqual({ id: 'sentiment-en', version: pack.version, kind: 'classify' });
      expect(r.explanation.tokens.prompt).toBeGreaterThan(r.explanation.tokens.input);
    }
  });

  it('classify with 77 labels read from a file, and evaluation with a report', async () => {
    const pack = reg.get('intent-banking77');
    const ds = loadDataset(path.join(dataDir, 'intent-banking77/train.csv'));
    if (ds.kind !== 'text') throw new Error('expected text data');
    const slice = ds.examples.filter((_, i) => i % 500 === 0).slice(0, 6);
    const ev = await evaluateClassification(promptPredictor(pack, { engine }, 4), slice, { abstain: pack.thresholds.abstain! });
    expect(ev.predictions).toHaveLength(slice.length);
    for (const p of ev.predictions) {
      expect(Object.keys(p.probabilities)).toHaveLength(77);
      expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
    expect(ev.report.text).toContain('weighted avg');
    expect(ev.report.labels.reduce((a, l) => a + l.support, 0)).toBe(slice.length);
  });

  it('ner: entities (if any) slice to their word in the original text; eval runs', async () => {
    const pack = { ...reg.get('ner-social'), output: { ...reg.get('ner-social').output, maxTokens: 48 } };
    const ds = loadDataset(path.join(dataDir, 'ner-wnut17/emerging.dev.conll'));
    if (ds.kind !== 'conll') throw new Error('expected conll');
    const sentences = ds.sentences.slice(0, 2);
    for (const s of sentences) {
      const text = `  ${s.tokens.join('  ')} `;
      try {
        const r = (await runTask(pack, text, { engine })) as NerResult;
        for (const e of r.entities) expect(text.slice(e.start, e.end)).toBe(e.word);
        expect(typeof r.explanation.raw).toBe('string');
      } catch (e) {
        expect(e).toBeInstanceOf(OutputValidationError); // a 260K model may not close the JSON
      }
    }
    const ev = await evaluateNer(pack, sentences, { engine });
    expect(ev.predictions).toHaveLength(2);
    expect(ev.predictions[0]!.predicted).toHaveLength(sentences[0]!.tokens.length);
  });

  it('ner with its own output.schema: the engine generates under it and every kept entity satisfies it', async () => {
    const base = reg.get('ner-social');
    const pack = validatePack({
      id: 'ner-schema', version: '1.0.0', kind: 'ner', prompt: { template: base.prompt.template }, labels: base.labels.map((l) => l.name),
      output: {
        maxTokens: 128,
        schema: {
          type: 'object', required: ['entities'], additionalProperties: false,
          properties: { entities: { type: 'array', minItems: 1, maxItems: 1, items: { type: 'object', required: ['text', 'label'], additionalProperties: false, properties: { text: { type: 'string', minLength: 1, maxLength: 6 }, label: { type: 'string' } } } } },
        },
      },
    });
    let closed = 0;
    for (const text of ['Bob went to Paris with Lily.', 'The cat sat on the mat.']) {
      const r = (await runTask(pack, text, { engine })) as NerResult;
      for (const e of r.entities) {
        expect(text.slice(e.start, e.end)).toBe(e.word);
        expect(e.word.length).toBeLessThanOrEqual(6);
        expect(pack.labels.map((l) => l.name)).toContain(e.entity_group);
      }
      if (r.explanation.droppedEntities!.some((d) => d.reason.startsWith('output cut'))) continue; // maxTokens ended it
      closed++;
      // The grammar enforced the pack's schema: exactly one item (minItems = maxItems = 1), text of 1–6 characters.
      const doc = JSON.parse(r.explanation.raw!) as { entities: { text: string; label: string }[] };
      expect(doc.entities).toHaveLength(1);
      expect(doc.entities[0]!.text.length).toBeGreaterThan(0);
      expect(doc.entities[0]!.text.length).toBeLessThanOrEqual(6);
      expect(pack.labels.map((l) => l.name)).toContain(doc.entities[0]!.label);
    }
    expect(closed).toBeGreaterThan(0);
  });

  it('extract returns schema-valid data or a typed error holding the raw output', async () => {
    const pack = { ...reg.get('extract-booking'), output: { ...reg.get('extract-booking').output, maxTokens: 48 } };
    try {
      const r = (await runTask(pack, 'table for two at 8pm on friday, name is Lee', { engine })) as ExtractResult;
      expect(r.data).toBeTypeOf('object');
    } catch (e) {
      expect(e).toBeInstanceOf(OutputValidationError);
      expect(typeof (e as OutputValidationError).raw).toBe('string');
    }
  });

  it('summarize respects the word limit', async () => {
    const r = (await runTask(reg.get('summarize'), { text: 'Once upon a time there was a little girl named Lily. She loved to play outside.', fields: { maxWords: '8' } }, { engine })) as GenerateTaskResult;
    expect(r.text.split(/\s+/).filter(Boolean).length).toBeLessThanOrEqual(8);
    expect(r.explanation.tokens.output).toBeGreaterThan(0);
  });
});
