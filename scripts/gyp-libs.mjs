// Prints the linker inputs for binding.gyp: every libllama / libggml / libllama-common in deps/lib,
// whatever their versioned names are (prebuilt: libllama.v0.4.0.so; cmake-js build: libllama.so).
import fs from 'node:fs';
import { libDir } from './paths.mjs';

const want = [/^libllama(\.[\w.]+)?\.(so|dylib)$/, /^libggml(\.[\w.]+)?\.(so|dylib)$/, /^libggml-base\.(so|dylib)$/, /^libllama-common\.(so|dylib)$/];
const files = fs.existsSync(libDir) ? fs.readdirSync(libDir) : [];
const out = [];
for (const re of want) {
  const f = files.find((x) => re.test(x) && !x.includes('cpu'));
  if (f) out.push(`-l:${f}`);
}
process.stdout.write(out.join(' '));
