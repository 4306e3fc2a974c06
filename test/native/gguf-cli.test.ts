/**
 * `onramp inspect`, `make-model`, `make-lora`, `lora merge|inspect` in-process (human text, one JSON document).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../cliHarness.js';
import { readGguf, summarizeGguf } from '../../src/gguf/index.js';
import { Model } from '../../src/engine/Model.js';
import { storiesPath } from '../model/helpers.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'onramp-gguf-cli-'));
const p = (n: string): string => path.join(tmp, n);

const cli = runCli;

afterEach(() => vi.restoreAllMocks());
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('gguf CLI', () => {
  it('make-model then inspect (text and --json)', async () => {
    const made = await cli(['make-model', '--shape', '{"arch":"qwen2","layers":2,"hidden":64,"heads":4,"kvHeads":2,"ff":96}', '--vocab', 'llama-spm', '--vocab-limit', '300', '--seed', '4', '--type', 'f16', '-o', p('m.gguf'), '--json']);
    expect(made.code).toBeUndefined();
    expect(JSON.parse(made.out)).toMatchObject({ path: p('m.gguf'), architecture: 'qwen2', fileType: 'F16', vocabSize: 300 });

    const text = await cli(['inspect', p('m.gguf')]);
    expect(text.out).toMatch(/architecture\s+qwen2/);
    expect(text.out).toMatch(/tokenizer\.ggml\.tokens = \[STRING x 300\]/);
    expect(text.out).toMatch(/blk\.1\.ffn_down\.weight\s+F16\s+\[96, 64\]/);

    const json = await cli(['inspect', p('m.gguf'), '--json']);
    const doc = JSON.parse(json.out) as Record<string, unknown> & { tensors: { name: string; type: string; shape: number[]; offset: number }[] };
    const f = await readGguf(p('m.gguf'));
    expect(doc).toMatchObject({
      architecture: 'qwen2', fileType: 'F16', fileSize: f.fileSize, contextLength: 512, embeddingLength: 64, blockCount: 2, vocabSize: 300,
      parameters: f.tensors.reduce((s, t) => s + t.elements, 0),
    });
    expect(doc.tensors).toHaveLength(f.tensors.length);
    expect(doc.tensors[0]).toMatchObject({ name: 'token_embd.weight', type: 'F16', shape: [64, 300], offset: 0 });
  });

  it('inspect infers fileType from the tensor types when general.file_type is absent (stories260K), as Model.info does', async () => {
    const f = await readGguf(storiesPath);
    expect(f.metadata.has('general.file_type')).toBe(false);
    const doc = JSON.parse((await cli(['inspect', storiesPath, '--json'])).out) as { fileType: unknown; fileTypeGuessed: unknown };
    await using m = await Model.load(storiesPath);
    expect(m.info.fileType).toBe('F32');
    expect(doc).toMatchObject({ fileType: m.info.fileType, fileTypeGuessed: true });
    expect((await cli(['inspect', storiesPath, '--no-tensors'])).out).toMatch(/file type\s+F32 \(guessed from tensor types\)/);
  });

  it('the fileType guess follows the most common tensor type (F16 model without general.file_type), null without tensors', async () => {
    await cli(['make-model', '--shape', 'tiny', '--vocab', 'llama-spm', '--vocab-limit', '300', '--type', 'f16', '-o', p('h.gguf')]);
    const f = await readGguf(p('h.gguf'));
    expect(summarizeGguf(f)).toMatchObject({ fileType: 'F16', fileTypeGuessed: false });
    f.metadata.delete('general.file_type');
    // norms stay F32, the (more numerous) matrices are F16: llama.cpp guesses MOSTLY_F16
    expect(f.tensors.filter((t) => t.typeName === 'F16').length).toBeGreaterThan(f.tensors.filter((t) => t.typeName === 'F32').length);
    expect(summarizeGguf(f)).toMatchObject({ fileType: 'F16', fileTypeGuessed: true });
    f.tensors.length = 0;
    expect(summarizeGguf(f)).toMatchObject({ fileType: null, fileTypeGuessed: false });
  });

  it('inspect errors name the path; --devices lists the CPU', async () => {
    const missing = await cli(['inspect', p('missing.gguf')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`FILE_NOT_FOUND`);
    expect(missing.err).toContain(p('missing.gguf'));
    const dir = await cli(['inspect', tmp]);
    expect(dir.err).toContain('FILE_IS_DIRECTORY');
    const devices = await cli(['inspect', '--devices', '--json']);
    const d = JSON.parse(devices.out) as { devices: { type: string }[]; llamaSystemInfo: string };
    expect(d.devices.some((x) => x.type === 'cpu')).toBe(true);
    expect(d.llamaSystemInfo.length).toBeGreaterThan(0);
    expect((await cli(['inspect', '--devices'])).out).toMatch(/devices \(\d+\)/);
  });

  it('make-lora, lora inspect, lora merge', async () => {
    await cli(['make-model', '--shape', 'tiny', '--vocab', 'llama-spm', '--vocab-limit', '300', '-o', p('b.gguf')]);
    const made = await cli(['make-lora', '--model', p('b.gguf'), '--rank', '2', '--alpha', '4', '--targets', 'attn_q,ffn_up', '--seed', '1', '-o', p('a.gguf')]);
    expect(made.out).toContain('rank 2');
    const info = JSON.parse((await cli(['lora', 'inspect', p('a.gguf'), '--json'])).out) as { rank: number; alpha: number; pairs: { target: string; a: number[]; b: number[] }[] };
    expect(info).toMatchObject({ rank: 2, alpha: 4 });
    expect(info.pairs.find((x) => x.target === 'blk.0.ffn_up.weight')).toMatchObject({ a: [64, 2], b: [2, 128] });
    expect((await cli(['lora', 'inspect', p('a.gguf')])).out).toMatch(/blk\.1\.attn_q\.weight\s+F32\s+A \[64, 2\]\s+B \[2, 64\]/);
    const merged = await cli(['lora', 'merge', '--model', p('b.gguf'), '--lora', `${p('a.gguf')}:0.5`, '-o', p('merged.gguf'), '--json']);
    expect(JSON.parse(merged.out)).toMatchObject({ output: p('merged.gguf'), loras: [{ path: p('a.gguf'), scale: 0.5 }] });
    expect((await readGguf(p('merged.gguf'))).metadata.get('onramp.merged_loras')?.value).toEqual([`${p('a.gguf')}:0.5`]);
    const bad = await cli(['make-lora', '--model', p('b.gguf'), '--rank', 'x', '-o', p('c.gguf')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('INVALID_ARGUMENT');
  });
});
