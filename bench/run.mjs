#!/usr/bin/env node
// `npm run bench [-- <name> ...] [-- --quick]`: runs the benchmarks one after another (never in parallel: they
// compare ratios measured in one run and must not compete for the CPU). Without names it runs them all.
// Each benchmark's own flags, defaults and output are documented at the top of its file and in bench/README.md;
// results and exact commands are recorded in docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

/** name -> [script, args]; the order puts the cheap, model-free ones first. */
const benches = {
  safety: ['safety.mjs', []],
  'safety-natural': ['safety.mjs', ['--corpus', 'natural']],
  'safety-eval': ['safety-eval.mjs', []],
  load: ['load.mjs', []],
  engine: ['engine.mjs', []],
  lora: ['lora.mjs', []],
  tasks: ['tasks.mjs', []],
  heads: ['heads.mjs', []],
  'heads-ner': ['heads-ner.mjs', []],
  'heads-apps': ['heads-apps.mjs', []],
  server: ['server.mjs', []],
};

const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith('-'));
const unknown = names.filter((n) => !(n in benches));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}`);
  process.exit(2);
}
const build = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
let failed = 0;
for (const name of names.length ? names : Object.keys(benches)) {
  const [script, extra] = benches[name];
  console.log(`\n=== bench ${name}: node bench/${script} ${extra.join(' ')}`);
  const r = spawnSync(process.execPath, [path.join(here, script), ...extra], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${name} failed (exit ${r.status})`);
  }
}
process.exit(failed ? 1 : 0);
