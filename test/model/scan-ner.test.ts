import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cliHarness.js';
import { storiesPath } from './helpers.js';

/** `onramp scan` with a policy enabling ner-entities, end to end on a real (tiny) model through the built-in ner pack. */
const dir = mkdtempSync(join(tmpdir(), 'onramp-scan-ner-'));
const policy = join(dir, 'names.yaml');
writeFileSync(policy, ['version: 1', 'name: names', 'rules:', '  ner-entities: {}', '  phone: {}', ''].join('\n'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('onramp scan --policy (ner-entities) --model', () => {
  it('runs the ner pack on the model: every NER finding slices inside the text; pattern rules still mask', async () => {
    const text = 'Lily met Tom in the park. Call 13812345678.';
    const { out, code } = await runCli(['scan', text, '--policy', policy, '--model', storiesPath, '--json']);
    expect(code ?? 0).toBe(0);
    const r = JSON.parse(out) as { masked: string; findings: Array<{ start: number; end: number; rule: string; entity: string }> };
    expect(r.masked).toContain('<PHONE_1>');
    expect(r.masked).not.toContain('13812345678');
    for (const f of r.findings) {
      expect(f.start).toBeGreaterThanOrEqual(0);
      expect(f.end).toBeLessThanOrEqual(text.length);
      if (f.rule === 'ner-entities') expect(['PERSON', 'LOCATION', 'ORGANIZATION']).toContain(f.entity);
    }
  }, 120_000);

  it('without --model: exit code and a CONFIG error naming ner-entities, no output document', async () => {
    const { out, err, code } = await runCli(['scan', 'Lily met Tom', '--policy', policy, '--json']);
    expect(code).not.toBe(0);
    expect(out).toBe('');
    expect(err).toMatch(/ner-entities/);
    expect(err).toMatch(/--model/);
    // the model is really opened for the NER task: a missing file fails the scan
    const missing = await runCli(['scan', 'Lily met Tom', '--policy', policy, '--model', join(dir, 'missing.gguf'), '--json']);
    expect(missing.code).not.toBe(0);
    expect(missing.out).toBe('');
  });
});
