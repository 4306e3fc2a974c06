import type { Command } from 'commander';
import { register as serve } from './serve.js';
import { register as pull } from './pull.js';
import { register as chat } from './chat.js';
import { register as trainHead } from './train-head.js';
import { register as quantize } from './quantize.js';
import { register as inspect } from './inspect.js';
import { register as makeModel } from './make-model.js';
import { register as makeLora } from './make-lora.js';
import { register as lora } from './lora.js';
import { register as run } from './run.js';
import { register as evalCmd } from './eval.js';
import { register as generate } from './generate.js';
import { register as embed } from './embed.js';
import { register as scan } from './scan.js';

/** Every CLI command, one file each; adding a command is one file and one line here. */
export const commands: ((program: Command) => void)[] = [serve, pull, chat, trainHead, quantize, inspect, makeModel, makeLora, lora, run, evalCmd, generate, embed, scan];
