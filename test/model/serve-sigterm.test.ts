import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { storiesPath } from './helpers.js';

// The real `onramp serve` process (bin/onramp.js runs dist/: build it with `npm run build:ts` first).
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(repo, 'bin', 'onramp.js');
const built = existsSync(path.join(repo, 'dist', 'cli', 'index.js'));

/** A safety net only (the machine may be loaded); nothing asserts on elapsed time. */
const LIMIT_MS = 90_000;

interface LogLine {
  msg?: string;
  [k: string]: unknown;
}

function startServe(): { child: ChildProcess; logs: LogLine[]; url: Promise<string>; exit: Promise<{ code: number | null; signal: string | null }> } {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ONRAMP_')));
  const child = spawn(process.execPath, [bin, 'serve', '--model', storiesPath, '--port', '0', '--threads', '1', '--parallel', '1', '--ctx', '2048', '--grace', '60s'], {
    cwd: repo,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let buf = '';
  let onUrl: (u: string) => void = () => {};
  let onFail: (e: Error) => void = () => {};
  const url = new Promise<string>((resolve, reject) => ((onUrl = resolve), (onFail = reject)));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        const l = JSON.parse(line) as LogLine;
        logs.push(l);
        if (typeof l['url'] === 'string') onUrl(l['url']);
      } catch {
        /* not a log line */
      }
    }
  });
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      onFail(new Error(`onramp serve exited before listening (code ${code}, signal ${signal}): ${stderr.slice(-2000)}`));
      resolve({ code, signal });
    }),
  );
  return { child, logs, url, exit };
}

const running: ChildProcess[] = [];
afterAll(() => {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe.skipIf(!built || !existsSync(storiesPath))('onramp serve process: SIGTERM (stories260K)', () => {
  it('finishes the in-flight stream, refuses new requests, and exits 0', { timeout: LIMIT_MS + 30_000 }, async () => {
    const srv = startServe();
    running.push(srv.child);
    const url = await srv.url;

    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 600, ignore_eos: true, stream: true, stream_options: { include_usage: true }, temperature: 0 }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    // Wait for the first content token, then signal: the rest of the 600 tokens are still to come.
    while (!/"content":"[^"]/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(srv.child.kill('SIGTERM')).toBe(true);

    // New work is refused while the stream drains (503), or the listener is already gone.
    let refused: number | string | undefined;
    for (let i = 0; i < 200 && refused === undefined; i++) {
      refused = await fetch(`${url}/v1/models`).then(
        (r) => (r.status === 503 ? 503 : r.status === 200 ? undefined : r.status),
        () => 'connection refused',
      );
      if (refused === undefined) await new Promise((r) => setTimeout(r, 25));
    }
    expect([503, 'connection refused']).toContain(refused);

    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const data = text
      .split('\n\n')
      .map((b) => b.replace(/^data: /, '').trim())
      .filter(Boolean);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { error?: unknown; choices: { finish_reason: string | null }[]; usage?: { completion_tokens: number } | null });
    expect(chunks.some((c) => c.error !== undefined)).toBe(false);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('length');
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(600);

    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([srv.exit, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), LIMIT_MS)))]);
    clearTimeout(timer);
    expect(exit).toEqual({ code: 0, signal: null });

    const draining = srv.logs.find((l) => l.msg === 'draining');
    expect(draining).toMatchObject({ signal: 'SIGTERM', inflight: 1 });
    expect(srv.logs.find((l) => l.msg === 'stopped')).toMatchObject({ drained: true });
    // The stream was still going when the drain began: its request log line comes after the 'draining' one.
    const streamLog = srv.logs.findIndex((l) => l.msg === 'request' && l['route'] === '/v1/chat/completions');
    expect(streamLog).toBeGreaterThan(srv.logs.indexOf(draining!));
  });
});
