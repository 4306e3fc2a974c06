import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { isLoopback } from '../../config/index.js';
import { InvalidArgumentError, OnrampError } from '../../errors.js';

/** Result of a pull. */
export interface PullResult {
  path: string;
  bytes: number;
  sha256: string;
  /** Bytes that were already on disk in the .part file and not downloaded again. */
  resumedFrom: number;
  url: string;
}

export interface PullOptions {
  /** Output directory (default ./models). */
  dir?: string;
  /** File name (default: the last path segment of the URL). */
  name?: string;
  /** Expected SHA-256 (hex); a mismatch deletes the download and throws. */
  sha256?: string;
  /** Progress callback (bytes so far, total or undefined). */
  onProgress?: (done: number, total: number | undefined) => void;
  /** Extra request headers (e.g. Authorization for private Hugging Face repos). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Turns `hf:owner/repo/path/file.gguf` (optionally `hf:owner/repo@revision/file`) into the Hugging Face
 * download URL; https URLs pass through; http only to loopback hosts.
 *
 * @example
 * resolveSource('hf:ggml-org/models/tinyllamas/stories260K.gguf')
 * // https://huggingface.co/ggml-org/models/resolve/main/tinyllamas/stories260K.gguf
 */
export function resolveSource(source: string): URL {
  const hf = /^hf:([^/\s]+)\/([^/@\s]+)(?:@([^/\s]+))?\/(.+)$/.exec(source);
  if (hf) {
    const [, owner, repo, rev, file] = hf as unknown as [string, string, string, string | undefined, string];
    if (file.split('/').some((s) => s === '..' || s === '')) throw new InvalidArgumentError('source', 'the file path must not contain empty or ".." segments');
    return new URL(`https://huggingface.co/${owner}/${repo}/resolve/${encodeURIComponent(rev ?? 'main')}/${file.split('/').map(encodeURIComponent).join('/')}`);
  }
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new InvalidArgumentError('source', 'expected an https:// URL or hf:owner/repo/file');
  }
  checkProtocol(url);
  return url;
}

function checkProtocol(url: URL): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return;
  throw new InvalidArgumentError('source', `only https:// downloads are allowed (http:// only on loopback), got ${url.protocol}//${url.host}`);
}

function fileNameOf(url: URL): string {
  const last = decodeURIComponent(url.pathname.split('/').filter(Boolean).pop() ?? '');
  const safe = last.replace(/[^A-Za-z0-9._-]/g, '_');
  if (!safe || safe === '.' || safe === '..') throw new InvalidArgumentError('source', 'cannot derive a file name from the URL; pass --name');
  return safe;
}

/** GET with manual redirects so that an https download can never be redirected to plain http. */
async function get(url: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<{ res: Response; url: URL }> {
  let current = url;
  for (let hop = 0; hop < 10; hop++) {
    const sameHost = current.host === url.host;
    const res = await fetch(current, { headers: sameHost ? headers : { ...(headers['range'] ? { range: headers['range'] } : {}) }, redirect: 'manual', ...(signal ? { signal } : {}) });
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel();
      current = new URL(res.headers.get('location') ?? '', current);
      checkProtocol(current);
      continue;
    }
    return { res, url: current };
  }
  throw new OnrampError('DOWNLOAD', 'too many redirects');
}

async function hashFile(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

/**
 * Downloads a model file resumably: bytes go to `<name>.part`; a later call continues with an HTTP Range request
 * (a server that ignores Range restarts it); the SHA-256 is checked before the final rename.
 *
 * @example
 * const r = await pullModel('hf:ggml-org/models/tinyllamas/stories260K.gguf', { dir: 'models' })
 */
export async function pullModel(source: string, opts: PullOptions = {}): Promise<PullResult> {
  const url = resolveSource(source);
  const want = opts.sha256?.toLowerCase();
  if (want !== undefined && !/^[0-9a-f]{64}$/.test(want)) throw new InvalidArgumentError('sha256', 'expected 64 hex characters');
  const dir = path.resolve(opts.dir ?? 'models');
  const name = opts.name ?? fileNameOf(url);
  if (name.includes('/') || name.includes('\\') || name === '..') throw new InvalidArgumentError('name', 'must be a plain file name');
  const final = path.join(dir, name);
  const part = `${final}.part`;
  await mkdir(dir, { recursive: true });
  const have = await stat(part).then((s) => s.size, () => 0);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (have > 0) headers['range'] = `bytes=${have}-`;
  const { res, url: finalUrl } = await get(url, headers, opts.signal);
  const hash = createHash('sha256');
  let start = 0;
  let total: number | undefined;
  if (res.status === 206 && have > 0) {
    start = have;
    const range = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
    total = range ? Number(range[1]) : undefined;
    await hashFile(part, hash);
  } else if (res.status === 416 && have > 0) {
    await res.body?.cancel();
    await hashFile(part, hash);
    return finish(part, final, have, hash.digest('hex'), want, have, finalUrl);
  } else if (res.status === 200) {
    const len = Number(res.headers.get('content-length'));
    total = Number.isFinite(len) && len > 0 ? len : undefined;
  } else {
    await res.body?.cancel();
    throw new OnrampError('DOWNLOAD', `download failed: HTTP ${res.status} from ${finalUrl.host}`, { details: { status: res.status } });
  }
  if (!res.body) throw new OnrampError('DOWNLOAD', 'empty response body');
  let done = start;
  opts.onProgress?.(done, total);
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      done += chunk.length;
      opts.onProgress?.(done, total);
      cb(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), meter, createWriteStream(part, { flags: start > 0 ? 'a' : 'w' }));
  if (total !== undefined && done !== total) throw new OnrampError('DOWNLOAD', `download ended early: ${done} of ${total} bytes (run the command again to resume)`);
  return finish(part, final, done, hash.digest('hex'), want, start, finalUrl);
}

async function finish(part: string, final: string, bytes: number, sha: string, want: string | undefined, resumedFrom: number, url: URL): Promise<PullResult> {
  if (want !== undefined && sha !== want) {
    await rm(part, { force: true });
    throw new OnrampError('CHECKSUM', `sha256 mismatch: expected ${want}, got ${sha}; the download was deleted`, { param: 'sha256' });
  }
  await rename(part, final);
  return { path: final, bytes, sha256: sha, resumedFrom, url: `${url.origin}${url.pathname}` };
}

/**
 * `onramp pull <https-url | hf:owner/repo/file> [-o dir] [--sha256 hex] [--json]`.
 *
 * @example
 * onramp pull hf:ggml-org/models/tinyllamas/stories260K.gguf -o models
 */
export function register(program: Command): void {
  program
    .command('pull')
    .description('download a GGUF model (resumable, progress bar, sha256 check)')
    .argument('<source>', 'https:// URL or hf:owner/repo/path/file.gguf (hf:owner/repo@revision/file for a revision)')
    .option('-o, --output <dir>', 'output directory', 'models')
    .option('--name <file>', 'output file name (default: from the URL)')
    .option('--sha256 <hex>', 'expected SHA-256; a mismatch deletes the download')
    .option('--json', 'print one JSON document with the result')
    .action(async (source: string, flags: { output: string; name?: string; sha256?: string; json?: boolean }) => {
      const url = resolveSource(source);
      const token = process.env['HF_TOKEN'];
      const bar = process.stderr.isTTY && !flags.json ? new SingleBar({ format: ' {bar} {percentage}% | {value}/{total} MB | {eta_formatted}', hideCursor: true, stream: process.stderr }) : undefined;
      let started = false;
      const r = await pullModel(source, {
        dir: flags.output,
        ...(flags.name ? { name: flags.name } : {}),
        ...(flags.sha256 ? { sha256: flags.sha256 } : {}),
        ...(token && url.hostname === 'huggingface.co' ? { headers: { authorization: `Bearer ${token}` } } : {}),
        onProgress: (done, total) => {
          if (!bar) return;
          const mb = (n: number): number => Math.round(n / 1e5) / 10;
          if (!started) {
            bar.start(total ? mb(total) : 0, mb(done));
            started = true;
          } else bar.update(mb(done));
        },
      }).finally(() => bar?.stop());
      if (flags.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else process.stdout.write(`${r.path} (${r.bytes} bytes${r.resumedFrom ? `, resumed at ${r.resumedFrom}` : ''})\nsha256 ${r.sha256}\n`);
    });
}
