#!/usr/bin/env node
import { main } from '../dist/cli/index.js';

main(process.argv).catch((err) => {
  process.stderr.write(`onramp: ${err?.message ?? String(err)}\n`);
  process.exitCode = typeof err?.exitCode === 'number' ? err.exitCode : 1;
});
