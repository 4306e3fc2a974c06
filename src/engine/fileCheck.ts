import fs from 'node:fs';
import path from 'node:path';
import { FileError, GgufFormatError, InvalidArgumentError } from '../errors.js';
import { validateGguf, type GgufFile } from '../gguf/index.js';

/**
 * Checks that `file` is a readable, non-empty regular file starting with the GGUF magic, and returns its
 * absolute path and size. Full structural validation is `validateGguf` (src/gguf); this is the cheap part
 * every entry point runs first so that a wrong path gets a message naming it.
 *
 * @example
 * const { absPath, size } = await checkModelFile('models/qwen.gguf', 'path')
 */
export async function checkModelFile(file: unknown, param: string): Promise<{ absPath: string; size: number }> {
  if (typeof file !== 'string' || file.length === 0) throw new InvalidArgumentError(param, 'must be a non-empty file path');
  const absPath = path.resolve(file);
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(absPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileError('FILE_NOT_FOUND', absPath, 'model file not found', e);
    throw new FileError('FILE_UNREADABLE', absPath, `cannot read the model file (${code ?? 'error'})`, e);
  }
  if (st.isDirectory()) throw new FileError('FILE_IS_DIRECTORY', absPath, 'expected a GGUF file, got a directory');
  if (st.size === 0) throw new FileError('FILE_EMPTY', absPath, 'the model file is empty');
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(absPath, 'r');
    const buf = Buffer.alloc(4);
    const { bytesRead } = await fh.read(buf, 0, 4, 0);
    if (bytesRead < 4 || buf.toString('latin1') !== 'GGUF') throw new GgufFormatError('not a GGUF file (bad magic)', 0, absPath);
  } catch (e) {
    if (e instanceof GgufFormatError) throw e;
    throw new FileError('FILE_UNREADABLE', absPath, 'cannot read the model file', e);
  } finally {
    await fh?.close();
  }
  return { absPath, size: st.size };
}

/**
 * `checkModelFile` plus the full structural validation of `validateGguf` (counts, offsets, types, every tensor
 * inside the file), so llama.cpp never opens a malformed file. Returns the parsed header too.
 *
 * @example
 * const { absPath, gguf } = await preflightModel('model.gguf', 'path')
 */
export async function preflightModel(file: unknown, param: string): Promise<{ absPath: string; size: number; gguf: GgufFile }> {
  const r = await checkModelFile(file, param);
  const gguf = await validateGguf(r.absPath);
  return { ...r, gguf };
}
