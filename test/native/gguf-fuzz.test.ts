import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileError, GgufFormatError, ModelLoadError, OnrampError } from '../../src/errors.js';
import { Model } from '../../src/engine/Model.js';
import { ggufMutants, makeSyntheticModel, readGgufBuffer, validateGguf, validateGgufBuffer } from '../../src/gguf/index.js';
import { loadBinding } from '../../src/native/loadBinding.js';

/**
 * Seeded GGUF fuzzing: every mutant must either pass the validator and then load in llama.cpp, or raise a typed
 * OnrampError (from the validator, or ModelLoadError when llama.cpp refuses a file the validator let through).
 * llama.cpp aborts the process on some malformed inputs (duplicate tokens, zero heads, misaligned data...), so
 * "the process survives" is part of the assertion: this file runs in its own fork.
 * `loadNative` wraps llama.cpp's refusals itself (so its typed-error check only counts them); a sample of mutants
 * (all of the first llama.cpp refusals, every PUBLIC_EVERY-th other) also goes through the public `Model.load`,
 * where the library's own preflight and rewrapping must give an OnrampError subclass with a stable code.
 */
const COUNT = 2400;
/** Mutants also loaded through the public Model.load: the first PUBLIC_REFUSED that llama.cpp refuses, and every PUBLIC_EVERY-th other one. */
const PUBLIC_REFUSED = 40;
const PUBLIC_EVERY = 60;
const SEED = 20261129;
const tmp = mkdtempSync(path.join(tmpdir(), 'onramp-gguf-fuzz-'));

/** Stable codes Model.load may raise for a damaged file, with the class each must come as. */
const PUBLIC_CODES: Record<string, new (...a: never[]) => OnrampError> = { GGUF_FORMAT: GgufFormatError, MODEL_LOAD: ModelLoadError, FILE_EMPTY: FileError };

/** The public path: preflight validation, then llama.cpp, errors rewrapped by the library (not by this test). */
async function loadPublic(file: string): Promise<'loaded' | unknown> {
  try {
    const m = await Model.load(file);
    await m.dispose();
    return 'loaded';
  } catch (e) {
    return e;
  }
}

/** A Model.load failure is an OnrampError subclass with one of the stable codes, of the class that code belongs to. */
function expectTypedLoadError(e: unknown, label: string): OnrampError {
  expect(e, `${label}: Model.load threw a non-OnrampError`).toBeInstanceOf(OnrampError);
  const err = e as OnrampError;
  expect(Object.keys(PUBLIC_CODES), `${label}: unexpected code ${err.code}`).toContain(err.code);
  expect(err, label).toBeInstanceOf(PUBLIC_CODES[err.code]!);
  return err;
}

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
    const pub = { checked: 0, refused: 0, codes: {} as Record<string, number> };
    const mutantFile = path.join(tmp, 'mutant.gguf');
    for (let i = 0; i < COUNT; i++) {
      const m = gens[i % 2]!.next().value;
      if (!m) break;
      stats.mutants++;
      const kind = m.description.split(/[ @]/)[0]!;
      stats.byKind[kind] = (stats.byKind[kind] ?? 0) + 1;
      const label = `mutant ${i} (${m.description})`;
      let valid = true;
      let validatorCode = '';
      try {
        await validateGgufBuffer(m.bytes);
      } catch (e) {
        expect(e, `${label} threw an untyped error`).toBeInstanceOf(OnrampError);
        const code = (e as OnrampError).code;
        stats.codes[code] = (stats.codes[code] ?? 0) + 1;
        stats.rejectedByValidator++;
        valid = false;
        validatorCode = code;
      }
      if (!valid) {
        if (i % PUBLIC_EVERY === 0) {
          // Model.load refuses it before llama.cpp with the validator's typed error (an empty mutant: FILE_EMPTY)
          writeFileSync(mutantFile, m.bytes);
          const e = expectTypedLoadError(await loadPublic(mutantFile), label);
          expect(e.code === validatorCode || (e.code === 'FILE_EMPTY' && m.bytes.length === 0), `${label}: ${e.code} vs validator ${validatorCode}`).toBe(true);
          pub.checked++;
          pub.codes[e.code] = (pub.codes[e.code] ?? 0) + 1;
        }
        continue;
      }
      writeFileSync(mutantFile, m.bytes);
      // The file-handle reader agrees with the in-memory one (sampled: it costs a file read per mutant).
      if ((stats.loaded + stats.rejectedByLlama) % 8 === 0) await expect(validateGguf(mutantFile)).resolves.toBeDefined();
      const r = await loadNative(mutantFile);
      if (r === 'loaded') stats.loaded++;
      else {
        expect(r).toBeInstanceOf(ModelLoadError);
        stats.rejectedByLlama++;
      }
      if ((r !== 'loaded' && pub.refused < PUBLIC_REFUSED) || i % PUBLIC_EVERY === 0) {
        // Same outcome through the public API; a refusal is typed by the library's own rewrapping
        const p = await loadPublic(mutantFile);
        if (r === 'loaded') expect(p, `${label}: loads natively but Model.load failed`).toBe('loaded');
        else {
          const e = expectTypedLoadError(p, label);
          expect(e.code, label).toBe('MODEL_LOAD');
          pub.refused++;
          pub.codes[e.code] = (pub.codes[e.code] ?? 0) + 1;
        }
        pub.checked++;
      }
    }
    console.log(`gguf fuzz: ${JSON.stringify(stats)}; through Model.load: ${JSON.stringify(pub)}`);
    expect(stats.mutants).toBe(COUNT);
    expect(stats.rejectedByValidator + stats.loaded + stats.rejectedByLlama).toBe(COUNT);
    // The corpus must exercise both paths substantially.
    expect(stats.rejectedByValidator).toBeGreaterThan(COUNT / 2);
    expect(stats.loaded).toBeGreaterThan(COUNT / 10);
    // The public-API sample covers llama.cpp refusals and validator rejections.
    expect(pub.refused).toBeGreaterThanOrEqual(Math.min(PUBLIC_REFUSED, stats.rejectedByLlama));
    expect(pub.refused).toBeGreaterThan(0);
    expect(pub.codes['GGUF_FORMAT']).toBeGreaterThan(0);
  });
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));
