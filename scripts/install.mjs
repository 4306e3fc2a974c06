#!/usr/bin/env node
// Install step (npm install / npm ci), safe to re-run:
//   1. clone llama.cpp's source from node-llama-cpp's bundle into deps/llama.cpp (headers, vocab files),
//   2. stage the prebuilt shared libraries of this platform into deps/lib (ONRAMP_BACKEND=cpu|cuda|vulkan|metal
//      picks the @node-llama-cpp package; a build:llama build there is kept),
//   3. build the addon with node-gyp and copy the libraries beside it (rpath $ORIGIN),
//   4. compile the TypeScript.
// Usage: node scripts/install.mjs [all|native|source|libs|addon|ts]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root, llamaSrc, libDir, releaseDir, bundle, prebuiltDir, prebuiltName, BACKENDS, isSharedLib } from './paths.mjs';

const log = (m) => process.stderr.write(`[onramp install] ${m}\n`);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });

class InstallError extends Error {}

function sourceStamp() {
  const st = fs.statSync(bundle);
  return `${st.size} ${Math.trunc(st.mtimeMs)}`;
}

/** Clones the bundled llama.cpp source once (again when node-llama-cpp's bundle changed). Atomic. */
export function ensureSource() {
  const stampFile = path.join(llamaSrc, '.onramp-bundle');
  const haveSource = fs.existsSync(path.join(llamaSrc, 'include', 'llama.h'));
  if (!fs.existsSync(bundle)) {
    if (haveSource) {
      log(`warning: ${path.relative(root, bundle)} is missing; keeping the existing deps/llama.cpp`);
      return;
    }
    throw new InstallError(
      `llama.cpp source bundle not found at ${bundle}.\n` +
        `  It ships with node-llama-cpp@3.21.1: run \`npm install\` (or \`npm ci\`) in ${root} first.\n` +
        `  With --ignore-scripts, run \`npm run build\` afterwards.`,
    );
  }
  const stamp = sourceStamp();
  if (haveSource && !fs.existsSync(stampFile)) {
    fs.writeFileSync(stampFile, stamp); // cloned by an older install: adopt it
    return;
  }
  if (haveSource && fs.readFileSync(stampFile, 'utf8') === stamp) return;
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new InstallError('git is required to unpack the llama.cpp source bundle (install git and re-run `npm run build`)');
  }
  log(`cloning llama.cpp source from ${path.relative(root, bundle)}`);
  const tmp = `${llamaSrc}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(llamaSrc), { recursive: true });
  try {
    run('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', bundle, tmp]);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new InstallError(`git clone of ${bundle} failed: ${e.message}`);
  }
  fs.writeFileSync(path.join(tmp, '.onramp-bundle'), stamp);
  fs.rmSync(llamaSrc, { recursive: true, force: true });
  fs.renameSync(tmp, llamaSrc);
}

/** The backend asked for through ONRAMP_BACKEND (default cpu; metal is the default package on Apple silicon). */
export function requestedBackend() {
  const b = (process.env.ONRAMP_BACKEND ?? 'cpu').trim().toLowerCase();
  if (!BACKENDS.includes(b)) throw new InstallError(`ONRAMP_BACKEND=${b} is not one of ${BACKENDS.join(', ')}`);
  return b;
}

/** Copies src -> dst through a temporary name, so a process that has dst mapped keeps its old inode. */
function copyAtomic(src, dst) {
  const a = fs.statSync(src);
  if (fs.existsSync(dst)) {
    const b = fs.statSync(dst);
    if (a.size === b.size && Math.trunc(a.mtimeMs) === Math.trunc(b.mtimeMs)) return false;
  }
  const tmp = `${dst}.tmp-${process.pid}`;
  fs.copyFileSync(src, tmp);
  fs.utimesSync(tmp, a.atime, a.mtime);
  fs.renameSync(tmp, dst);
  return true;
}

/** Stages the prebuilt libraries of the requested backend into deps/lib (no-op when already there). */
export function stagePrebuilt(backend = requestedBackend()) {
  const marker = path.join(libDir, '.source');
  const current = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '';
  if (current.startsWith('cmake')) {
    log(`deps/lib holds a build:llama build (${current.trim()}); keeping it (delete deps/lib to go back to the prebuilt libraries)`);
    return;
  }
  let src = prebuiltDir(backend);
  let used = backend;
  if (!src && backend !== 'cpu') {
    log(`warning: @node-llama-cpp/${prebuiltName(backend)} is not installed; using the CPU libraries (for ${backend}, install that package or run \`npm run build:llama -- --backend ${backend}\`)`);
    src = prebuiltDir('cpu');
    used = 'cpu';
  }
  if (!src) {
    throw new InstallError(
      `no prebuilt llama.cpp libraries for ${process.platform}-${process.arch}: @node-llama-cpp/${prebuiltName('cpu')} is not installed.\n` +
        '  Build them from source instead: npm run build:llama -- --backend cpu',
    );
  }
  const want = `prebuilt ${used} ${src}\n`;
  const files = fs.readdirSync(src).filter(isSharedLib);
  if (current === want && files.every((f) => fs.existsSync(path.join(libDir, f)))) return;
  fs.mkdirSync(libDir, { recursive: true });
  for (const f of fs.readdirSync(libDir)) {
    if (isSharedLib(f) && !files.includes(f)) fs.rmSync(path.join(libDir, f));
  }
  for (const f of files) copyAtomic(path.join(src, f), path.join(libDir, f));
  fs.writeFileSync(marker, want);
  log(`staged prebuilt ${used} libraries from ${path.relative(root, src)}`);
}

export function buildAddon() {
  const gyp = path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!fs.existsSync(gyp)) throw new InstallError('node-gyp is not installed (it is a devDependency): run `npm install` without --omit=dev');
  if (!fs.readdirSync(libDir).some((f) => /^libllama[.-]/.test(f))) throw new InstallError(`no libllama in ${libDir}; run \`npm run build\` again`);
  // Build against this Node's own headers when they are installed (no download).
  const args = [];
  const local = path.resolve(path.dirname(process.execPath), '..');
  const nodedir = process.env.npm_config_nodedir || (fs.existsSync(path.join(local, 'include', 'node', 'common.gypi')) ? local : '');
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  try {
    run(process.execPath, [gyp, 'configure', ...args]);
    run(process.execPath, [gyp, 'build', '-j', 'max']);
  } catch (e) {
    throw new InstallError(`node-gyp failed (a C++17 compiler, make and python3 are needed): ${e.message}`);
  }
  copyLibs();
}

/** Mirrors deps/lib beside build/Release/onramp.node (stale libraries removed, changed ones replaced atomically). */
export function copyLibs() {
  fs.mkdirSync(releaseDir, { recursive: true });
  const libs = fs.readdirSync(libDir).filter(isSharedLib);
  for (const f of fs.readdirSync(releaseDir)) {
    if (/^lib(llama|ggml)/.test(f) && isSharedLib(f) && !libs.includes(f)) fs.rmSync(path.join(releaseDir, f));
  }
  for (const f of libs) copyAtomic(path.join(libDir, f), path.join(releaseDir, f));
}

export function compileTs() {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!fs.existsSync(tsc)) throw new InstallError('typescript is not installed (devDependency): run `npm install` without --omit=dev');
  run(process.execPath, [tsc, '-p', 'tsconfig.json']);
}

const STEPS = {
  all: [ensureSource, stagePrebuilt, buildAddon, compileTs],
  native: [ensureSource, stagePrebuilt, buildAddon],
  source: [ensureSource],
  libs: [stagePrebuilt],
  addon: [buildAddon],
  ts: [compileTs],
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const step = process.argv[2] ?? 'all';
  const steps = STEPS[step];
  if (!steps) {
    log(`unknown step "${step}"; one of ${Object.keys(STEPS).join(', ')}`);
    process.exit(2);
  }
  try {
    for (const s of steps) s();
  } catch (e) {
    log(`failed: ${e instanceof InstallError ? e.message : e instanceof Error ? e.stack ?? e.message : String(e)}`);
    process.exit(1);
  }
}
