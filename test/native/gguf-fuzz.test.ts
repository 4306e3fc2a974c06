import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelLoadError, OnrampError } from '../../src/errors.js';
import { ggufMutants, makeSyntheticModel, readGgufBuffer, validateGguf, validateGgufBuffer } from '../../src/gguf/index.js';
import { loadBinding } from '../../src/native/loadBinding.js';

/**
 * Seeded GGUF fuzzing: every mutant must either pass the validator and then load in llama.cpp, or raise a typed
 * OnrampError (from the validator, or ModelLoadError when llama.cpp refuses a file the validator let through).
 * llama.cpp aborts the process on some malformed inputs (duplicate tokens, zero heads, misaligned data...), so
 * "the process survives" is part of the assertion: this file runs in its own fork.
 */
const COUNT = 2400;
const SEED = 20261129;
const tmp = mkdtempSync(path.join(tmpdir(), 'onramp-gguf-fuzz-'));

async function loadNative(file: string): Promise<'loaded' | OnrampError> {
  const model = new (loadBinding().AddonModel)(file, {});
  try {
    await model.load();
    return 'loaded';
  } catch (e) {
    return new ModelLoadError(e instanceof Error ? e.message : String(e), e);
  } finally {
    model.dispose();
  }
}

describe('GGUF fuzz: mutants validate-and-load or raise typed errors', () => {
  it(`${COUNT} seeded mutants of two small models`, async () => {
    // llama.cpp logs every refused file at error level; the counts below are what matters.
    if (!process.env.ONRAMP_LLAMA_LOG) loadBinding().setLogLevel(4);
    const bases = await Promise.all([
      makeSyntheticModel({ shape: 'tiny', vocab: 'llama-spm', vocabLimit: 300, seed: 1, alignment: 32, output: path.join(tmp, 'base-llama.gguf') }),
      makeSyntheticModel({ shape: { arch: 'qwen2', layers: 1 }, vocab: 'llama-spm', vocabLimit: 260, seed: 2, alignment: 64, type: 'f16', output: path.join(tmp, 'base-qwen2.gguf') }),
    ]);
    const gens = await Promise.all(bases.map(async (p, k) => {
      const bytes = readFileSync(p);
      expect(await loadNative(p)).toBe('loaded');
      return ggufMutants(bytes, await readGgufBuffer(bytes), COUNT / 2, SEED + k);
    }));
    const stats = { mutants: 0, rejectedByValidator: 0, loaded: 0, rejectedByLlama: 0, byKind: {} as Record<string, number>, codes: {} as Record<string, number> };
    const mutantFile = path.join(tmp, 'mutant.gguf');
    for (let i = 0; i < COUNT; i++) {
      const m = gens[i % 2]!.next().value;
      if (!m) break;
      stats.mutants++;
      const kind = m.description.split(/[ @]/)[0]!;
      stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
      let valid = true;
      try {
        await validateGgufBuffer(m.bytes);
      } catch (e) {
        expect(e, `mutant ${i} (${m.description}) threw an untyped error`).toBeInstanceOf(OnrampError);
        const code = (e as OnrampError).code;
        stats.codes[code] = (stats.codes[code] ?? 0) + 1;
        stats.rejectedByValidator++;
        valid = false;
      }
      if (!valid) continue;
      writeFileSync(mutantFile, m.bytes);
      // The file-handle reader agrees with the in-memory one (sampled: it costs a file read per mutant).
      if ((stats.loaded + stats.rejectedByLlama) % 8 === 0) await expect(validateGguf(mutantFile)).resolves.toBeDefined();
      const r = await loadNative(mutantFile);
      if (r === 'loaded') stats.loaded++;
      else {
        expect(r).toBeInstanceOf(ModelLoadError);
        stats.rejectedByLlama++;
      }
    }
    console.log(`gguf fuzz: ${JSON.stringify(stats)}`);
    expect(stats.mutants).toBe(COUNT);
    expect(stats.rejectedByValidator + stats.loaded + stats.rejectedByLlama).toBe(COUNT);
    // The corpus must exercise both paths substantially.
    expect(stats.rejectedByValidator).toBeGreaterThan(COUNT / 2);
    expect(stats.loaded).toBeGreaterThan(COUNT / 10);
  });
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));
