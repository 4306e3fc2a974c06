import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { nerHookFromTask } from '../../../src/apps/nerHook.js';
import { openScanScanner, scanJsonl } from '../../../src/cli/commands/scan.js';
import { ConfigError, InvalidArgumentError, OutputValidationError } from '../../../src/errors.js';
import { compilePolicy, maskAsync, parsePolicy, scan, scanAsync } from '../../../src/safety/index.js';
import { validatePack } from '../../../src/tasks/loadPack.js';
import { builtinTaskDir, resolvePackArg } from '../../../src/tasks/registry.js';
import { FakeEngine } from '../tasks/fakeEngine.js';

/** A fake model that "finds" every listed name present in the prompt's text part. */
const namesEngine = (names: Record<string, string>) =>
  new FakeEngine({
    respond: (p) => {
      const t = p.slice(p.lastIndexOf('Text: ') + 6);
      return JSON.stringify({ entities: Object.entries(names).filter(([w]) => t.includes(w)).map(([text, label]) => ({ text, label })) });
    },
  });

const policy = parsePolicy({ version: 1, name: 'names', rules: { 'ner-entities': {}, email: {} }, entities: { PERSON: { action: 'placeholder' }, LOCATION: { action: 'placeholder' }, ORGANIZATION: { action: 'redact' } } });

describe('nerHookFromTask: the NER task pack as the ner-entities hook', () => {
  const pack = resolvePackArg('ner', [builtinTaskDir()]);

  it('maps entity_group/start/end/score of the built-in ner pack to {label, start, end, score}', async () => {
    const text = 'Angela Merkel met Apple executives in Paris.';
    const engine = namesEngine({ 'Angela Merkel': 'PER', Apple: 'ORG', Paris: 'LOC', Berlin: 'LOC' });
    const ents = await nerHookFromTask(pack, engine)(text);
    expect(ents.map((e) => [e.label, text.slice(e.start, e.end)])).toEqual([['PER', 'Angela Merkel'], ['ORG', 'Apple'], ['LOC', 'Paris']]);
    for (const e of ents) {
      expect(e.score).toBeGreaterThan(0);
      expect(e.score).toBeLessThanOrEqual(1);
    }
    expect(await nerHookFromTask(pack, engine)('   ')).toEqual([]);
  });

  it('runs the task without its own safety stages (the model sees the raw text; no recursion into the policy)', async () => {
    const engine = namesEngine({ Alice: 'PER' });
    await nerHookFromTask(pack, engine)('Alice, call 13812345678');
    expect(engine.prompts.at(-1)).toContain('13812345678');
  });

  it('end to end through the safety layer: names are masked beside the pattern rules, offsets into the caller text', async () => {
    const engine = namesEngine({ 'Angela Merkel': 'PER', Apple: 'ORG', Paris: 'LOC' });
    const scanner = compilePolicy(policy, { ner: nerHookFromTask(pack, engine) });
    const text = 'Angela Merkel (merkel@example.com) met Apple in Paris.';
    const r = await maskAsync(text, scanner);
    expect(r.text).toBe('<PERSON_1> (<EMAIL_1>) met [REDACTED] in <LOCATION_1>.');
    const person = r.findings.find((f) => f.entity === 'PERSON')!;
    expect(text.slice(person.start, person.end)).toBe('Angela Merkel');
    expect(person.rule).toBe('ner-entities');
    expect(r.explanation.safety.map((e) => e.ruleId)).toContain('ner-entities');
    // the synchronous scan cannot run the async rule: only the pattern rules fire
    expect(scan(text, scanner).findings.map((f) => f.entity)).toEqual(['EMAIL']);
    expect((await scanAsync(text, scanner)).findings.map((f) => f.entity).sort()).toEqual(['EMAIL', 'LOCATION', 'ORGANIZATION', 'PERSON']);
  });

  it('a pack that is not ner is refused; unparsable model output fails the scan (never skips names silently)', async () => {
    const classify = validatePack({ id: 'c', version: '1.0.0', kind: 'classify', prompt: { template: '{{text}}' }, labels: ['a', 'b'] });
    expect(() => nerHookFromTask(classify, new FakeEngine())).toThrow(InvalidArgumentError);
    const bad = new FakeEngine({ respond: () => 'Paris is a LOC' });
    await expect(maskAsync('Paris', compilePolicy(policy, { ner: nerHookFromTask(pack, bad) }))).rejects.toBeInstanceOf(OutputValidationError);
  });
});

describe('onramp scan with ner-entities (openScanScanner, fake engine)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onramp-ner-scan-'));
  const file = join(dir, 'names.json');
  writeFileSync(file, JSON.stringify({ version: 1, name: 'names', rules: { 'ner-entities': {}, phone: {} } }));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a policy enabling ner-entities runs the ner pack on the opened model; --jsonl masks names', async () => {
    let opened = '';
    let disposed = 0;
    const engine = namesEngine({ Alice: 'PER' });
    const { scanner, close } = await openScanScanner({ policy: file, model: 'model.gguf' }, async (m) => {
      opened = m;
      return { engine, dispose: async () => void disposed++ };
    });
    expect(opened).toBe('model.gguf');
    const out = new PassThrough();
    let s = '';
    out.on('data', (c) => (s += String(c)));
    const errors = await scanJsonl(Readable.from(['{"text":"Alice: 13812345678"}\n']), out, scanner);
    expect(errors).toBe(0);
    const line = JSON.parse(s.trim()) as { masked: string; findings: Array<{ entity: string; rule: string; start: number; end: number }> };
    expect(line.masked).toBe('<PERSON_1>: <PHONE_1>');
    expect(line.findings.find((f) => f.rule === 'ner-entities')).toMatchObject({ entity: 'PERSON', start: 0, end: 5 });
    await close();
    expect(disposed).toBe(1);
  });

  it('without --model: a ConfigError naming the rule, before any model is opened', async () => {
    let opened = false;
    const e = await openScanScanner({ policy: file }, async () => ((opened = true), { engine: new FakeEngine(), dispose: async () => {} })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).field).toBe('rules.ner-entities');
    expect((e as Error).message).toMatch(/--model/);
    expect(opened).toBe(false);
  });

  it('--ner-task naming a non-ner pack, or NER flags without the rule, are InvalidArgumentErrors', async () => {
    const open = async () => ({ engine: new FakeEngine(), dispose: async () => {} });
    await expect(openScanScanner({ policy: file, model: 'm.gguf', nerTask: 'sentiment-en' }, open)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', param: '--ner-task' });
    await expect(openScanScanner({ model: 'm.gguf' }, open)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', param: '--model' });
    const plain = await openScanScanner({});
    expect(plain.scanner.asyncRules).toHaveLength(0);
  });
});
