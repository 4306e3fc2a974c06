import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeError } from '../errors.js';
import type { AddonBinding } from './AddonTypes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Project root: src/native or dist/native, two levels up. */
export const packageRoot = path.resolve(here, '..', '..');
/** Folder holding onramp.node and the llama.cpp shared libraries (rpath $ORIGIN). */
export const nativeDir = process.env.ONRAMP_NATIVE_DIR ?? path.join(packageRoot, 'build', 'Release');

let cached: AddonBinding | undefined;

/**
 * Loads the native addon once and the ggml backends beside it (best CPU variant, GPU backends).
 * Every failure becomes one `NativeError` that says what to run.
 *
 * @example
 * const addon = loadBinding()
 * console.log(addon.listDevices())
 */
export function loadBinding(): AddonBinding {
  if (cached) return cached;
  const file = path.join(nativeDir, 'onramp.node');
  if (!existsSync(file)) {
    throw new NativeError(`native addon not built: ${file} is missing; run \`npm install\` (or \`npm run build:native\`)`);
  }
  try {
    const require = createRequire(import.meta.url);
    const addon = require(file) as AddonBinding;
    const level = process.env.ONRAMP_LLAMA_LOG;
    addon.setLogLevel(level === 'debug' ? 0 : level === 'info' ? 1 : level === 'warn' ? 2 : level === 'none' ? 4 : 3);
    addon.init(nativeDir);
    cached = addon;
    return addon;
  } catch (e) {
    throw new NativeError(`failed to load the native addon ${file}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}
