import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FakeEngine } from './fakeEngine.js';
import { validatePack } from '../../../src/tasks/loadPack.js';
import { runTask } from '../../../src/tasks/runTask.js';
import { fitTemperature, softmax } from '../../../src/tasks/scoring.js';
import { limitWords } from '../../../src/tasks/adapters/summarize.js';
import { OutputValidationError } from '../../../src/errors.js';
import type { ClassifyResult, ExtractResult, GenerateTaskResult, MultilabelResult, NerResult } from '../../../src/tasks/types.js';
import type { HeadPrediction } from '../../../src/tasks/heads/HeadRunner.js';

const sentiment = validatePack({
  id: 'sent', version: '1.2.3', kind: 'classify', prompt: { template: 'Review: {{text}}\nSentiment:' },
  labels: [{ name: 'negative', verbalizers: [' negative', ' bad'] }, 'positive', 'neutral'],
});

describe('classify', () => {
  it('gives every label a probability, sorted, summing to 1, with margin and explanation', async () => {
    const engine = new FakeEngine();
    const r = (await runTask(sentiment, 'I feel positive about this', { engine })) as ClassifyResult;
    expect(r.kind).toBe('classify');
    expect(r.label).toBe('positive');
    expect(r.labels.map((l) => l.label).sort()).toEqual(['negative', 'neutral', 'positive']);
    expect(r.labels.reduce((a, l) => a + l.score, 0)).toBeCloseTo(1, 12);
    expect(r.margin).toBeCloseTo(r.labels[0]!.score - r.labels[1]!.score, 12);
    expect(r.explanation.pack).toEqual({ id: 'sent', version: '1.2.3', kind: 'classify' });
    expect(Object.keys(r.explanation.labelProbabilities!)).toEqual(['negative', 'positive', 'neutral']);
    expect(r.explanation.tokens.input).toBeGreaterThan(0);
    expect(r.explanation.tokens.prompt).toBeGreaterThan(0);
    expect(r.explanation.timings.totalMs).toBeGreaterThanOrEqual(0);
    expect(engine.calls.score).toBe(1); // one pass: prefix once, all verbalizers together
  });

  it('probabilities equal independent scoring of each verbalizer (total and length-normalized)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.constantFrom('total', 'length'), async (text, normalization) => {
        const engine = new FakeEngine();
        const pack = validatePack({ ...sentiment, labels: [{ name: 'negative', verbalizers: [' negative', ' bad'] }, 'positive', 'neutral'], scoring: { normalization }, input: { normalize: [] } });
        const r = (await runTask(pack, text, { engine })) as ClassifyResult;
        const prefix = `Review: ${text}\nSentiment:`;
        const alone = (v: string) => {
          const lps = engine.candidateLogprobs(prefix, v);
          const s = lps.reduce((a, b) => a + b, 0);
          return normalization === 'length' ? s / lps.length : s;
        };
        const lse = (xs: number[]) => Math.log(xs.reduce((a, x) => a + Math.exp(x), 0));
        const expected = softmax([lse([alone(' negative'), alone(' bad')]), alone(' positive'), alone(' neutral')]);
        pack.labels.forEach((l, i) => expect(r.explanation.labelProbabilities![l.name]).toBeCloseTo(expected[i]!, 10));
        expect(Object.values(r.explanation.labelProbabilities!).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      }),
      { numRuns: 40 },
    );
  });

  it('abstains below the threshold and applies temperature', async () => {
    const engine = new FakeEngine();
    const pack = validatePack({ ...sentiment, labels: ['negative', 'positive', 'neutral'], thresholds: { abstain: 0.99 } });
    const r = (await runTask(pack, 'positive', { engine })) as ClassifyResult;
    expect(r.abstained).toBe(true);
    expect(r.label).toBe('unknown');
    const hot = (await runTask(pack, 'positive', { engine, temperature: 100 })) as ClassifyResult;
    expect(hot.labels[0]!.score - hot.labels[2]!.score).toBeLessThan(r.labels[0]!.score - r.labels[2]!.score);
    expect(hot.explanation.temperature).toBe(100);
  });

  it('chunks long inputs and aggregates', async () => {
    const engine = new FakeEngine();
    const pack = validatePack({ ...sentiment, labels: ['negative', 'positive'], input: { maxTokens: 8, chunking: { overlapTokens: 2, aggregate: 'mean' } } });
    const r = (await runTask(pack, 'word '.repeat(30) + 'positive', { engine })) as ClassifyResult;
    expect(r.explanation.tokens.chunks).toBeGreaterThan(3);
    expect(engine.calls.score).toBe(r.explanation.tokens.chunks);
    expect(r.labels.reduce((a, l) => a + l.score, 0)).toBeCloseTo(1, 12);
  });

  it('uses a head instead of prompt scoring when given one', async () => {
    const engine = new FakeEngine();
    const head = {
      async predict(texts: string[]): Promise<HeadPrediction[]> {
        return texts.map(() => ({ kind: 'softmax', label: 'neutral', score: 0.7, scores: [{ label: 'neutral', score: 0.7 }, { label: 'positive', score: 0.2 }, { label: 'negative', score: 0.1 }] }));
      },
    };
    const r = (await runTask(sentiment, 'x', { engine, head })) as ClassifyResult;
    expect(r.label).toBe('neutral');
    expect(r.explanation.scorer).toBe('head');
    expect(engine.calls.score).toBe(0);
  });

  it('fits a temperature that lowers dev NLL', () => {
    const logits = [[3, 0], [2.5, 0], [0, 3], [3, 0], [0, 2]];
    const gold = [0, 1, 1, 0, 1]; // one confident mistake: calibration should soften (T > 1)
    const T = fitTemperature(logits, gold);
    expect(T).toBeGreaterThan(1);
    const nll = (t: number) => -logits.reduce((a, l, i) => a + Math.log(softmax(l, t)[gold[i]!]!), 0);
    expect(nll(T)).toBeLessThan(nll(1));
    expect(nll(T)).toBeLessThanOrEqual(nll(T * 1.1) + 1e-9);
  });
});

describe('multilabel', () => {
  it('scores yes/no per label with per-label thresholds', async () => {
    const engine = new FakeEngine();
    const pack = validatePack({
      id: 'topics', version: '1.0.0', kind: 'multilabel', prompt: { template: 'Text: {{text}}\nAbout {{label}}? Answer:' },
      labels: [{ name: 'food', threshold: 0.5 }, { name: 'price', threshold: 0.99 }, 'service'],
      scoring: { yes: ' yes', no: ' no' },
    });
    const r = (await runTask(pack, 'yes', { engine })) as MultilabelResult;
    expect(r.scores).toHaveLength(3);
    expect(r.scores.find((s) => s.label === 'price')!.threshold).toBe(0.99);
    for (const s of r.scores) expect(r.labels.includes(s.label)).toBe(s.score >= s.threshold);
    expect(engine.calls.score).toBe(3);
    expect(engine.prompts.some((p) => p.includes('About price?'))).toBe(true);
  });
});

describe('extract', () => {
  const pack = validatePack({
    id: 'booking', version: '1.0.0', kind: 'extract', prompt: { template: 'Msg: {{text}}\nJSON:' },
    output: { schema: { type: 'object', properties: { people: { type: 'integer', minimum: 1 }, name: { type: ['string', 'null'] } }, required: ['people', 'name'], additionalProperties: false } },
  });
  it('parses and validates, passing the schema to the engine', async () => {
    let seen: unknown;
    const engine = new FakeEngine({ respond: (_, o) => ((seen = o.jsonSchema), '{"people": 4, "name": "Smith"}') });
    const r = (await runTask(pack, 'table for 4, Smith', { engine })) as ExtractResult;
    expect(r.data).toEqual({ people: 4, name: 'Smith' });
    expect(seen).toEqual(pack.output.schema);
    expect(r.explanation.raw).toBe('{"people": 4, "name": "Smith"}');
    expect(r.explanation.tokens.output).toBeGreaterThan(0);
  });
  it.each([
    ['{"people": 0, "name": null}', /people/],
    ['{"people": 2', /not JSON/],
  ])('throws OutputValidationError holding the raw output (%s)', async (raw, msg) => {
    const engine = new FakeEngine({ respond: () => raw });
    const err = await runTask(pack, 'x', { engine }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputValidationError);
    const e = err as OutputValidationError;
    expect(e.raw).toBe(raw);
    expect(e.message).toMatch(msg);
    expect((e.details!['explanation'] as { raw: string }).raw).toBe(raw);
  });
});

describe('ner', () => {
  const pack = validatePack({
    id: 'ner', version: '1.0.0', kind: 'ner', prompt: { template: 'Text: {{text}}\nEntities:' }, labels: ['PER', 'LOC', 'ORG'],
    input: { normalize: ['html', 'invisible', 'nfkc', 'whitespace'] },
  });
  it('returns entities with offsets into the original text', async () => {
    const original = '<b>Ｊｏｈｎ</b>  Smith\u200B visited  Paris and paris.';
    const engine = new FakeEngine({
      respond: () => JSON.stringify({ entities: [{ text: 'John Smith', label: 'PER' }, { text: 'Paris', label: 'LOC' }, { text: 'paris', label: 'LOC' }, { text: 'Berlin', label: 'LOC' }, { text: 'Par', label: 'LOC' }] }),
    });
    const r = (await runTask(pack, original, { engine })) as NerResult;
    expect(r.entities.map((e) => [e.entity_group, e.word])).toEqual([
      ['PER', 'Ｊｏｈｎ</b>  Smith'],
      ['LOC', 'Paris'],
      ['LOC', 'paris'],
    ]);
    for (const e of r.entities) {
      expect(original.slice(e.start, e.end)).toBe(e.word);
      expect(e.score).toBeGreaterThan(0);
      expect(e.score).toBeLessThanOrEqual(1);
    }
    expect(r.explanation.droppedEntities!.map((d) => d.text)).toEqual(['Berlin', 'Par']);
  });

  it('property: every returned entity slices to its word, for any model output', async () => {
    const word = fc.oneof(fc.constantFrom('Paris', 'ﬁle', '１２３', 'café', 'cafe\u0301', '東京', '😀', 'a  b', 'Ｊｏｈｎ'), fc.string({ maxLength: 6 }));
    await fc.assert(
      fc.asyncProperty(fc.array(word, { maxLength: 8 }), fc.array(word, { maxLength: 6 }), async (words, outs) => {
        const text = words.join(' ');
        const engine = new FakeEngine({ respond: () => JSON.stringify({ entities: outs.map((t) => ({ text: t, label: 'LOC' })) }) });
        const r = (await runTask(pack, text, { engine })) as NerResult;
        for (const e of r.entities) {
          expect(text.slice(e.start, e.end)).toBe(e.word);
          expect(e.word.length).toBeGreaterThan(0);
        }
        // no two entities overlap
        r.entities.forEach((e, i) => i > 0 && expect(e.start).toBeGreaterThanOrEqual(r.entities[i - 1]!.end));
      }),
      { numRuns: 150 },
    );
  });

  it('chunks long documents and merges entities found twice in overlaps', async () => {
    const chunked = validatePack({ ...pack, labels: ['PER', 'LOC', 'ORG'], input: { maxTokens: 12, chunking: { overlapTokens: 4 } } });
    const text = 'Paris ' + 'and more words here '.repeat(6) + 'near Berlin today';
    const engine = new FakeEngine({
      respond: (p) => {
        const t = p.slice(p.indexOf('Text: ') + 6);
        return JSON.stringify({ entities: ['Paris', 'Berlin', 'words'].filter((w) => t.includes(w)).map((w) => ({ text: w, label: 'LOC' })) });
      },
    });
    const r = (await runTask(chunked, text, { engine })) as NerResult;
    expect(r.explanation.tokens.chunks).toBeGreaterThan(2);
    expect(engine.calls.generate).toBe(r.explanation.tokens.chunks);
    for (const e of r.entities) expect(text.slice(e.start, e.end)).toBe(e.word);
    const keys = r.entities.map((e) => `${e.start}:${e.end}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(r.entities[0]!.word).toBe('Paris');
    expect(r.entities.at(-1)!.word).toBe('Berlin');
  });

  it('output that is not the entity JSON is a typed error with the raw output', async () => {
    const engine = new FakeEngine({ respond: () => 'Paris is a LOC' });
    const e = (await runTask(pack, 'Paris', { engine }).catch((x: unknown) => x)) as OutputValidationError;
    expect(e).toBeInstanceOf(OutputValidationError);
    expect(e.raw).toBe('Paris is a LOC');
  });
});

describe('generate and summarize', () => {
  it('summarize controls length', async () => {
    let max = 0;
    const engine = new FakeEngine({ respond: (p, o) => ((max = o.maxTokens ?? 0), 'One two. Three four five. Six seven eight nine ten.') });
    const pack = validatePack({ id: 's', version: '1.0.0', kind: 'summarize', prompt: { template: '{{text}}\nSummary ({{maxWords}} words):' }, output: { maxWords: 6 } });
    const r = (await runTask(pack, 'long text', { engine })) as GenerateTaskResult;
    expect(r.text).toBe('One two. Three four five.');
    expect(max).toBeLessThanOrEqual(6 * 2 + 16);
    expect(engine.prompts[0]).toContain('(6 words)');
    const r2 = (await runTask(pack, { text: 'long text', fields: { maxWords: '2' } }, { engine })) as GenerateTaskResult;
    expect(r2.text).toBe('One two.');
    expect(limitWords('a b c', 5)).toBe('a b c');
  });
  it('generate uses chat messages when given', async () => {
    const engine = new FakeEngine({ respond: (p) => (p.includes('<|user|>hi') ? ' hello ' : 'raw') });
    const pack = validatePack({ id: 'g', version: '1.0.0', kind: 'generate', prompt: { template: '{{text}}', system: 'Be brief.' } });
    const r = (await runTask(pack, { text: '', messages: [{ role: 'user', content: 'hi' }] }, { engine })) as GenerateTaskResult;
    expect(r.text).toBe('hello');
    expect(engine.prompts[0]).toContain('<|system|>Be brief.');
    expect(((await runTask(pack, 'x', { engine })) as GenerateTaskResult).text).toBe('raw');
  });
});
