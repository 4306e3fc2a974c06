import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validatePack, loadPackFile } from '../../../src/tasks/loadPack.js';
import { TaskRegistry, builtinTaskDir, resolvePackArg } from '../../../src/tasks/registry.js';
import { ConfigError } from '../../../src/errors.js';

const base = { id: 'demo', version: '1.0.0', kind: 'classify', prompt: { template: '{{text}} ->' }, labels: ['a', 'b'] };

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('pack validation', () => {
  it('fills defaults and resolves labels', () => {
    const p = validatePack(base);
    expect(p.labels).toEqual([
      { name: 'a', description: '', verbalizers: [' a'] },
      { name: 'b', description: '', verbalizers: [' b'] },
    ]);
    expect(p.input).toMatchObject({ maxTokens: 512, truncation: 'head', normalize: ['invisible', 'nfkc', 'whitespace'] });
    expect(p.scoring).toMatchObject({ normalization: 'total', temperature: 1 });
    expect(Object.isFrozen(p) && Object.isFrozen(p.labels[0])).toBe(true);
  });
  it.each([
    [{ ...base, version: 'v1' }, 'version'],
    [{ ...base, kind: 'translate' }, 'kind'],
    [{ ...base, prompt: { template: '' } }, 'prompt.template'],
    [{ ...base, prompt: { template: 'x', chatTemplat: true } }, 'prompt'],
    [{ ...base, input: { truncation: 'start' } }, 'input.truncation'],
    [{ ...base, input: { normalize: ['nfkc', 'lowercase'] } }, 'input.normalize[1]'],
    [{ ...base, labels: ['only'] }, 'labels'],
    [{ ...base, labels: undefined }, 'labels'],
    [{ ...base, kind: 'extract', labels: undefined }, 'output.schema'],
    [{ ...base, thresholds: { abstain: 2 } }, 'thresholds.abstain'],
    [{ ...base, labels: [{ name: 'a', verbalizers: [] }, 'b'] }, 'labels[0].verbalizers'],
    [{ ...base, labels: ['a', 'a'] }, 'labels[1]'],
    [{ ...base, input: { chunking: { overlapTokens: 600 } } }, 'input.chunking.overlapTokens'],
    [{ ...base, kind: 'extract', labels: undefined, output: { schema: { type: 'object' } }, input: { chunking: {} } }, 'input.chunking'],
    [{ ...base, kind: 'summarize', labels: undefined, input: { chunking: { maxTokens: 64 } } }, 'input.chunking'],
    [{ ...base, kind: 'generate', labels: undefined, input: { chunking: { enabled: true } } }, 'input.chunking'],
  ])('names the offending field (%#)', (doc, field) => {
    const e = configError(() => validatePack(doc, { file: '/x/pack.yaml' }));
    expect(e.field).toBe(field);
    expect(e.file).toBe('/x/pack.yaml');
    expect(e.message).toContain(field);
    expect(e.code).toBe('CONFIG');
  });
  it('allows chunking where chunk results aggregate, and a disabled chunking block for one-answer kinds', () => {
    expect(validatePack({ ...base, input: { chunking: {} } }).input.chunking).toMatchObject({ enabled: true });
    expect(validatePack({ ...base, kind: 'ner', input: { chunking: {} } }).input.chunking).toMatchObject({ enabled: true });
    expect(validatePack({ ...base, kind: 'multilabel', input: { chunking: {} } }).input.chunking).toMatchObject({ enabled: true });
    const off = validatePack({ ...base, kind: 'summarize', labels: undefined, input: { chunking: { enabled: false } } });
    expect(off.input.chunking?.enabled).toBe(false);
    const e = configError(() => validatePack({ ...base, kind: 'summarize', labels: undefined, input: { chunking: {} } }, { file: '/x/s.yaml' }));
    expect(e.message).toMatch(/chunking is not supported for summarize/);
  });
  it('loads every built-in pack', () => {
    const reg = TaskRegistry.load(builtinTaskDir());
    expect(reg.errors()).toEqual([]);
    expect(reg.list().map((p) => p.id)).toEqual(['extract-booking', 'intent-banking77', 'ner', 'ner-social', 'sentiment-en', 'sentiment-zh', 'summarize']);
    const intent = reg.get('intent-banking77');
    expect(intent.labels).toHaveLength(77);
    expect(intent.labels[0]).toEqual({ name: 'card_arrival', description: '', verbalizers: [' card arrival'] });
    expect(resolvePackArg('sentiment-en', [builtinTaskDir()]).id).toBe('sentiment-en');
    expect(() => reg.get('nope')).toThrow(/task not found: nope/);
  });
});

describe('registry', () => {
  let dir = '';
  let reg: TaskRegistry | undefined;
  afterEach(() => {
    reg?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const write = (f: string, s: string) => {
    writeFileSync(join(dir, `${f}.tmp`), s);
    renameSync(join(dir, `${f}.tmp`), join(dir, f)); // atomic replace, like editors and deploys do
  };

  it('reports bad files with file and field, and loads labels from a file', () => {
    dir = mkdtempSync(join(tmpdir(), 'onramp-packs-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'labels.txt'), '# intents\nbook_flight\ncancel\n');
    write('intent.yaml', 'id: intent\nversion: 1.0.0\nkind: classify\nprompt: { template: "{{text}}" }\nlabels: { file: data/labels.txt }\n');
    write('bad.json', JSON.stringify({ ...base, id: 'bad', scoring: { normalization: 'avg' } }));
    write('broken.yaml', 'id: [unclosed\n');
    reg = TaskRegistry.load(dir);
    expect(reg.get('intent').labels.map((l) => l.verbalizers[0])).toEqual([' book flight', ' cancel']);
    const errs = reg.errors();
    expect(errs).toHaveLength(2);
    expect(errs[0]!.file).toBe(join(dir, 'bad.json'));
    expect(errs[0]!.field).toBe('scoring.normalization');
    expect(errs[1]!.file).toBe(join(dir, 'broken.yaml'));
    expect(() => loadPackFile(join(dir, 'missing.yaml'))).toThrow(ConfigError);
  });

  it('reloads on change, keeps packs held by in-flight requests, keeps the last good version', async () => {
    dir = mkdtempSync(join(tmpdir(), 'onramp-packs-'));
    write('p.json', JSON.stringify(base));
    let reloads = 0;
    reg = TaskRegistry.load(dir, { watch: true, debounceMs: 30, onReload: () => reloads++ });
    const held = reg.get('demo');
    write('p.json', JSON.stringify({ ...base, version: '1.1.0' }));
    await expect.poll(() => reg!.get('demo').version, { timeout: 5000, interval: 20 }).toBe('1.1.0');
    expect(held.version).toBe('1.0.0'); // the in-flight request still has its pack
    write('p.json', '{"id": "demo", "version": 3}');
    await expect.poll(() => reg!.errors().length, { timeout: 5000, interval: 20 }).toBe(1);
    expect(reg.get('demo').version).toBe('1.1.0');
    expect(reg.errors()[0]!.field).toBe('version');
    write('q.yaml', 'id: second\nversion: 0.1.0\nkind: generate\nprompt: { template: "{{text}}" }\n');
    await expect.poll(() => reg!.has('second'), { timeout: 5000, interval: 20 }).toBe(true);
    expect(reloads).toBeGreaterThanOrEqual(3);
  });
});
