import { Command } from 'commander';
import { commands } from './commands/index.js';
import { OnrampError } from '../errors.js';

/**
 * Builds the `onramp` program: one file per command under ./commands, each exporting `register(program)`.
 *
 * @example
 * await main(['node', 'onramp', 'inspect', 'model.gguf', '--json'])
 */
export function buildProgram(): Command {
  const program = new Command('onramp')
    .description('onramp: turn a GGUF model into a business function (classify, extract, NER, safety, HTTP API)')
    .version('0.1.0')
    .showHelpAfterError();
  for (const register of commands) register(program);
  return program;
}

/** Runs the CLI; typed errors print as `onramp: <CODE> <message>` with exit code 1 (2 for usage errors). */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const err = e as { code?: string; exitCode?: number; message?: string };
    if (typeof err.code === 'string' && err.code.startsWith('commander.')) {
      process.exitCode = err.exitCode ?? 2;
      return;
    }
    if (e instanceof OnrampError) {
      process.stderr.write(`onramp: ${e.code}: ${e.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw e;
  }
}
