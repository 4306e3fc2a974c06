import { pino, type Logger } from 'pino';

/**
 * The safety layer's logger. It only ever receives rule ids, counts, stages and policy names, never text or
 * values. Silent unless ONRAMP_LOG_LEVEL says otherwise; replace it with `setSafetyLogger` (e.g. the server's
 * pino instance).
 *
 * @example
 * setSafetyLogger(pino({ level: 'debug' }))
 */
export let safetyLog: Logger = pino({ name: 'onramp.safety', level: process.env['ONRAMP_LOG_LEVEL'] ?? 'silent' });

/** Replaces the safety logger (a child logger named `safety` is used). */
export function setSafetyLogger(logger: Logger): void {
  safetyLog = logger.child({ component: 'safety' });
}
