import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { FileError, OnrampError } from '../errors.js';

/**
 * Resolves `path` (symlinks included) and checks that it lies inside one of `dirs` (also resolved), so an
 * HTTP caller cannot make the server open `/etc/passwd` or `../../secret.gguf`. Returns the real path.
 *
 * @example
 * const real = await confinePath(body.path, ['/srv/adapters'], 'path')
 */
export async function confinePath(path: string, dirs: string[], param: string): Promise<string> {
  if (dirs.length === 0) throw new OnrampError('FORBIDDEN', 'no directory is configured for files loaded over HTTP', { param });
  let real: string;
  try {
    real = await realpath(resolve(dirs[0] ?? '.', path));
  } catch (e) {
    throw new FileError('FILE_NOT_FOUND', path, 'no such file', e);
  }
  for (const d of dirs) {
    let root: string;
    try {
      root = await realpath(d);
    } catch {
      continue;
    }
    const rel = relative(root, real);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return real;
  }
  throw new OnrampError('FORBIDDEN', 'the path is outside the allowed directories', { param });
}
