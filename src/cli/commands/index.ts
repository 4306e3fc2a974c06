import type { Command } from 'commander';
import { register as serve } from './serve.js';
import { register as trainHead } from './train-head.js';

/** Every CLI command, one file each; adding a command is one file and one line here. */
export const commands: ((program: Command) => void)[] = [serve, trainHead];
