import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cacheDir, storiesPath } from './helpers.js';

/**
 * The README's library examples, taken from README.md itself (so they cannot rot): each must parse as an ES
 * module on the Node running the tests (package.json engines: >=20; `await using` is a SyntaxError there) and
 * run against the sources, with `'onramp'` pointed at src/index.ts.
 */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
const dir = path.join(cacheDir, `readme-${process.pid}`);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first ```js block after the given heading. */
function block(heading: string): string {
  const at = readme.indexOf(`\n${heading}\n`);
  expect(at, `README heading ${heading}`).toBeGreaterThan(0);
  const m = /```js\n([\s\S]*?)```/.exec(readme.slice(at));
  expect(m, `a js block under ${heading}`).not.toBeNull();
  return m![1]!;
}

/** Writes the block as an .mjs file importing the sources; `replace` swaps README text for test values. */
function materialize(name: string, code: string, replace: Array<[string, string]> = []): string {
  const entry = pathToFileURL(path.join(repo, 'src', 'index.ts')).href;
  expect(code).toContain("from 'onramp'");
  let out = code.replace("from 'onramp'", `from ${JSON.stringify(entry)}`);
  for (const [from, to] of replace) {
    expect(out, `README example contains ${from}`).toContain(from);
    out = out.replace(from, to);
  }
  const file = path.join(dir, name);
  writeFileSync(file, out);
  return file;
}

/** `node --check` on the README text as written: a syntax error on this Node fails the test. */
function nodeParses(code: string, name: string): void {
  const file = path.join(dir, name);
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
}

describe('README library examples', () => {
  it('the first example (## Library) parses on this Node and runs: generate, score, embed, mask/restore', async () => {
    const code = block('## Library');
    expect(code).not.toMatch(/\bawait using\b/);
    nodeParses(code, 'library-as-written.mjs');
    const file = materialize('library.mjs', code);
    const logs: unknown[][] = [];
    let written = '';
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a));
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((written += String(s)), true));
    try {
      await import(pathToFileURL(file).href);
    } finally {
      log.mockRestore();
      out.mockRestore();
    }
    expect(written.length).toBeGreaterThan(0);
    expect(logs).toHaveLength(1);
    const [probs, tokens, masked, restored] = logs[0]! as [number[], number, string, string];
    expect(probs).toHaveLength(2);
    expect(probs[0]! + probs[1]!).toBeCloseTo(1, 5);
    expect(tokens).toBeGreaterThan(0);
    expect(masked).toBe('call me at <PHONE_1>');
    expect(restored).toBe('call me at 13800138000');
  });

  it.skipIf(!existsSync(storiesPath))('the second example (## HTTP API and library entry) parses and answers a chat completion on stories260K', async () => {
    const code = block('## HTTP API and library entry');
    nodeParses(code, 'http-as-written.mjs');
    const file = materialize('http.mjs', code, [["process.argv[2] ?? 'models/stories260K.gguf'", JSON.stringify(storiesPath)]]);
    const logs: unknown[][] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void logs.push(a));
    try {
      await import(pathToFileURL(file).href);
    } finally {
      log.mockRestore();
    }
    expect(logs).toHaveLength(1);
    expect(typeof logs[0]![0]).toBe('string');
    expect((logs[0]![0] as string).length).toBeGreaterThan(0);
  });
});
