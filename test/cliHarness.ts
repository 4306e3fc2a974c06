import { vi } from 'vitest';
import { main } from '../src/cli/index.js';

/**
 * Runs the `onramp` CLI in-process with stdout and stderr captured; returns what it printed and its exit code.
 *
 * @example
 * const { out, code } = await runCli(['inspect', file, '--json'])
 */
export async function runCli(args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  process.exitCode = undefined;
  try {
    await main(['node', 'onramp', ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = process.exitCode as number | undefined;
  process.exitCode = undefined;
  return { out, err, code };
}
