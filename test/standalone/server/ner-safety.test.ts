import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../../src/config/index.js';
import { ConfigError, InvalidArgumentError } from '../../../src/errors.js';
import { createApp } from '../../../src/server/app.js';
import { loadOptionalLayers } from '../../../src/server/layers.js';
import { FakeEngine } from '../tasks/fakeEngine.js';

/** `onramp serve --policy` with a policy enabling ner-entities: the NER task pack is the rule's hook. */
const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const dir = mkdtempSync(join(tmpdir(), 'onramp-ner-serve-'));
const policyFile = join(dir, 'names.yaml');
writeFileSync(policyFile, ['version: 1', 'name: names', 'rules:', '  ner-entities: {}', '  phone: {}', '  email: {}', 'entities:', '  ORGANIZATION: { action: redact }', ''].join('\n'));
const tasksDir = join(dir, 'tasks');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Scripted model: names for NER prompts, `{}` otherwise; scoring as in the task tests. */
const engine = () =>
  new FakeEngine({
    respond: (p) => {
      if (!p.includes('Entities')) return '{}';
      const t = p.slice(p.lastIndexOf('Text: ') + 6);
      return JSON.stringify({ entities: [['Alice Chen', 'PER'], ['Acme Bank', 'ORG'], ['Shanghai', 'LOC']].filter(([w]) => t.includes(w!)).map(([text, label]) => ({ text, label })) });
    },
  });

describe('serve --policy with ner-entities', () => {
  it('/v1/safety/scan and /mask run the built-in ner pack on the served engine; offsets into the caller text', async () => {
    const eng = engine();
    const layers = loadOptionalLayers({ policy: policyFile }, { engine: eng });
    const app = createApp({ ...layers, engine: eng });
    const text = 'Alice Chen of Acme Bank (13812345678) lives in Shanghai.';
    const res = await app.request('/v1/safety/mask', json({ text }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { text: string; findings: Array<{ ruleId: string; entity: string; start: number; end: number }> };
    expect(body.text).toBe('<PERSON_1> of [REDACTED] (<PHONE_1>) lives in <LOCATION_1>.');
    const person = body.findings.find((f) => f.entity === 'PERSON')!;
    expect(person.ruleId).toBe('ner-entities');
    expect(text.slice(person.start, person.end)).toBe('Alice Chen');
    const scan = (await (await app.request('/v1/safety/scan', json({ text }))).json()) as { findings: Array<{ entity: string }> };
    expect(scan.findings.map((f) => f.entity).sort()).toEqual(['LOCATION', 'ORGANIZATION', 'PERSON', 'PHONE']);
    expect(JSON.stringify(scan)).not.toContain('Alice Chen');
  });

  it('the synchronous stages (chat guard, task safety) keep working with the policy and skip the NER rule', async () => {
    const eng = engine();
    const layers = loadOptionalLayers({ policy: policyFile }, { engine: eng });
    const g = layers.safety.guard!(['Alice Chen: 13812345678'], { route: '/v1/chat/completions', messages: true });
    expect(g.texts).toEqual(['Alice Chen: <PHONE_1>']);
    const out = await layers.tasks!.run('sentiment-en', 'Alice Chen loves it, call 13812345678');
    expect(out.result).toMatchObject({ kind: 'classify' });
    expect(eng.prompts.at(-1)).toContain('<PHONE_1>');
  });

  it('--ner-task picks a pack of the served --tasks folder; a non-ner pack or no model is a typed error at startup', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(tasksDir, { recursive: true });
    writeFileSync(join(tasksDir, 'names.json'), JSON.stringify({ id: 'names', version: '1.0.0', kind: 'ner', prompt: { template: 'Text: {{text}}\nEntities:' }, labels: ['PER'] }));
    writeFileSync(join(tasksDir, 'yesno.json'), JSON.stringify({ id: 'yesno', version: '1.0.0', kind: 'classify', prompt: { template: '{{text}} ->' }, labels: ['yes', 'no'] }));
    const eng = engine();
    const layers = loadOptionalLayers({ policy: policyFile, tasks: tasksDir, watch: false, nerTask: 'names' }, { engine: eng });
    const r = await layers.safety.mask('Alice Chen of Acme Bank');
    // the custom pack only knows PER
    expect(r.text).toBe('<PERSON_1> of Acme Bank');
    expect(() => loadOptionalLayers({ policy: policyFile, tasks: tasksDir, watch: false, nerTask: 'yesno' }, { engine: eng })).toThrow(InvalidArgumentError);
    const e = (() => {
      try {
        loadOptionalLayers({ policy: policyFile }, {});
      } catch (x) {
        return x;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).field).toBe('rules.ner-entities');
    expect((e as Error).message).toMatch(/no model is loaded/);
  });

  it('nerTask comes from --ner-task, ONRAMP_NER_TASK or the config file (flag wins)', async () => {
    expect((await loadServeConfig({ env: { ONRAMP_NER_TASK: 'names' } })).nerTask).toBe('names');
    expect((await loadServeConfig({ env: { ONRAMP_NER_TASK: 'names' }, flags: { nerTask: 'ner-social' } })).nerTask).toBe('ner-social');
    expect((await loadServeConfig({ env: {} })).nerTask).toBeUndefined();
  });
});
