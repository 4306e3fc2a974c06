import { describe, expect, it } from 'vitest';
import { FakeEngine } from './fakeEngine.js';
import { ConfigError } from '../../../src/errors.js';
import { validatePack } from '../../../src/tasks/loadPack.js';
import { runTask } from '../../../src/tasks/runTask.js';
import { assertHeadFits } from '../../../src/tasks/head.js';
import type { HeadPrediction } from '../../../src/tasks/heads/HeadRunner.js';
import type { HeadRunnerLike, NerResult } from '../../../src/tasks/types.js';

const nerPack = validatePack({
  id: 'people', version: '1.0.0', kind: 'ner', prompt: { template: 'Text: {{text}}\nEntities:' }, labels: ['PER', 'LOC'],
});

/** A token head that tags every capitalised word of each text it is given: PER, or `other` for "Acme". */
function tokenHead(labels = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC', 'B-ORG', 'I-ORG']): HeadRunnerLike & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    head: { kind: 'token', labels },
    async predict(texts: string[]): Promise<HeadPrediction[]> {
      seen.push(...texts);
      return texts.map((t) => ({
        kind: 'token',
        entities: [...t.matchAll(/\p{Lu}\p{L}+/gu)].map((m) => ({ entity_group: m[0] === 'Acme' ? 'ORG' : 'PER', score: 0.9, word: m[0], start: m.index, end: m.index + m[0].length })),
      }));
    },
  };
}

describe('ner with a token head', () => {
  it('tags through the head: offsets into the original text, types outside the pack dropped, no generation', async () => {
    const engine = new FakeEngine();
    const head = tokenHead();
    const text = '\u200BAnna  met Bob at Acme';
    const r = (await runTask(nerPack, text, { engine, head, safety: false })) as NerResult;
    expect(r.explanation.scorer).toBe('head');
    expect(head.seen).toEqual(['Anna met Bob at Acme']); // normalized: invisible char and double space gone
    expect(r.entities.map((e) => [e.entity_group, e.word, text.slice(e.start, e.end)])).toEqual([['PER', 'Anna', 'Anna'], ['PER', 'Bob', 'Bob']]);
    expect(r.explanation.droppedEntities).toEqual([{ text: 'Acme', label: 'ORG', reason: 'label not in the pack' }]);
    expect(engine.calls.generate).toBe(0);
  });

  it("uses the pack's own head file", async () => {
    const engine = new FakeEngine();
    const head = tokenHead();
    const withHead = { ...nerPack, head: '/packs/people-head.json' };
    const opened: string[] = [];
    const r = (await runTask(withHead, 'Anna', { engine, safety: false, loadHead: async (_e, f) => (opened.push(f), head) })) as NerResult;
    expect(opened).toEqual(['/packs/people-head.json']);
    expect(r.entities.map((e) => e.word)).toEqual(['Anna']);
  });

  it('a head that does not fit is a ConfigError naming the field', async () => {
    const engine = new FakeEngine();
    const noLoc = tokenHead(['O', 'B-PER', 'I-PER']);
    await expect(runTask(nerPack, 'Anna', { engine, head: noLoc, safety: false })).rejects.toThrow(/head: the token head has no entity type 'LOC' \(it tags PER\)/);
    const softmax: HeadRunnerLike = { head: { kind: 'softmax', labels: ['PER', 'LOC'] }, predict: async () => [] };
    const e = await runTask(nerPack, 'Anna', { engine, head: softmax, safety: false }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).field).toBe('head');
    expect(() => assertHeadFits(nerPack, softmax, '--head')).toThrow(/--head: task people is a ner pack and needs a token \(BIO\) head; this head is a softmax head/);
    const extract = validatePack({ id: 'x', version: '1.0.0', kind: 'extract', prompt: { template: '{{text}}' }, output: { schema: { type: 'object', properties: { a: { type: 'string' } } } } });
    expect(() => assertHeadFits(extract, softmax, '--head')).toThrow(/a head applies to classify, multilabel and ner packs only/);
  });
});

describe('pack head field', () => {
  it('is refused on a pack kind no head applies to', () => {
    expect(() => validatePack({ id: 's', version: '1.0.0', kind: 'summarize', prompt: { template: '{{text}}' }, head: 'h.json' }, { file: '/p/s.yaml' })).toThrow(
      /\/p\/s\.yaml: head: a summarize pack cannot use a head/,
    );
    expect(validatePack({ ...nerPack, labels: ['PER'], head: 'h.json' }, { baseDir: '/p' }).head).toBe('/p/h.json');
  });
});
