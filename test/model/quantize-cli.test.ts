/**
 * `onramp quantize` through the CLI (in-process): --json sizes before/after, the human report, --prune-layers and
 * argument errors. The library itself is tested in quantize.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cliHarness.js';
import { metaNumber, validateGguf } from '../../src/gguf/index.js';
import { storiesPath } from './helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onramp-quant-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('onramp quantize (CLI)', () => {
  it('--json prints one document with the sizes before and after; the output is a valid, smaller Q8_0 file', async () => {
    const out = path.join(tmp, 's-q8.gguf');
    const r = await runCli(['quantize', storiesPath, out, '--type', 'q8_0', '--threads', '1', '--json']);
    expect(r.code).toBeUndefined();
    const doc = JSON.parse(r.out) as { input: string; output: string; type: string; inputBytes: number; outputBytes: number; ratio: number; durationMs: number };
    expect(doc).toMatchObject({ input: storiesPath, output: out, type: 'Q8_0' });
    expect(doc.inputBytes).toBe(fs.statSync(storiesPath).size);
    expect(doc.outputBytes).toBe(fs.statSync(out).size);
    expect(doc.outputBytes).toBeLessThan(doc.inputBytes);
    expect(doc.ratio).toBeCloseTo(doc.outputBytes / doc.inputBytes, 12);
    const g = await validateGguf(out);
    expect(metaNumber(g, 'general.file_type')).toBe(7); // LLAMA_FTYPE_MOSTLY_Q8_0
    expect(g.tensors.some((t) => t.typeName === 'Q8_0')).toBe(true);
  });

  it('human report with --prune-layers: before/after lines, one block fewer', async () => {
    const out = path.join(tmp, 's-pruned.gguf');
    const blocks = metaNumber(await validateGguf(storiesPath), 'llama.block_count')!;
    const r = await runCli(['quantize', storiesPath, out, '--type', 'Q8_0', '--prune-layers', '1', '--threads', '1', '--no-progress']);
    expect(r.code).toBeUndefined();
    const before = /before\s+\S+ \S+ \((\d+) bytes\)/.exec(r.out);
    const after = /after\s+\S+ \S+ \((\d+) bytes\), ([\d.]+)% smaller/.exec(r.out);
    expect(r.out).toContain('pruned layers 1');
    expect(Number(before?.[1])).toBe(fs.statSync(storiesPath).size);
    expect(Number(after?.[1])).toBe(fs.statSync(out).size);
    expect(metaNumber(await validateGguf(out), 'llama.block_count')).toBe(blocks - 1);
  });

  it('bad --type / --prune-layers fail with INVALID_ARGUMENT naming the option, writing nothing', async () => {
    const out = path.join(tmp, 'never.gguf');
    const bad = await runCli(['quantize', storiesPath, out, '--type', 'Q3_X']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('INVALID_ARGUMENT');
    expect(bad.err).toContain('type');
    const badLayers = await runCli(['quantize', storiesPath, out, '--type', 'Q8_0', '--prune-layers', '1,x']);
    expect(badLayers.code).toBe(1);
    expect(badLayers.err).toContain('prune-layers');
    expect(fs.existsSync(out)).toBe(false);
  });
});
