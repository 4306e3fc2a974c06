import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullModel, resolveSource } from '../../../src/cli/commands/pull.js';

const data = randomBytes(200_000);
const sha = createHash('sha256').update(data).digest('hex');
let server: Server;
let base: string;
const seen: { range: string | undefined; path: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ range: req.headers.range, path: req.url ?? '' });
    if (req.url === '/redirect/model.gguf') {
      res.writeHead(302, { location: '/files/model.gguf' }).end();
      return;
    }
    if (req.url === '/to-http-elsewhere') {
      res.writeHead(302, { location: 'http://example.com/model.gguf' }).end();
      return;
    }
    if (req.url === '/norange/model.gguf') {
      res.writeHead(200, { 'content-length': data.length }).end(data);
      return;
    }
    if (req.url !== '/files/model.gguf') {
      res.writeHead(404).end();
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      const from = Number(m[1]);
      if (from >= data.length) {
        res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        return;
      }
      res.writeHead(206, { 'content-range': `bytes ${from}-${data.length - 1}/${data.length}`, 'content-length': data.length - from }).end(data.subarray(from));
      return;
    }
    res.writeHead(200, { 'content-length': data.length }).end(data);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const tmp = () => mkdtempSync(join(tmpdir(), 'onramp-pull-'));

describe('onramp pull', () => {
  it('downloads with a sha256 check into <dir>/<name>', async () => {
    const dir = tmp();
    const progress: number[] = [];
    const r = await pullModel(`${base}/files/model.gguf`, { dir, sha256: sha, onProgress: (d) => progress.push(d) });
    expect(r).toMatchObject({ path: join(dir, 'model.gguf'), bytes: data.length, sha256: sha, resumedFrom: 0 });
    expect(readFileSync(r.path).equals(data)).toBe(true);
    expect(progress.at(-1)).toBe(data.length);
    expect(existsSync(`${r.path}.part`)).toBe(false);
  });

  it('resumes a .part file with a Range request', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'model.gguf.part'), data.subarray(0, 70_000));
    seen.length = 0;
    const r = await pullModel(`${base}/files/model.gguf`, { dir, sha256: sha });
    expect(seen[0]?.range).toBe('bytes=70000-');
    expect(r.resumedFrom).toBe(70_000);
    expect(readFileSync(r.path).equals(data)).toBe(true);
  });

  it('restarts when the server ignores Range, and finishes a complete .part on 416', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'model.gguf.part'), data.subarray(0, 5));
    const r = await pullModel(`${base}/norange/model.gguf`, { dir, sha256: sha });
    expect(r.resumedFrom).toBe(0);
    expect(readFileSync(r.path).equals(data)).toBe(true);
    const dir2 = tmp();
    writeFileSync(join(dir2, 'model.gguf.part'), data);
    const r2 = await pullModel(`${base}/files/model.gguf`, { dir: dir2, sha256: sha });
    expect(r2.bytes).toBe(data.length);
  });

  it('follows same-origin redirects and refuses a redirect to plain http elsewhere', async () => {
    const r = await pullModel(`${base}/redirect/model.gguf`, { dir: tmp() });
    expect(r.sha256).toBe(sha);
    await expect(pullModel(`${base}/to-http-elsewhere`, { dir: tmp(), name: 'x.gguf' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('deletes the download on a sha256 mismatch', async () => {
    const dir = tmp();
    await expect(pullModel(`${base}/files/model.gguf`, { dir, sha256: '0'.repeat(64) })).rejects.toMatchObject({ code: 'CHECKSUM' });
    expect(existsSync(join(dir, 'model.gguf'))).toBe(false);
    expect(existsSync(join(dir, 'model.gguf.part'))).toBe(false);
  });

  it('reports HTTP errors with a typed error', async () => {
    await expect(pullModel(`${base}/missing.gguf`, { dir: tmp() })).rejects.toMatchObject({ code: 'DOWNLOAD' });
  });

  it('resolves hf: sources and refuses plain http off loopback', () => {
    expect(resolveSource('hf:ggml-org/models/tinyllamas/stories260K.gguf').href).toBe('https://huggingface.co/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf');
    expect(resolveSource('hf:o/r@v1.0/f.gguf').href).toBe('https://huggingface.co/o/r/resolve/v1.0/f.gguf');
    expect(() => resolveSource('http://example.com/m.gguf')).toThrow(/https/);
    expect(() => resolveSource('ftp://localhost/m.gguf')).toThrow();
    expect(() => resolveSource('hf:o/r/../x')).toThrow();
    expect(resolveSource('http://localhost:1/m.gguf').protocol).toBe('http:');
  });
});
