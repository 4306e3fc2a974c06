/**
 * Embeddings computed once and kept on disk, addressed by content: key = sha256(model sha256, pooling,
 * normalize, text). One append-only file per model/pooling under `<cache>/embeddings/`, loaded into memory on
 * open, so retraining a head on the same data costs no model pass at all.
 *
 * Record layout (little-endian): 32-byte key, u32 rows, u32 dim, rows x dim float32. A torn last record (a crash
 * mid-append) is ignored on load.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import path from 'node:path';
import type { EngineLike, Pooling } from '../../engine/types.js';
import { cacheDir, type ModelIdentity } from './identity.js';

const LE = endianness() === 'LE';

/** Pooled inputs have one row; pooling 'none' has one row per token. */
export type EmbeddingRows = Float32Array[];

/**
 * A content-addressed embedding store for one model + pooling + normalization.
 *
 * @example
 * const cache = await EmbeddingCache.open(identity)
 * cache.get('hello') ?? (await cache.put([['hello', rows]]))
 */
export class EmbeddingCache {
  private readonly map = new Map<string, EmbeddingRows>();

  private constructor(
    private readonly prefix: string,
    /** The backing file, or null for memory only. */
    readonly file: string | null,
  ) {}

  /** Opens (and loads) the cache of a model identity; `dir: null` keeps it in memory only. */
  static async open(id: Pick<ModelIdentity, 'sha256' | 'pooling' | 'normalize'>, dir: string | null = path.join(cacheDir(), 'embeddings')): Promise<EmbeddingCache> {
    const prefix = `${id.sha256}|${id.pooling}|${id.normalize ? 1 : 0}|`;
    const file = dir === null ? null : path.join(dir, `${id.sha256.slice(0, 16)}-${id.pooling}-${id.normalize ? 'n' : 'u'}.bin`);
    const cache = new EmbeddingCache(prefix, file);
    if (file) await cache.load(file);
    return cache;
  }

  get size(): number {
    return this.map.size;
  }

  private key(text: string): string {
    return createHash('sha256').update(this.prefix).update(text).digest('hex');
  }

  private async load(file: string): Promise<void> {
    let buf: Buffer;
    try {
      buf = await readFile(file);
    } catch {
      return;
    }
    let off = 0;
    while (off + 40 <= buf.length) {
      const key = buf.toString('hex', off, off + 32);
      const rows = buf.readUInt32LE(off + 32);
      const dim = buf.readUInt32LE(off + 36);
      const end = off + 40 + rows * dim * 4;
      if (end > buf.length) break;
      let data: Float32Array;
      if (LE) data = new Float32Array(buf.buffer.slice(buf.byteOffset + off + 40, buf.byteOffset + end));
      else {
        data = new Float32Array(rows * dim);
        for (let i = 0; i < rows * dim; i++) data[i] = buf.readFloatLE(off + 40 + i * 4);
      }
      const out: EmbeddingRows = [];
      for (let r = 0; r < rows; r++) out.push(data.subarray(r * dim, (r + 1) * dim));
      this.map.set(key, out);
      off = end;
    }
  }

  /** The cached rows of a text, if any. */
  get(text: string): EmbeddingRows | undefined {
    return this.map.get(this.key(text));
  }

  /** Stores rows for texts (memory, and appended to the file in one write). */
  async put(entries: [string, EmbeddingRows][]): Promise<void> {
    const parts: Buffer[] = [];
    for (const [text, rows] of entries) {
      const key = this.key(text);
      if (this.map.has(key)) continue;
      this.map.set(key, rows);
      const dim = rows[0]?.length ?? 0;
      const b = Buffer.alloc(40 + rows.length * dim * 4);
      b.write(key, 0, 'hex');
      b.writeUInt32LE(rows.length, 32);
      b.writeUInt32LE(dim, 36);
      let o = 40;
      for (const r of rows) for (let i = 0; i < dim; i++, o += 4) b.writeFloatLE(r[i]!, o);
      parts.push(b);
    }
    if (!this.file || parts.length === 0) return;
    await mkdir(path.dirname(this.file), { recursive: true });
    await appendFile(this.file, Buffer.concat(parts));
  }
}

export interface EmbedManyOptions {
  pooling: Pooling;
  normalize: boolean;
  cache?: EmbeddingCache | undefined;
  /** Texts per engine.embed call (default 64). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Embeds texts through the engine, reusing and filling the cache. Duplicate texts are embedded once.
 * Returns rows per text (one row when pooled, one per token for pooling 'none').
 *
 * @example
 * const rows = await embedMany(engine, texts, { pooling: 'mean', normalize: true, cache })
 */
export async function embedMany(engine: Pick<EngineLike, 'embed'>, texts: string[], opts: EmbedManyOptions): Promise<EmbeddingRows[]> {
  const out: (EmbeddingRows | undefined)[] = texts.map((t) => opts.cache?.get(t));
  const missing = [...new Set(texts.filter((_, i) => out[i] === undefined))];
  const got = new Map<string, EmbeddingRows>();
  const bs = Math.max(1, opts.batchSize ?? 64);
  let done = texts.length - texts.filter((_, i) => out[i] === undefined).length;
  opts.onProgress?.(done, texts.length);
  const counts = new Map<string, number>();
  for (let i = 0; i < texts.length; i++) if (out[i] === undefined) counts.set(texts[i]!, (counts.get(texts[i]!) ?? 0) + 1);
  for (let s = 0; s < missing.length; s += bs) {
    const chunk = missing.slice(s, s + bs);
    const res = await engine.embed(chunk, {
      pooling: opts.pooling,
      normalize: opts.normalize,
      truncate: true,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const entries: [string, EmbeddingRows][] = chunk.map((t, i) => {
      const e = res[i]?.embedding;
      const rows = e === undefined ? [] : Array.isArray(e) ? e : [e];
      got.set(t, rows);
      return [t, rows];
    });
    await opts.cache?.put(entries);
    for (const t of chunk) done += counts.get(t) ?? 1;
    opts.onProgress?.(done, texts.length);
  }
  return out.map((r, i) => r ?? got.get(texts[i]!) ?? []);
}
