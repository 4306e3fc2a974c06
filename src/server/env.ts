import type { Logger } from 'pino';
import type { ServerMetrics } from './metrics.js';

/** Per-request variables set by the middleware chain (Hono `c.var`). */
export interface AppVariables {
  /** Aborts when the client disconnects, the non-streaming timeout fires or a drain gives up. */
  signal: AbortSignal;
  /** Streaming routes call this before they start streaming: the timeout applies to non-streaming work only. */
  clearDeadline: () => void;
  /** Identity the rate limiter counts against: a key fingerprint or the client address. */
  principal: string;
  requestId: string;
  metrics: ServerMetrics;
  logger: Logger | undefined;
}

/** The Hono environment of the onramp app. */
export interface AppEnv {
  Variables: AppVariables;
}
