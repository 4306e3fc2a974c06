#!/usr/bin/env node
// Install step (npm install / npm ci): 1. clone llama.cpp's source from node-llama-cpp's bundle (headers),
// 2. stage the prebuilt shared libraries of this platform into deps/lib (unless build:llama put its own
// there), 3. build the addon with node-gyp and copy the libraries beside it, 4. compile the TypeScript.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root, llamaSrc, libDir, releaseDir, bundle, prebuiltDir } from './paths.mjs';

const log = (m) => process.stderr.write(`[onramp install] ${m}\n`);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
const step = process.argv[2] ?? 'all';

export function ensureSource() {
  if (fs.existsSync(path.join(llamaSrc, 'include', 'llama.h'))) return;
  if (!fs.existsSync(bundle)) throw new Error(`llama.cpp source bundle not found at ${bundle}; run npm install first`);
  log(`cloning llama.cpp source from ${path.relative(root, bundle)}`);
  fs.rmSync(llamaSrc, { recursive: true, force: true });
  run('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', bundle, llamaSrc]);
}

export function stagePrebuilt(backend = process.env.ONRAMP_BACKEND ?? 'cpu') {
  const marker = path.join(libDir, '.source');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').startsWith('cmake')) {
    log('deps/lib holds a build:llama build; keeping it');
    return;
  }
  const src = prebuiltDir(backend);
  if (!fs.existsSync(src)) throw new Error(`no prebuilt llama.cpp libraries for ${process.platform}-${process.arch} (${backend}) at ${src}; run npm run build:llama`);
  fs.rmSync(libDir, { recursive: true, force: true });
  fs.mkdirSync(libDir, { recursive: true });
  for (const f of fs.readdirSync(src)) {
    if (/\.(so|dylib|dll)$/.test(f) || /\.so\./.test(f)) fs.copyFileSync(path.join(src, f), path.join(libDir, f));
  }
  fs.writeFileSync(marker, `prebuilt ${backend} ${src}\n`);
  log(`staged prebuilt ${backend} libraries from ${path.relative(root, src)}`);
}

export function buildAddon() {
  const gyp = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  // Build against this Node's own headers when they are installed (no download), as npm is set to do.
  const args = [];
  const local = path.resolve(path.dirname(process.execPath), '..');
  const nodedir = process.env.npm_config_nodedir || (fs.existsSync(path.join(local, 'include', 'node', 'common.gypi')) ? local : '');
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  run(process.execPath, [gyp, 'configure', ...args]);
  run(process.execPath, [gyp, 'build', '-j', 'max']);
  copyLibs();
}

export function copyLibs() {
  fs.mkdirSync(releaseDir, { recursive: true });
  for (const f of fs.readdirSync(releaseDir)) {
    if (/^lib(llama|ggml)/.test(f)) fs.rmSync(path.join(releaseDir, f));
  }
  for (const f of fs.readdirSync(libDir)) {
    if (f.startsWith('.')) continue;
    fs.copyFileSync(path.join(libDir, f), path.join(releaseDir, f));
  }
}

export function compileTs() {
  run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    if (step === 'all' || step === 'native') {
      ensureSource();
      stagePrebuilt();
      buildAddon();
    }
    if (step === 'all' || step === 'ts') compileTs();
  } catch (e) {
    log(`failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
