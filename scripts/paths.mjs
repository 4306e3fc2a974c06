// Shared paths for the install and build scripts.
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const llamaSrc = path.join(root, 'deps', 'llama.cpp');
/** Shared libraries we link against; copied beside the .node after the build. */
export const libDir = path.join(root, 'deps', 'lib');
export const releaseDir = path.join(root, 'build', 'Release');
export const bundle = path.join(root, 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle');

/** The backends a user can ask for (ONRAMP_BACKEND, build:llama --backend). */
export const BACKENDS = ['cpu', 'cuda', 'vulkan', 'metal'];

/** The @node-llama-cpp package name (without scope) holding prebuilt libraries for this platform and backend. */
export function prebuiltName(backend = 'cpu', platform = process.platform, arch = process.arch) {
  if (platform === 'darwin') return arch === 'arm64' ? 'mac-arm64-metal' : 'mac-x64';
  const plat = platform === 'win32' ? 'win' : 'linux';
  const suffix = backend === 'cuda' ? '-cuda' : backend === 'vulkan' ? '-vulkan' : '';
  return `${plat}-${arch}${suffix}`;
}

/** The folder of prebuilt libraries for a backend, or undefined when that package is not installed. */
export function prebuiltDir(backend = 'cpu') {
  const name = prebuiltName(backend);
  const dir = path.join(root, 'node_modules', '@node-llama-cpp', name, 'bins', name);
  return fs.existsSync(dir) ? dir : undefined;
}

/** Shared-library file names we stage and copy (versioned prebuilt names and plain cmake names). */
export const isSharedLib = (f) => /\.(so|dylib|dll)$/.test(f) || /\.so\.\d/.test(f);
