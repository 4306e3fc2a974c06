import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/engine/Model.js';
import { loadBinding } from '../../src/native/loadBinding.js';
import { makeSyntheticModel } from '../../src/gguf/index.js';
import { AbortError, ChatTemplateError, DisposedError, FileError, GgufFormatError, InvalidArgumentError, ModelLoadError, OnrampError } from '../../src/errors.js';
import { llama2TinyPath, storiesPath } from '../model/helpers.js';

// A real gc() without --expose-gc, so the RSS figure is not JS garbage.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onramp-model-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('Model.load', () => {
  it('reports info, metadata and progress', async () => {
    const progress: number[] = [];
    const m = await Model.load(storiesPath, { onProgress: (p) => progress.push(p) });
    expect(m.info).toMatchObject({
      path: storiesPath,
      architecture: 'llama',
      fileType: 'F32',
      vocabSize: 512,
      fileSize: fs.statSync(storiesPath).size,
      addBos: true,
    });
    expect(m.info.parameters).toBeGreaterThan(200_000);
    expect(m.info.blockCount).toBeGreaterThan(0);
    expect(m.info.embeddingLength).toBeGreaterThan(0);
    expect(m.info.contextLength).toBeGreaterThan(0);
    expect(m.info.specialTokens.bos).toBe(1);
    expect(m.metadata['general.architecture']).toBe('llama');
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((p, i) => p >= 0 && p <= 1 && (i === 0 || p >= progress[i - 1]!))).toBe(true);
    await m.dispose();
  });

  it('a synthetic model reports the shape it was written with', async () => {
    const file = await makeSyntheticModel({ shape: { layers: 3, hidden: 128, heads: 4, kvHeads: 2, ff: 256, contextLength: 777 }, vocab: 'llama-spm', vocabLimit: 600, seed: 5 });
    await using m = await Model.load(file);
    expect(m.info).toMatchObject({ architecture: 'llama', blockCount: 3, embeddingLength: 128, contextLength: 777, vocabSize: 600, fileType: 'F32' });
    expect(m.info.name).toBe('onramp synthetic llama 3x128');
    expect(m.metadata['onramp.synthetic.seed']).toBe('5');
    const params = 600 * 128 * 2 + 3 * (128 * 128 * 2 + 2 * 128 * 64 + 3 * 128 * 256 + 2 * 128) + 128;
    expect(m.info.parameters).toBe(params);
  });

  it('applies metadata overrides', async () => {
    // llama.cpp applies overrides to the keys it reads (hyperparameters, tokenizer flags), not to general.*
    await using m = await Model.load(llama2TinyPath, { overrides: { 'llama.context_length': 1234, 'tokenizer.ggml.add_bos_token': false } });
    expect(m.info.contextLength).toBe(1234);
    expect(m.info.addBos).toBe(false);
  });

  it('formats chat with the ChatML fallback when the model has no template', async () => {
    await using m = await Model.load(llama2TinyPath, { vocabOnly: true });
    expect(m.info.chatTemplate).toBeNull();
    const text = m.applyChatTemplate([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }]);
    expect(text).toBe('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    expect(m.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addAssistant: false })).toBe('<|im_start|>user\nHi<|im_end|>\n');
  });

  it('renders an explicit Jinja template (Llama 3 style) and the built-in names', async () => {
    await using m = await Model.load(llama2TinyPath, { vocabOnly: true });
    const tmpl =
      "{% for m in messages %}{{ '<|start_header_id|>' + m['role'] + '<|end_header_id|>\\n\\n' + m['content'] | trim + '<|eot_id|>' }}{% endfor %}" +
      "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
    expect(m.applyChatTemplate([{ role: 'user', content: ' Hi ' }], { template: tmpl })).toBe(
      '<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    expect(m.applyChatTemplate([{ role: 'user', content: 'Hi' }], { template: 'chatml' })).toContain('<|im_start|>assistant\n');
  });
});

describe('real chat templates (llama.cpp Jinja engine)', () => {
  const templates = path.resolve(__dirname, '../../deps/llama.cpp/models/templates');
  const read = (f: string): string => fs.readFileSync(path.join(templates, f), 'utf8');
  const chat = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Hi' }];

  it('Qwen2.5, Llama 3.1, Gemma 2 and Phi 3.5 render as their model cards say', async () => {
    await using m = await Model.load(llama2TinyPath, { vocabOnly: true });
    expect(m.applyChatTemplate(chat, { template: read('Qwen-Qwen2.5-7B-Instruct.jinja') })).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
    );
    const llama3 = m.applyChatTemplate(chat, { template: read('meta-llama-Llama-3.1-8B-Instruct.jinja') });
    expect(llama3).toContain('<|start_header_id|>system<|end_header_id|>\n\n');
    expect(llama3).toContain('Be brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>');
    expect(llama3.endsWith('<|start_header_id|>assistant<|end_header_id|>\n\n')).toBe(true);
    // Gemma folds the system prompt into the first user turn
    expect(m.applyChatTemplate(chat, { template: read('google-gemma-2-2b-it.jinja') })).toBe(
      '<start_of_turn>user\nBe brief.\nHi<end_of_turn>\n<start_of_turn>model\n',
    );
    expect(m.applyChatTemplate(chat, { template: read('microsoft-Phi-3.5-mini-instruct.jinja') })).toBe(
      '<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n',
    );
  });

  it('a template that does not parse gives ChatTemplateError', async () => {
    await using m = await Model.load(llama2TinyPath, { vocabOnly: true });
    expect(() => m.applyChatTemplate(chat, { template: '{% for m in messages %}{{ m.content ' })).toThrow(ChatTemplateError);
  });
});

describe('dispose', () => {
  it('is idempotent and any use afterwards throws DisposedError', async () => {
    const m = await Model.load(storiesPath);
    await m.dispose();
    await m.dispose();
    await m[Symbol.asyncDispose]();
    expect(m.disposed).toBe(true);
    expect(() => m.tokenize('x')).toThrow(DisposedError);
    expect(() => m.detokenize([1])).toThrow(DisposedError);
    expect(() => m.applyChatTemplate([{ role: 'user', content: 'x' }])).toThrow(DisposedError);
    expect(() => m.native).toThrow(DisposedError);
    try {
      m.tokenize('x');
    } catch (e) {
      expect((e as OnrampError).code).toBe('DISPOSED');
    }
    expect(m.info.vocabSize).toBe(512); // plain data stays readable
  });

  it('native object rejects use after dispose with code DISPOSED', async () => {
    const addon = loadBinding();
    const n = new addon.AddonModel(storiesPath, {});
    await n.load();
    n.dispose();
    n.dispose();
    expect(() => n.tokenize('x', false, false)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
  });

  it('50 load/dispose cycles do not grow RSS by more than one model', async () => {
    // ~55 MB of F32 weights, loaded without mmap so the weights are in RSS: a leaked model would show 50 times.
    const file = await makeSyntheticModel({ shape: { layers: 4, hidden: 512, heads: 8, kvHeads: 8, ff: 1536 }, vocab: 'llama-spm', vocabLimit: 1000, seed: 7, type: 'f32' });
    const size = fs.statSync(file).size;
    const cycle = async (): Promise<void> => {
      const m = await Model.load(file, { useMmap: false });
      m.tokenize('warm up the tokenizer caches');
      await m.dispose();
    };
    for (let i = 0; i < 5; i++) await cycle();
    gc();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 50; i++) await cycle();
    gc();
    const growth = process.memoryUsage().rss - before;
    console.log(`[model] RSS growth over 50 load/dispose cycles: ${(growth / 2 ** 20).toFixed(1)} MiB (one model: ${(size / 2 ** 20).toFixed(1)} MiB)`);
    expect(growth).toBeLessThanOrEqual(size);
  });
});

describe('abort', () => {
  it('a pre-aborted signal rejects with AbortError before llama.cpp opens the file', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(Model.load(storiesPath, { signal: ac.signal })).rejects.toBeInstanceOf(AbortError);
  });

  it('aborting during the load rejects with AbortError', async () => {
    const ac = new AbortController();
    const p = Model.load(llama2TinyPath, { signal: ac.signal, onProgress: () => ac.abort() });
    queueMicrotask(() => ac.abort());
    await expect(p).rejects.toBeInstanceOf(AbortError);
  });

  it('native abortLoad stops llama.cpp inside its progress callback', async () => {
    const addon = loadBinding();
    const n = new addon.AddonModel(storiesPath, {});
    n.abortLoad();
    await expect(n.load()).rejects.toMatchObject({ code: 'ABORTED' });
    n.dispose();
  });
});

describe('bad input', () => {
  it('missing file, directory, empty file and non-GGUF file name the path', async () => {
    const missing = path.join(tmp, 'nope.gguf');
    await expect(Model.load(missing)).rejects.toSatisfy((e: unknown) => e instanceof FileError && e.code === 'FILE_NOT_FOUND' && e.message.includes(missing));
    await expect(Model.load(tmp)).rejects.toSatisfy((e: unknown) => e instanceof FileError && e.code === 'FILE_IS_DIRECTORY' && e.message.includes(tmp));
    const empty = path.join(tmp, 'empty.gguf');
    fs.writeFileSync(empty, '');
    await expect(Model.load(empty)).rejects.toSatisfy((e: unknown) => e instanceof FileError && e.code === 'FILE_EMPTY' && e.message.includes(empty));
    const text = path.join(tmp, 'text.gguf');
    fs.writeFileSync(text, 'this is not a model\n'.repeat(10));
    await expect(Model.load(text)).rejects.toSatisfy((e: unknown) => e instanceof GgufFormatError && e.message.includes(text));
  });

  it('a truncated GGUF is rejected before llama.cpp opens it', async () => {
    const cut = path.join(tmp, 'cut.gguf');
    const buf = fs.readFileSync(storiesPath);
    fs.writeFileSync(cut, buf.subarray(0, buf.length - 1000));
    await expect(Model.load(cut)).rejects.toBeInstanceOf(GgufFormatError);
  });

  it('llama.cpp load failures become ModelLoadError with llama.cpp\'s reason and a JS stack', async () => {
    // valid GGUF structure, unknown architecture for llama.cpp
    const e1 = await Model.load(storiesPath, { overrides: { 'general.architecture': 'nosucharch' } }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ModelLoadError);
    expect((e1 as Error).message).toContain("unknown model architecture: 'nosucharch'");
    const err = await Model.load(storiesPath, { overrides: { 'llama.embedding_length': 7 } }).catch((e: unknown) => e as ModelLoadError);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).stack).toContain('model.test.ts');
  });

  it('invalid options name the option', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ gpuLayers: -2 }, 'gpuLayers'],
      [{ gpuLayers: 1.5 }, 'gpuLayers'],
      [{ useMmap: 'yes' }, 'useMmap'],
      [{ useMlock: 1 }, 'useMlock'],
      [{ vocabOnly: null }, 'vocabOnly'],
      [{ onProgress: 3 }, 'onProgress'],
      [{ signal: {} }, 'signal'],
      [{ overrides: [] }, 'overrides'],
      [{ overrides: { 'a.b': { type: 'int', value: 1.5 } } }, 'overrides.a.b'],
      [{ overrides: { 'a.b': 'x'.repeat(200) } }, 'overrides.a.b'],
      [{ overrides: { ['k'.repeat(200)]: 1 } }, `overrides.${'k'.repeat(200)}`],
    ];
    for (const [opts, param] of cases) {
      const e = await Model.load(storiesPath, opts as never).catch((x: unknown) => x);
      expect(e, param).toBeInstanceOf(InvalidArgumentError);
      expect((e as InvalidArgumentError).param).toBe(param);
    }
    await expect(Model.load(42 as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
