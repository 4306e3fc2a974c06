import { describe, expect, it } from 'vitest';
import { FakeEngine } from './fakeEngine.js';
import { ConfigError } from '../../../src/errors.js';
import { validatePack } from '../../../src/tasks/loadPack.js';
import { runTask } from '../../../src/tasks/runTask.js';
import type { HeadPrediction } from '../../../src/tasks/heads/HeadRunner.js';
import type { MultilabelResult } from '../../../src/tasks/types.js';

const topics = validatePack({
  id: 'topics', version: '1.0.0', kind: 'multilabel', prompt: { template: 'Text: {{text}}\nAbout {{label}}? Answer:' },
  labels: ['price', 'service', 'food'], thresholds: { multilabel: 0.5 },
});

/** A sigmoid head over `labels` that records what it was asked. */
function fakeHead(labels: Record<string, number>) {
  const calls: { texts: string[]; explain: boolean | number | undefined }[] = [];
  return {
    calls,
    async predict(texts: string[], opts: { explain?: boolean | number } = {}): Promise<HeadPrediction[]> {
      calls.push({ texts, explain: opts.explain });
      return texts.map((t) => {
        const scores = Object.entries(labels).map(([label, score]) => ({ label, score })).sort((a, b) => b.score - a.score);
        const p: HeadPrediction = { kind: 'sigmoid', labels: scores.filter((s) => s.score >= 0.5).map((s) => s.label), scores };
        if (opts.explain) {
          const start = t.indexOf('rude');
          p.explanation = { method: 'occlusion-word', target: scores[0]!.label, baseline: scores[0]!.score, words: [{ text: 'rude', start, end: start + 4, importance: 0.4 }], truncated: false };
        }
        return p;
      });
    },
  };
}

describe('multilabel with a head', () => {
  it('takes every label probability from the head, passes explain and maps important words to the input', async () => {
    const engine = new FakeEngine();
    const head = fakeHead({ service: 0.9, price: 0.6, food: 0.1, extra: 0.7 });
    const text = 'Staff  were rude and it cost too much';
    const r = (await runTask(topics, text, { engine, head, explain: 3 })) as MultilabelResult;
    expect(r.explanation.scorer).toBe('head');
    expect(r.labels).toEqual(['service', 'price']);
    expect(r.scores.map((s) => [s.label, s.score])).toEqual([['service', 0.9], ['price', 0.6], ['food', 0.1]]);
    expect(r.explanation.labelProbabilities).toEqual({ price: 0.6, service: 0.9, food: 0.1 });
    expect(head.calls).toHaveLength(1);
    expect(head.calls[0]!.explain).toBe(3);
    expect(engine.calls.score).toBe(0);
    const w = r.explanation.importantWords;
    expect(w).toHaveLength(1);
    expect(text.slice(w![0]!.start, w![0]!.end)).toBe('rude');
  });

  it('does not ask for an explanation unless the caller does', async () => {
    const head = fakeHead({ service: 0.9, price: 0.6, food: 0.1 });
    const r = (await runTask(topics, 'rude staff', { engine: new FakeEngine(), head })) as MultilabelResult;
    expect(head.calls[0]!.explain).toBeUndefined();
    expect(r.explanation.importantWords).toBeUndefined();
  });

  it('a pack label the head lacks is a ConfigError naming the head (not a silent 0)', async () => {
    const head = fakeHead({ service: 0.9, price: 0.6 });
    const e = await runTask(topics, 'rude staff', { engine: new FakeEngine(), head }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).toMatch(/head has no label 'food'/);
    expect((e as ConfigError).details).toMatchObject({ field: 'head' });
  });
});
