/**
 * The identity of the embeddings a head was trained on: the GGUF file's sha256, n_embd, pooling and
 * normalization. The file hash is computed once per file and cached by path + size + mtime (in memory and in
 * `<cache>/model-hashes.json`), so a 4 GB model is hashed once, not at every load.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileError, HeadModelMismatchError } from '../../errors.js';
import type { ModelInfo, Pooling } from '../../engine/types.js';

/** Which embeddings a head expects. */
export interface ModelIdentity {
  /** sha256 of the GGUF file, hex. */
  sha256: string;
  nEmbd: number;
  pooling: Pooling;
  /** Whether vectors were L2-normalized. */
  normalize: boolean;
  /** File name the head was trained with (informative only). */
  file?: string;
}

/**
 * The onramp cache folder: $ONRAMP_CACHE_DIR, else `.cache` under the working directory.
 *
 * @example
 * path.join(cacheDir(), 'embeddings')
 */
export function cacheDir(): string {
  return process.env.ONRAMP_CACHE_DIR ?? path.resolve('.cache');
}

const memo = new Map<string, string>();

/**
 * sha256 of a file, cached by absolute path + size + mtime.
 *
 * @example
 * const hex = await fileSha256('/models/stories260K.gguf')
 */
export async function fileSha256(file: string): Promise<string> {
  const abs = path.resolve(file);
  let st;
  try {
    st = await stat(abs);
  } catch (e) {
    throw new FileError('FILE_NOT_FOUND', abs, 'cannot stat model file', e);
  }
  if (st.isDirectory()) throw new FileError('FILE_IS_DIRECTORY', abs, 'expected a file');
  const key = `${abs}|${st.size}|${st.mtimeMs}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const store = path.join(cacheDir(), 'model-hashes.json');
  let disk: Record<string, string> = {};
  try {
    disk = JSON.parse(await readFile(store, 'utf8')) as Record<string, string>;
  } catch {
    disk = {};
  }
  const cached = disk[key];
  if (typeof cached === 'string' && /^[0-9a-f]{64}$/.test(cached)) {
    memo.set(key, cached);
    return cached;
  }
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    createReadStream(abs)
      .on('data', (c) => hash.update(c))
      .on('end', () => resolve())
      .on('error', (e) => reject(new FileError('FILE_UNREADABLE', abs, 'cannot read model file', e)));
  });
  const hex = hash.digest('hex');
  memo.set(key, hex);
  try {
    await mkdir(path.dirname(store), { recursive: true });
    const tmp = `${store}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ ...disk, [key]: hex }, null, 1));
    await rename(tmp, store);
  } catch {
    // the cache is an optimisation; a read-only folder must not fail the caller
  }
  return hex;
}

/**
 * The identity of a loaded model's embeddings.
 *
 * @example
 * const id = await modelIdentity(engine.modelInfo, { pooling: 'mean' })
 */
export async function modelIdentity(info: Pick<ModelInfo, 'path' | 'embeddingLength'>, opts: { pooling?: Pooling; normalize?: boolean } = {}): Promise<ModelIdentity> {
  return {
    sha256: await fileSha256(info.path),
    nEmbd: info.embeddingLength,
    pooling: opts.pooling ?? 'mean',
    normalize: opts.normalize ?? true,
    file: path.basename(info.path),
  };
}

/**
 * Throws HeadModelMismatchError unless `actual` is the model the head was trained on.
 *
 * @example
 * assertSameModel(head.model, await modelIdentity(engine.modelInfo, { pooling: head.model.pooling }))
 */
export function assertSameModel(expected: ModelIdentity, actual: ModelIdentity): void {
  if (expected.sha256 !== actual.sha256) throw new HeadModelMismatchError('sha256', expected.sha256, actual.sha256);
  if (expected.nEmbd !== actual.nEmbd) throw new HeadModelMismatchError('nEmbd', expected.nEmbd, actual.nEmbd);
  if (expected.pooling !== actual.pooling) throw new HeadModelMismatchError('pooling', expected.pooling, actual.pooling);
}
