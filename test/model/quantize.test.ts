import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getLlama, LlamaCompletion, type Llama } from 'node-llama-cpp';
import { Model } from '../../src/engine/Model.js';
import { Engine } from '../../src/engine/Engine.js';
import { quantize, type QuantizeProgress } from '../../src/engine/quantize.js';
import { makeSyntheticModel, validateGguf, metaNumber } from '../../src/gguf/index.js';
import { FileError, GgufFormatError, InvalidArgumentError } from '../../src/errors.js';
import { storiesPath } from './helpers.js';

let tmp: string;
let llama: Llama;
let synthetic: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onramp-quant-'));
  // rows of 256 so the k-quants apply to every matrix (no fallback types)
  synthetic = await makeSyntheticModel({ shape: { layers: 3, hidden: 256, heads: 4, kvHeads: 2, ff: 512 }, vocab: 'llama-spm', vocabLimit: 1024, seed: 11, type: 'f32' });
  llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
});
afterAll(async () => {
  await llama?.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Greedy tokens from node-llama-cpp (the oracle) for the same file. */
async function theirGreedy(file: string, prompt: number[], n: number): Promise<number[]> {
  const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
  const ctx = await model.createContext({ contextSize: 128, threads: 1 });
  const out: number[] = [];
  try {
    const completion = new LlamaCompletion({ contextSequence: ctx.getSequence() });
    await completion.generateCompletion(prompt as never, { maxTokens: n, temperature: 0, repeatPenalty: false, onToken: (t) => out.push(...(t as number[])) });
    return out;
  } finally {
    await ctx.dispose();
    await model.dispose();
  }
}

/**
 * The quantized file generates through our engine; with `parity`, greedily the same tokens as node-llama-cpp.
 * (Parity only for real weights: a random-weight model has near-tied logits, where the batch layout decides.)
 */
async function generates(file: string, parity = false): Promise<string> {
  await using m = await Model.load(file);
  const prompt = m.tokenize('Once upon a time', { addSpecial: true });
  const engine = await Engine.create(m, { nCtx: 128, parallel: 1, threads: 1 });
  try {
    const r = await engine.generate(prompt, { maxTokens: 8, temperature: 0, ignoreEos: true }).result;
    expect(r.tokens.length).toBe(8);
    if (parity) expect(r.tokens).toEqual(await theirGreedy(file, prompt, 8));
    return r.text;
  } finally {
    await engine.dispose();
  }
}

describe('quantize', () => {
  for (const [name, src] of [['stories260K', () => storiesPath], ['synthetic llama 3x256', () => synthetic]] as const) {
    for (const type of ['Q8_0', 'Q4_K_M'] as const) {
      it(`${name} -> ${type}: validates, loads, generates, shrinks`, async () => {
        const input = src();
        const output = path.join(tmp, `${name.replace(/\W/g, '_')}-${type}.gguf`);
        const events: QuantizeProgress[] = [];
        const r = await quantize(input, output, { type, threads: 2, onProgress: (p) => events.push(p) });
        expect(r.outputBytes).toBe(fs.statSync(output).size);
        expect(r.outputBytes).toBeLessThan(r.inputBytes);
        if (type === 'Q4_K_M') expect(r.outputBytes).toBeLessThan(fs.statSync(path.join(tmp, `${name.replace(/\W/g, '_')}-Q8_0.gguf`)).size);
        await validateGguf(output);
        const m = await Model.load(output);
        expect(m.info.fileType).toBe(type);
        const orig = await Model.load(input, { vocabOnly: true });
        expect(m.tokenize('Once upon a time, 今天')).toEqual(orig.tokenize('Once upon a time, 今天'));
        await orig.dispose();
        await m.dispose();
        expect(typeof (await generates(output, name === 'stories260K'))).toBe('string');
        // progress: monotonic tensor counts ending at total
        expect(events.length).toBeGreaterThan(2);
        const last = events.at(-1)!;
        expect(last.fraction).toBe(1);
        expect(last.done).toBe(last.total);
        expect(events.every((e, i) => i === 0 || e.done >= events[i - 1]!.done)).toBe(true);
        expect(fs.readdirSync(tmp).some((f) => f.includes('.tmp-'))).toBe(false);
      });
    }
  }

  it('prunes layers and the result loads with fewer blocks', async () => {
    const output = path.join(tmp, 'pruned.gguf');
    await quantize(synthetic, output, { type: 'Q8_0', pruneLayers: [1] });
    const g = await validateGguf(output);
    expect(metaNumber(g, 'llama.block_count')).toBe(2);
    expect(g.tensors.some((t) => t.name.startsWith('blk.2.'))).toBe(false);
    await using m = await Model.load(output);
    expect(m.info.blockCount).toBe(2);
    expect(typeof (await generates(output))).toBe('string');
  });

  it('F16, Q6_K, Q5_K_M and Q4_0 also work', async () => {
    for (const type of ['F16', 'Q6_K', 'Q5_K_M', 'Q4_0'] as const) {
      const output = path.join(tmp, `syn-${type}.gguf`);
      const r = await quantize(synthetic, output, { type });
      expect(r.outputBytes).toBeLessThan(r.inputBytes);
      await using m = await Model.load(output, { vocabOnly: true });
      expect(m.info.fileType).toBe(type);
    }
  });

  it('rejects bad options and files with typed errors naming them', async () => {
    const out = path.join(tmp, 'x.gguf');
    await expect(quantize(storiesPath, out, { type: 'Q9_9' as never })).rejects.toMatchObject({ param: 'type' });
    await expect(quantize(storiesPath, out, { type: 'Q8_0', threads: -1 })).rejects.toMatchObject({ param: 'threads' });
    await expect(quantize(storiesPath, out, { type: 'Q8_0', pruneLayers: [1.5] })).rejects.toMatchObject({ param: 'pruneLayers' });
    await expect(quantize(synthetic, out, { type: 'Q8_0', pruneLayers: [7] })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(quantize(synthetic, out, { type: 'Q8_0', pruneLayers: [0, 1, 2] })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(quantize(storiesPath, storiesPath, { type: 'Q8_0' })).rejects.toMatchObject({ param: 'output' });
    await expect(quantize(path.join(tmp, 'missing.gguf'), out, { type: 'Q8_0' })).rejects.toBeInstanceOf(FileError);
    await expect(quantize(storiesPath, path.join(tmp, 'no', 'dir', 'x.gguf'), { type: 'Q8_0' })).rejects.toBeInstanceOf(FileError);
    const junk = path.join(tmp, 'junk.gguf');
    fs.writeFileSync(junk, 'GGUF but not really');
    await expect(quantize(junk, out, { type: 'Q8_0' })).rejects.toBeInstanceOf(GgufFormatError);
    expect(fs.existsSync(out)).toBe(false);
  });
});
