/**
 * A ner pack's own output.schema: it is what the engine generates under (label enum filled in), entity items
 * that break it are dropped and listed, other mismatches are typed errors, and bad schemas fail pack validation.
 */
import { describe, expect, it } from 'vitest';
import { FakeEngine } from './fakeEngine.js';
import { validatePack } from '../../../src/tasks/loadPack.js';
import { runTask } from '../../../src/tasks/runTask.js';
import { ConfigError, OutputValidationError } from '../../../src/errors.js';
import type { NerResult } from '../../../src/tasks/types.js';

const item = (extra: Record<string, unknown> = {}) => ({
  type: 'object',
  properties: { text: { type: 'string', minLength: 1, maxLength: 8 }, label: { type: 'string' }, ...extra },
  required: ['text', 'label'],
  additionalProperties: false,
});
const schema = (items: unknown = item(), top: Record<string, unknown> = {}) => ({
  type: 'object',
  properties: { entities: { type: 'array', items }, ...top },
  required: ['entities', ...Object.keys(top)],
  additionalProperties: false,
});
const packWith = (s: unknown, labels: string[] = ['PER', 'LOC']) =>
  validatePack({ id: 'n', version: '1.0.0', kind: 'ner', prompt: { template: 'Text: {{text}}\nEntities:' }, labels, output: { schema: s } });

describe('ner output.schema', () => {
  it('generates under the pack schema with the label enum defaulting to the pack labels', async () => {
    let seen: Record<string, unknown> | undefined;
    const engine = new FakeEngine({ respond: (_, o) => ((seen = o.jsonSchema), '{"entities":[{"text":"Paris","label":"LOC"}]}') });
    const pack = packWith(schema());
    const r = (await runTask(pack, 'Bob saw Paris', { engine })) as NerResult;
    expect(r.entities.map((e) => [e.entity_group, e.word])).toEqual([['LOC', 'Paris']]);
    const items = ((seen!['properties'] as Record<string, { items: { properties: Record<string, { enum?: string[]; maxLength?: number }> } }>)['entities']!).items;
    expect(items.properties['label']!.enum).toEqual(['PER', 'LOC']);
    expect(items.properties['text']!.maxLength).toBe(8);
    expect(pack.output.schema).toEqual(schema()); // the pack itself is not modified
  });

  it('drops entity items that break the item schema and lists why', async () => {
    const engine = new FakeEngine({
      respond: () => JSON.stringify({ entities: [{ text: 'Bob', label: 'PER' }, { text: 'New York City', label: 'LOC' }, { text: 'Paris', label: 'LOC', note: 1 }, { text: 'Paris', label: 'LOC' }] }),
    });
    const r = (await runTask(packWith(schema()), 'Bob went from New York City to Paris', { engine })) as NerResult;
    expect(r.entities.map((e) => e.word)).toEqual(['Bob', 'Paris']);
    const dropped = r.explanation.droppedEntities!.filter((d) => d.reason.startsWith('does not match output.schema'));
    expect(dropped.map((d) => d.text)).toEqual(['New York City', 'Paris']);
    expect(dropped[0]!.reason).toMatch(/text: /);
  });

  it('a document-level mismatch is an OutputValidationError holding the raw output', async () => {
    const raw = '{"entities":[{"text":"Bob","label":"PER"}]}';
    const engine = new FakeEngine({ respond: () => raw });
    const e = (await runTask(packWith(schema(item(), { language: { type: 'string' } })), 'Bob', { engine }).catch((x: unknown) => x)) as OutputValidationError;
    expect(e).toBeInstanceOf(OutputValidationError);
    expect(e.message).toMatch(/output\.schema: language/);
    expect(e.raw).toBe(raw);
  });

  it('an explicit label enum is kept (a subset of the labels narrows the output)', async () => {
    const engine = new FakeEngine({ respond: () => '{"entities":[{"text":"Bob","label":"PER"},{"text":"Paris","label":"LOC"}]}' });
    const s = schema(item({ label: { type: 'string', enum: ['LOC'] } }));
    const r = (await runTask(packWith(s), 'Bob saw Paris', { engine })) as NerResult;
    expect(r.entities.map((e) => e.word)).toEqual(['Paris']);
  });

  it.each([
    [{ type: 'object', properties: { spans: { type: 'array' } } }, 'output.schema.properties.entities'],
    [{ type: 'object', properties: { entities: { type: 'object' } } }, 'output.schema.properties.entities'],
    [schema({ type: 'object', properties: { text: { type: 'string' } } }), 'output.schema.properties.entities.items.properties.label'],
    [schema({ type: 'object', properties: { text: { type: 'integer' }, label: { type: 'string' } } }), 'output.schema.properties.entities.items.properties.text.type'],
    [schema(item({ label: { type: 'string', enum: ['PER', 'GPE'] } })), 'output.schema.properties.entities.items.properties.label'],
  ])('pack validation names the field of an unusable schema (%#)', (s, field) => {
    const err = (() => {
      try {
        packWith(s);
      } catch (e) {
        return e;
      }
      return undefined;
    })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.field).toBe(field);
  });
});
