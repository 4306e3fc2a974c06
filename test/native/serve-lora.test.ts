import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadServeConfig } from '../../src/config/index.js';
import { LoraRegistry } from '../../src/engine/LoraRegistry.js';
import { parseLoraSpec } from '../../src/engine/lora.js';
import { readGguf } from '../../src/gguf/reader.js';
import { openRuntime } from '../../src/server/runtime.js';
import { repoRoot, tinyBase, writeTestAdapter } from './loraFixtures.js';

// `onramp serve --lora name=path:scale` end to end: the real process (bin/onramp.js runs dist/: `npm run build:ts`).
const bin = path.join(repoRoot, 'bin', 'onramp.js');
const built = existsSync(path.join(repoRoot, 'dist', 'cli', 'index.js'));

let tmp: string;
let basePath: string;
let adapter: string;
const running: ChildProcess[] = [];

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'onramp-serve-lora-'));
  basePath = await tinyBase();
  adapter = await writeTestAdapter(await readGguf(basePath), { rank: 4, alpha: 8, targets: ['attn_q', 'attn_v', 'ffn_up'], seed: 11, std: 0.2, out: path.join(tmp, 'support.gguf') });
});
afterAll(() => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

/** Starts `onramp serve` with `args`; resolves with its URL once it logs one (rejects if it exits first). */
function serve(args: string[]): { child: ChildProcess; url: Promise<string>; exit: Promise<number | null>; stderr: () => string } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ONRAMP_')));
  const child = spawn(process.execPath, [bin, 'serve', '--model', basePath, '--port', '0', '--threads', '1', '--parallel', '2', '--ctx', '512', ...args], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let out = '';
  let err = '';
  let onUrl: (u: string) => void = () => {};
  let onFail: (e: Error) => void = () => {};
  const url = new Promise<string>((res, rej) => ((onUrl = res), (onFail = rej)));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    const m = /"url":"(http:[^"]+)"/.exec(out);
    if (m) onUrl(m[1]!);
  });
  const exit = new Promise<number | null>((res) =>
    child.once('exit', (code) => {
      onFail(new Error(`onramp serve exited (code ${code}): ${err.slice(-2000)} ${out.slice(-2000)}`));
      res(code);
    }),
  );
  return { child, url, exit, stderr: () => err + out };
}

interface Completion {
  choices: { text: string; logprobs: { tokens: string[]; token_logprobs: number[] } }[];
}

describe.skipIf(!built)('onramp serve --lora name=path:scale (real process, synthetic base + adapter)', () => {
  it('lists the adapter with its scale and applies it (at that scale) to a request naming it', { timeout: 120_000 }, async () => {
    const srv = serve(['--lora', `support=${adapter}:0.5`]);
    const url = await srv.url;
    const listed = (await (await fetch(`${url}/v1/adapters`)).json()) as { object: string; data: { name: string; path: string; scale: number }[] };
    expect(listed).toEqual({ object: 'list', data: [{ name: 'support', path: adapter, scale: 0.5 }] });

    const complete = async (lora?: { name: string; scale?: number }[]): Promise<Completion> => {
      const res = await fetch(`${url}/v1/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'Once upon a time', max_tokens: 4, temperature: 0, logprobs: 1, ignore_eos: true, ...(lora ? { lora } : {}) }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Completion;
    };
    const lp = (c: Completion): number[] => c.choices[0]!.logprobs.token_logprobs;
    const base = await complete();
    const named = await complete([{ name: 'support' }]);
    const explicit = await complete([{ name: 'support', scale: 0.5 }]);
    const off = await complete([{ name: 'support', scale: 0 }]);
    // the request naming the adapter is served with it: its logprobs leave the base model's ...
    expect(lp(named)).toHaveLength(4);
    expect(lp(named)).not.toEqual(lp(base));
    // ... at the scale given on the command line (same tokens and logprobs as naming scale 0.5 explicitly) ...
    expect(named.choices[0]!.text).toBe(explicit.choices[0]!.text);
    lp(named).forEach((v, i) => expect(v).toBeCloseTo(lp(explicit)[i]!, 4));
    // ... and scale 0 is the base model again
    expect(off.choices[0]!.text).toBe(base.choices[0]!.text);
    lp(off).forEach((v, i) => expect(v).toBeCloseTo(lp(base)[i]!, 4));
    // an adapter the server was not started with is a typed 404, never silently ignored
    const missing = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Once', max_tokens: 1, lora: [{ name: 'nope' }] }),
    });
    expect(missing.status).toBe(404);
    srv.child.kill('SIGTERM');
    expect(await srv.exit).toBe(0);
  });

  it('refuses to start when a --lora adapter does not load, with a typed error', { timeout: 120_000 }, async () => {
    const srv = serve(['--lora', `support=${adapter}`, '--lora', `bad=${path.join(tmp, 'missing.gguf')}`]);
    await expect(srv.url).rejects.toThrow(/exited/);
    expect(await srv.exit).not.toBe(0);
    expect(srv.stderr()).toMatch(/missing\.gguf/);
  });
});

describe('openRuntime (as serve builds it) when a --lora load fails', () => {
  it('disposes the adapters it had already loaded and rethrows the typed error', async () => {
    const seen = new Set<LoraRegistry>();
    const load = LoraRegistry.prototype.load;
    const spy = vi.spyOn(LoraRegistry.prototype, 'load').mockImplementation(function (this: LoraRegistry, ...a: Parameters<LoraRegistry['load']>) {
      seen.add(this);
      return load.apply(this, a);
    });
    try {
      const cfg = await loadServeConfig({
        flags: { model: basePath, threads: 1, parallel: 1, ctx: 256, lora: [parseLoraSpec(`good=${adapter}:0.5`), parseLoraSpec(`bad=${path.join(tmp, 'missing.gguf')}`)] },
        env: {},
      });
      await expect(openRuntime(cfg)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    } finally {
      spy.mockRestore();
    }
    expect(seen.size).toBe(1);
    const [reg] = [...seen];
    expect(reg!.disposed).toBe(true);
    expect(reg!.list()).toEqual([]);
  });
});
