/**
 * `onramp generate --lora <file>[:scale]` in-process: the adapter at scale s gives the merged model's greedy tokens.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../cliHarness.js';
import { makeLora, mergeLora } from '../../src/gguf/lora.js';
import { tinyBase } from './loraFixtures.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onramp-lora-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const cli = runCli;

describe('onramp generate --lora', () => {
  it('applies repeatable adapters with scales like a merged model', async () => {
    const base = await tinyBase();
    const a = await makeLora({ model: base, rank: 4, alpha: 8, targets: ['attn_q', 'attn_v', 'ffn_down'], seed: 21, std: 0.1, output: path.join(tmp, 'a.gguf') });
    const b = await makeLora({ model: base, rank: 2, alpha: 2, targets: ['ffn_up', 'output'], seed: 22, std: 0.1, output: path.join(tmp, 'b.gguf') });
    const merged = await mergeLora({ model: base, loras: [{ path: a, scale: 0.5 }, { path: b, scale: 2 }], output: path.join(tmp, 'm.gguf') });
    const common = ['--prompt', 'Once upon a time', '--max-tokens', '16', '--temperature', '0', '--threads', '1', '--json'];
    const withLora = await cli(['generate', '--model', base, '--lora', `${a}:0.5`, '--lora', `${b}:2`, ...common]);
    const fromMerged = await cli(['generate', '--model', merged, ...common]);
    const plain = await cli(['generate', '--model', base, ...common]);
    expect(withLora.code).toBeUndefined();
    const t = (r: { out: string }): number[] => (JSON.parse(r.out) as { tokens: number[] }).tokens;
    expect(t(withLora)).toHaveLength(16);
    expect(t(withLora)).toEqual(t(fromMerged));
    expect(t(withLora)).not.toEqual(t(plain));
  });
});
