// Shared paths for the install and build scripts.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const llamaSrc = path.join(root, 'deps', 'llama.cpp');
/** Shared libraries we link against; copied beside the .node after the build. */
export const libDir = path.join(root, 'deps', 'lib');
export const releaseDir = path.join(root, 'build', 'Release');
export const bundle = path.join(root, 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle');

/** The @node-llama-cpp prebuilt package folder for this platform and backend. */
export function prebuiltDir(backend = 'cpu') {
  const plat = process.platform === 'darwin' ? 'mac' : process.platform === 'win32' ? 'win' : 'linux';
  let name = `${plat}-${process.arch}`;
  if (backend === 'cuda') name += '-cuda';
  else if (backend === 'vulkan') name += '-vulkan';
  else if (backend === 'metal') name += '-metal';
  return path.join(root, 'node_modules', '@node-llama-cpp', name, 'bins', name);
}
