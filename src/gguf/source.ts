import { open, stat, type FileHandle } from 'node:fs/promises';
import { FileError, GgufFormatError } from '../errors.js';

/** Random-access bytes: a file read through a handle with bounded reads, or an in-memory buffer. */
export interface ByteSource {
  readonly size: number;
  readonly path: string | undefined;
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * Opens `path` for bounded reads. Missing file, directory, empty or unreadable file: `FileError` naming the path.
 *
 * @example
 * const src = await openFileSource('model.gguf'); try { await src.read(0, 4) } finally { await src.close() }
 */
export async function openFileSource(path: string): Promise<ByteSource> {
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new FileError('FILE_IS_DIRECTORY', path, 'expected a GGUF file but found a directory');
    size = st.size;
  } catch (e) {
    if (e instanceof FileError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileError('FILE_NOT_FOUND', path, 'file not found', e);
    throw new FileError('FILE_UNREADABLE', path, `cannot read file (${code ?? 'error'})`, e);
  }
  if (size === 0) throw new FileError('FILE_EMPTY', path, 'file is empty (0 bytes), not a GGUF model');
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new FileError('FILE_UNREADABLE', path, `cannot open file (${(e as NodeJS.ErrnoException).code ?? 'error'})`, e);
  }
  return {
    size,
    path,
    async read(offset, length) {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got < length) throw new GgufFormatError('unexpected end of file (file shrank while reading)', offset + got, path);
      return buf;
    },
    close: () => fh.close(),
  };
}

/**
 * Wraps an in-memory buffer as a ByteSource (for tests and for files already in memory).
 *
 * @example
 * const src = bufferSource(readFileSync('model.gguf'))
 */
export function bufferSource(buf: Uint8Array, path?: string): ByteSource {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  return {
    size: b.length,
    path,
    read: async (offset, length) => b.subarray(offset, offset + length),
    close: async () => {},
  };
}

/** First read-ahead window; each refill doubles it up to MAX_CHUNK so big headers take a handful of reads. */
const CHUNK = 1 << 20;
const MAX_CHUNK = 1 << 24;

/** A forward cursor over a ByteSource with a read-ahead window; every read is bounds-checked. */
export class Cursor {
  pos = 0;
  private win: Buffer = Buffer.alloc(0);
  private winStart = 0;
  private chunk = CHUNK;
  constructor(readonly src: ByteSource) {}

  fail(reason: string, at = this.pos): never {
    throw new GgufFormatError(reason, at, this.src.path);
  }

  get remaining(): number {
    return this.src.size - this.pos;
  }

  /** True when `n` bytes at pos are already in the window (no read needed). */
  has(n: number): boolean {
    return this.pos >= this.winStart && this.pos + n <= this.winStart + this.win.length;
  }

  /** Makes `n` bytes at pos available in the window, or fails with "unexpected end of file". */
  async need(n: number, what: string): Promise<void> {
    if (this.has(n)) return;
    if (n > this.remaining) this.fail(`unexpected end of file reading ${what} (${n} bytes needed, ${this.remaining} left)`);
    const len = Math.min(Math.max(n, this.chunk), this.remaining);
    this.chunk = Math.min(this.chunk * 2, MAX_CHUNK);
    this.win = await this.src.read(this.pos, len);
    this.winStart = this.pos;
  }

  /** The current read-ahead window and its file offset, for tight loops that parse it in place. */
  get window(): Buffer { return this.win; }
  get windowStart(): number { return this.winStart; }

  /** Copies `n` bytes at pos (which must be in the window) and advances. */
  take(n: number): Buffer {
    const i = this.at(n);
    return Buffer.from(this.win.subarray(i, i + n));
  }

  private at(n: number): number {
    const i = this.pos - this.winStart;
    this.pos += n;
    return i;
  }
  u8(): number { return this.win.readUInt8(this.at(1)); }
  i8(): number { return this.win.readInt8(this.at(1)); }
  u16(): number { return this.win.readUInt16LE(this.at(2)); }
  i16(): number { return this.win.readInt16LE(this.at(2)); }
  u32(): number { return this.win.readUInt32LE(this.at(4)); }
  i32(): number { return this.win.readInt32LE(this.at(4)); }
  f32(): number { return this.win.readFloatLE(this.at(4)); }
  f64(): number { return this.win.readDoubleLE(this.at(8)); }
  u64(): bigint { return this.win.readBigUInt64LE(this.at(8)); }
  i64(): bigint { return this.win.readBigInt64LE(this.at(8)); }
  utf8(n: number): string {
    const i = this.at(n);
    return this.win.toString('utf8', i, i + n);
  }
}
