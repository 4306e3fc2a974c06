import { Writable } from 'node:stream';
import pino, { type Logger, type LevelWithSilent } from 'pino';

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/**
 * A minimal human formatter for terminals: `12:00:01 INFO  listening host=127.0.0.1 port=8787`.
 * (pino-pretty is not a dependency; JSON lines are written whenever the output is not a TTY.)
 */
function ttyStream(out: NodeJS.WriteStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const { level, time, msg, pid: _p, hostname: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
          const t = new Date(Number(time)).toISOString().slice(11, 19);
          const extra = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          out.write(`${t} ${(LEVEL_NAMES[Number(level)] ?? String(level)).padEnd(5)} ${String(msg ?? '')}${extra ? ` ${extra}` : ''}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      cb();
    },
  });
}

/**
 * The onramp logger: JSON lines (pino) on stdout, a short human format when stdout is a TTY. Callers log
 * ids, codes, counts and timings only — never request bodies, prompts, outputs or keys.
 *
 * @example
 * const log = createLogger({ level: 'info' })
 * log.info({ port: 8787 }, 'listening')
 */
export function createLogger(opts: { level?: LevelWithSilent; pretty?: boolean; destination?: NodeJS.WritableStream } = {}): Logger {
  const pretty = opts.pretty ?? (!opts.destination && process.stdout.isTTY === true);
  const dest = opts.destination ?? (pretty ? ttyStream(process.stdout) : process.stdout);
  return pino(
    {
      level: opts.level ?? 'info',
      base: { pid: process.pid },
      redact: { paths: ['authorization', 'headers.authorization', 'apiKey', 'apiKeys', '*.apiKeys', 'text', 'input', 'prompt', 'messages'], censor: '[redacted]' },
    },
    dest,
  );
}
