import type { Command } from 'commander';

/** Every CLI command, one file each; adding a command is one file and one line here. */
export const commands: ((program: Command) => void)[] = [];
