// Prints every native/*.cpp for binding.gyp, so adding an Addon* file pair needs no gyp edit.
import fs from 'node:fs';
import path from 'node:path';
import { root } from './paths.mjs';

const dir = path.join(root, 'native');
process.stdout.write(fs.readdirSync(dir).filter((f) => f.endsWith('.cpp')).sort().map((f) => `native/${f}`).join(' '));
