import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cliHarness.js';
import { storiesPath } from './helpers.js';

// `--head` of `onramp run` and `onramp eval` (softmax head on a classify pack, token head on the ner pack), and the
// typed refusal of a head that does not apply. Heads are trained here with `onramp train-head` (a few epochs).
let dir: string;
let softmaxHead: string;
let tokenHead: string;
let pack: string;
const prevCache = process.env.ONRAMP_CACHE_DIR;

const conll = (sents: [string, string][][]): string => sents.map((s) => s.map(([w, t]) => `${w} ${t}`).join('\n')).join('\n\n') + '\n';
const NER_TRAIN: [string, string][][] = [
  [['Tom', 'B-PER'], ['went', 'O'], ['to', 'O'], ['Paris', 'B-LOC'], ['.', 'O']],
  [['Lily', 'B-PER'], ['works', 'O'], ['at', 'O'], ['Acme', 'B-ORG'], ['Corp', 'I-ORG'], ['.', 'O']],
  [['Ben', 'B-PER'], ['likes', 'O'], ['Christmas', 'B-MISC'], ['in', 'O'], ['London', 'B-LOC'], ['.', 'O']],
  [['Acme', 'B-ORG'], ['hired', 'O'], ['Sue', 'B-PER'], ['in', 'O'], ['Berlin', 'B-LOC'], ['.', 'O']],
  [['The', 'O'], ['French', 'B-MISC'], ['team', 'O'], ['met', 'O'], ['Tom', 'B-PER'], ['.', 'O']],
];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'onramp-head-flags-'));
  process.env.ONRAMP_CACHE_DIR = path.join(dir, 'cache');
  const cats = ['The cat sat on the mat.', 'A cat chased the mouse.', 'The kitten played with yarn.', 'My cat likes milk.'];
  const dogs = ['The dog ran to the park.', 'A dog barked at the mailman.', 'The puppy wagged its tail.', 'My dog likes bones.'];
  const csv = (rows: string[][]) => ['text,label', ...rows.map(([t, l]) => `"${t}",${l}`)].join('\n');
  writeFileSync(path.join(dir, 'train.csv'), csv([...cats.map((t) => [t, 'cat']), ...dogs.map((t) => [t, 'dog'])]));
  writeFileSync(path.join(dir, 'dev.csv'), csv([[cats[3]!, 'cat'], [dogs[3]!, 'dog']]));
  writeFileSync(path.join(dir, 'train.conll'), conll(NER_TRAIN));
  writeFileSync(path.join(dir, 'dev.conll'), conll(NER_TRAIN.slice(0, 2)));
  pack = path.join(dir, 'pets.yaml');
  writeFileSync(pack, ['id: pets', 'version: 1.0.0', 'kind: classify', 'prompt:', '  template: "Text: {{text}}\\nAnimal:"', 'labels: [cat, dog]', ''].join('\n'));
  softmaxHead = path.join(dir, 'pets-head.json');
  tokenHead = path.join(dir, 'ner-head.json');
  const a = await runCli(['train-head', '--task', pack, '--model', storiesPath, '--data', path.join(dir, 'train.csv'), '-o', softmaxHead, '--epochs', '5', '--seed', '1', '--no-progress', '--json']);
  expect(a.code ?? 0, a.err).toBe(0);
  const b = await runCli(['train-head', '--task', 'ner', '--model', storiesPath, '--data', path.join(dir, 'train.conll'), '-o', tokenHead, '--epochs', '60', '--lr', '0.05', '--seed', '1', '--no-progress', '--json']);
  expect(b.code ?? 0, b.err).toBe(0);
}, 120_000);

afterAll(() => {
  if (prevCache === undefined) delete process.env.ONRAMP_CACHE_DIR;
  else process.env.ONRAMP_CACHE_DIR = prevCache;
  rmSync(dir, { recursive: true, force: true });
});

describe('onramp run --head', () => {
  it('classify pack: the head scores every label and explains which words mattered', async () => {
    const text = 'My cat likes milk.';
    const { out, err, code } = await runCli(['run', pack, '--model', storiesPath, '--threads', '1', '--head', softmaxHead, '--text', text, '--explain', '--json']);
    expect(code ?? 0, err).toBe(0);
    const r = JSON.parse(out) as { kind: string; labels: { label: string; score: number }[]; explanation: { scorer: string; importantWords: { text: string; start: number }[] } };
    expect(r.kind).toBe('classify');
    expect(r.explanation.scorer).toBe('head');
    expect(r.labels.map((l) => l.label).sort()).toEqual(['cat', 'dog']);
    expect(r.labels.reduce((a, l) => a + l.score, 0)).toBeCloseTo(1, 9);
    expect(r.explanation.importantWords.length).toBeGreaterThan(0);
    for (const w of r.explanation.importantWords) expect(text.slice(w.start, w.start + w.text.length)).toBe(w.text);
  });

  it('ner pack: a token head tags the entities (offsets into the input), no generation', async () => {
    const text = 'Tom  went to Paris.';
    const { out, err, code } = await runCli(['run', 'ner', '--model', storiesPath, '--threads', '1', '--head', tokenHead, '--text', text, '--json']);
    expect(code ?? 0, err).toBe(0);
    const r = JSON.parse(out) as { kind: string; entities: { entity_group: string; word: string; start: number; end: number; score: number }[]; explanation: { scorer: string; tokens: { output: number } } };
    expect(r.kind).toBe('ner');
    expect(r.explanation.scorer).toBe('head');
    expect(r.explanation.tokens.output).toBe(0); // nothing generated
    // a training sentence (the head fits it); the double space is normalized away, offsets still point into `text`
    expect(r.entities.map(({ entity_group, word, start, end }) => ({ entity_group, word, start, end }))).toEqual([
      { entity_group: 'PER', word: 'Tom', start: 0, end: 3 },
      { entity_group: 'LOC', word: 'Paris', start: 13, end: 18 },
    ]);
    for (const e of r.entities) {
      expect(['PER', 'ORG', 'LOC', 'MISC']).toContain(e.entity_group);
      expect(text.slice(e.start, e.end)).toBe(e.word);
      expect(e.score).toBeGreaterThan(0);
    }
  });

  it('refuses a head that does not apply with a ConfigError naming --head', async () => {
    const wrongKind = await runCli(['run', 'ner', '--model', storiesPath, '--threads', '1', '--head', softmaxHead, '--text', 'Tom went to Paris.', '--json']);
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.err).toMatch(/CONFIG: --head: task ner is a ner pack and needs a token \(BIO\) head; this head is a softmax head/);
    const tokenOnClassify = await runCli(['run', pack, '--model', storiesPath, '--threads', '1', '--head', tokenHead, '--text', 'a cat']);
    expect(tokenOnClassify.code).toBe(1);
    expect(tokenOnClassify.err).toMatch(/CONFIG: --head: task pets is a classify pack and needs a softmax or sigmoid head; this head is a token head/);
    const noHeadKind = await runCli(['run', 'summarize', '--model', storiesPath, '--threads', '1', '--head', softmaxHead, '--text', 'a cat']);
    expect(noHeadKind.code).toBe(1);
    expect(noHeadKind.err).toMatch(/CONFIG: --head: task summarize is a summarize pack; a head applies to classify, multilabel and ner packs only/);
  });
});

describe('onramp eval --head', () => {
  it('classify pack: the report comes from the head', async () => {
    const { out, err, code } = await runCli(['eval', '--task', pack, '--model', storiesPath, '--threads', '1', '--data', path.join(dir, 'dev.csv'), '--head', softmaxHead, '--no-progress', '--json']);
    expect(code ?? 0, err).toBe(0);
    const r = JSON.parse(out) as { predictor: string; examples: number; report: { accuracy: number; labels: { label: string; support: number }[] } };
    expect(r.predictor).toBe('head');
    expect(r.examples).toBe(2);
    expect(r.report.accuracy).toBeGreaterThanOrEqual(0);
    expect(r.report.labels.map((l) => l.label).sort()).toEqual(['cat', 'dog']);
  });

  it('ner pack: entity-level report from the token head', async () => {
    const { out, err, code } = await runCli(['eval', '--task', 'ner', '--model', storiesPath, '--threads', '1', '--data', path.join(dir, 'dev.conll'), '--head', tokenHead, '--no-progress', '--json']);
    expect(code ?? 0, err).toBe(0);
    const r = JSON.parse(out) as { predictor: string; examples: number; report: { microAvg: { f1: number } }; predictions: { gold: string[]; predicted: string[] }[] };
    expect(r.predictor).toBe('head');
    expect(r.examples).toBe(2);
    expect(r.report.microAvg.f1).toBeGreaterThanOrEqual(0);
    expect(r.predictions[0]!.predicted).toHaveLength(5);
    const human = await runCli(['eval', '--task', 'ner', '--model', storiesPath, '--threads', '1', '--data', path.join(dir, 'dev.conll'), '--head', tokenHead, '--no-progress']);
    expect(human.out).toMatch(/\(head scoring\)/);
  });

  it('ner pack with a softmax --head: ConfigError, not a silent prompt evaluation', async () => {
    const r = await runCli(['eval', '--task', 'ner', '--model', storiesPath, '--threads', '1', '--data', path.join(dir, 'dev.conll'), '--head', softmaxHead, '--no-progress', '--json']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/CONFIG: --head: task ner is a ner pack and needs a token \(BIO\) head/);
  });
});
