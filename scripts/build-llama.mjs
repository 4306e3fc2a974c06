#!/usr/bin/env node
// npm run build:llama -- --backend cpu|cuda|vulkan|metal [--variants all|native] [--jobs N]
//                        [--build-dir DIR] [--lib-dir DIR] [--no-addon] [--clean]
//
// Builds llama.cpp from the bundled source (deps/llama.cpp, the exact release node-llama-cpp@3.21.1 ships) with
// cmake-js driving llama.cpp's own CMakeLists (cmake-js only adds its CMAKE_JS_* defines, which llama.cpp
// ignores; it needs this Node's headers, which we point it at so nothing is downloaded). The shared libraries
// (libllama, libggml, libggml-base, libllama-common and one dynamically loaded backend library per
// CPU variant / GPU backend, GGML_BACKEND_DL=ON) are installed into deps/lib with a `.source` marker starting
// with "cmake", which the install step then keeps; finally the addon is rebuilt against them.
// The new libraries are staged in a temporary folder and swapped in only after a successful build.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, llamaSrc, libDir as defaultLibDir, BACKENDS } from './paths.mjs';
import { ensureSource, buildAddon } from './install.mjs';

const log = (m) => process.stderr.write(`[onramp build:llama] ${m}\n`);

function parseArgs(argv) {
  const o = { backend: 'cpu', variants: undefined, jobs: os.availableParallelism?.() ?? os.cpus().length, buildDir: undefined, libDir: defaultLibDir, addon: true, clean: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a.startsWith('--backend')) o.backend = val();
    else if (a.startsWith('--variants')) o.variants = val();
    else if (a.startsWith('--jobs')) o.jobs = Number(val());
    else if (a.startsWith('--build-dir')) o.buildDir = path.resolve(val());
    else if (a.startsWith('--lib-dir')) o.libDir = path.resolve(val());
    else if (a === '--no-addon') o.addon = false;
    else if (a === '--clean') o.clean = true;
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!BACKENDS.includes(o.backend)) throw new Error(`--backend must be one of ${BACKENDS.join(', ')}; got ${o.backend}`);
  if (o.backend === 'metal' && process.platform !== 'darwin') throw new Error('--backend metal needs macOS');
  // One library per x86 CPU generation, picked at runtime; elsewhere build for this machine.
  o.variants ??= process.arch === 'x64' && o.backend !== 'metal' ? 'all' : 'native';
  if (!['all', 'native'].includes(o.variants)) throw new Error('--variants must be all or native');
  if (!Number.isInteger(o.jobs) || o.jobs < 1) throw new Error('--jobs must be a positive integer');
  o.buildDir ??= path.join(root, 'deps', `build-llama-${o.backend}`);
  return o;
}

/** -D options for llama.cpp's CMakeLists. */
export function cmakeDefines(backend, variants) {
  const d = {
    CMAKE_BUILD_TYPE: 'Release',
    BUILD_SHARED_LIBS: 'ON',
    GGML_BACKEND_DL: 'ON',
    LLAMA_BUILD_COMMON: 'ON',
    LLAMA_BUILD_TESTS: 'OFF',
    LLAMA_BUILD_TOOLS: 'OFF',
    LLAMA_BUILD_EXAMPLES: 'OFF',
    LLAMA_BUILD_SERVER: 'OFF',
    LLAMA_BUILD_APP: 'OFF',
    LLAMA_OPENSSL: 'OFF',
    GGML_CUDA: backend === 'cuda' ? 'ON' : 'OFF',
    GGML_VULKAN: backend === 'vulkan' ? 'ON' : 'OFF',
    GGML_METAL: backend === 'metal' ? 'ON' : 'OFF',
  };
  if (variants === 'all') {
    d.GGML_NATIVE = 'OFF';
    d.GGML_CPU_ALL_VARIANTS = 'ON';
  } else {
    // llama.cpp refuses GGML_NATIVE with GGML_BACKEND_DL on x86 (its runtime feature check needs the variant's
    // flags), so a build for this machine links the backends into libggml instead of loading them at runtime.
    d.GGML_NATIVE = 'ON';
    d.GGML_BACKEND_DL = 'OFF';
  }
  if (process.platform !== 'win32') d.CMAKE_BUILD_RPATH = process.platform === 'darwin' ? '@loader_path' : '$ORIGIN';
  return d;
}

function findLibs(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'CMakeFiles') walk(p);
      } else if (/^(lib)?(llama|ggml)[\w.-]*\.(so(\.\d+)*|dylib|dll)$/.test(e.name) && !/\.so\.\d+\.\d+\.\d+$/.test(e.name)) {
        out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(fs.readFileSync(new URL(import.meta.url)).toString().split('\n').slice(1, 3).join('\n').replace(/^\/\/ ?/gm, '') + '\n');
    return;
  }
  ensureSource();
  try {
    execFileSync('cmake', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('cmake is not installed (cmake >= 3.14 is needed; e.g. apt-get install cmake, brew install cmake)');
  }
  if (o.clean) fs.rmSync(o.buildDir, { recursive: true, force: true });
  const defines = cmakeDefines(o.backend, o.variants);
  const cmakeJs = path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
  if (!fs.existsSync(cmakeJs)) throw new Error('cmake-js is not installed (devDependency): run npm install');
  // cmake-js wants Node headers: use this Node's own (include/node/node.h beside the binary) so nothing downloads.
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const env = { ...process.env };
  if (!env.npm_config_nodedir && fs.existsSync(path.join(prefix, 'include', 'node', 'node.h'))) env.npm_config_nodedir = prefix;
  const common = ['-d', llamaSrc, '-O', o.buildDir, '-p', String(o.jobs), ...Object.entries(defines).map(([k, v]) => `--CD${k}=${v}`)];
  log(`building llama.cpp (${o.backend}, ${o.variants} CPU variants, ${o.jobs} jobs) in ${o.buildDir}`);
  const t0 = Date.now();
  // Configure every time (cheap, and `cmake-js build` alone skips it when a failed configure left a cache).
  execFileSync(process.execPath, [cmakeJs, 'configure', ...common], { stdio: 'inherit', cwd: root, env });
  execFileSync(process.execPath, [cmakeJs, 'build', ...common], { stdio: 'inherit', cwd: root, env });
  log(`cmake build finished in ${((Date.now() - t0) / 60000).toFixed(1)} min`);

  const libs = findLibs(o.buildDir);
  if (!libs.some((f) => /libllama\./.test(path.basename(f)))) throw new Error(`no libllama found under ${o.buildDir}`);
  const staging = `${o.libDir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  for (const f of libs) fs.copyFileSync(f, path.join(staging, path.basename(f))); // dereferences soname links
  let commit = '';
  try {
    commit = execFileSync('git', ['-C', llamaSrc, 'rev-parse', '--short', 'HEAD']).toString().trim();
  } catch {}
  fs.writeFileSync(path.join(staging, '.source'), `cmake ${o.backend} variants=${o.variants} llama.cpp=${commit} ${new Date().toISOString()}\n`);
  const old = `${o.libDir}.old-${process.pid}`;
  if (fs.existsSync(o.libDir)) fs.renameSync(o.libDir, old);
  fs.renameSync(staging, o.libDir);
  fs.rmSync(old, { recursive: true, force: true });
  log(`installed ${libs.length} libraries into ${o.libDir}: ${libs.map((f) => path.basename(f)).sort().join(' ')}`);
  if (o.addon && o.libDir === defaultLibDir) {
    log('rebuilding the addon against them');
    buildAddon();
  } else if (o.addon) {
    log(`--lib-dir is not deps/lib: the addon was not rebuilt`);
  }
}

try {
  main();
} catch (e) {
  log(`failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
