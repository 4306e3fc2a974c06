import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OnrampError } from '../../../src/errors.js';
import { ggufMutants, inspectLora, makeLora, makeSyntheticModel, readGgufBuffer, validateGgufBuffer } from '../../../src/gguf/index.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'onramp-lora-fuzz-'));

describe('GGUF fuzz of LoRA adapters (pure TS)', () => {
  it('1000 seeded adapter mutants: inspectLora succeeds or throws a typed OnrampError', async () => {
    const base = await makeSyntheticModel({ shape: 'tiny', vocab: 'llama-spm', vocabLimit: 300, seed: 1, output: path.join(tmp, 'base.gguf') });
    const adapter = await makeLora({ model: base, rank: 2, alpha: 4, targets: ['attn_q', 'attn_v'], seed: 1, output: path.join(tmp, 'a.gguf') });
    const bytes = readFileSync(adapter);
    const stats = { mutants: 0, ok: 0, typed: 0 };
    const file = path.join(tmp, 'm.gguf');
    for (const m of ggufMutants(bytes, await readGgufBuffer(bytes), 1000, 77)) {
      stats.mutants++;
      try {
        await validateGgufBuffer(m.bytes);
        writeFileSync(file, m.bytes);
        await inspectLora(file);
        stats.ok++;
      } catch (e) {
        expect(e, m.description).toBeInstanceOf(OnrampError);
        stats.typed++;
      }
    }
    console.log(`lora fuzz: ${JSON.stringify(stats)}`);
    expect(stats.mutants).toBe(1000);
    expect(stats.typed).toBeGreaterThan(500);
    expect(stats.ok).toBeGreaterThan(10);
  });
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));
