import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from 'pino';
import { isLoopback, type ServeConfig } from '../config/index.js';
import { ConfigError } from '../errors.js';
import { createApp } from './app.js';
import type { ServerDeps } from './deps.js';
import { createLifecycle, type Lifecycle } from './lifecycle.js';

/** A listening server. */
export interface RunningServer {
  url: string;
  port: number;
  lifecycle: Lifecycle;
  /** Drains (new requests get 503), waits up to `graceMs` for in-flight ones, aborts the rest, closes. */
  close(graceMs?: number): Promise<{ drained: boolean }>;
}

/**
 * Refuses a bind that other machines can reach unless API keys are set or `insecure` is explicit.
 *
 * @example
 * checkBindSafety({ host: '0.0.0.0', apiKeys: [], insecure: false }) // throws ConfigError
 */
export function checkBindSafety(cfg: Pick<ServeConfig, 'host' | 'apiKeys' | 'insecure'>): void {
  if (!isLoopback(cfg.host) && cfg.apiKeys.length === 0 && !cfg.insecure)
    throw new ConfigError(`refusing to listen on ${cfg.host} without an API key; set --api-key/--api-key-file, or --insecure to allow it anyway`, { field: 'host' });
}

/**
 * Listens on `cfg.host:cfg.port` (port 0 = ephemeral) with the onramp app over `deps`.
 *
 * @example
 * const srv = await startServer(cfg, { engine })
 * console.log(srv.url)
 * await srv.close(10_000)
 */
export async function startServer(
  cfg: Pick<ServeConfig, 'host' | 'port' | 'apiKeys' | 'insecure' | 'cors' | 'bodyLimit' | 'timeoutMs' | 'rateLimit' | 'graceMs' | 'adapterDirs'> & { modelId?: string | undefined; generationSafety?: boolean },
  deps: Omit<ServerDeps, 'lifecycle' | 'options'>,
  logger?: Logger,
): Promise<RunningServer> {
  checkBindSafety(cfg);
  const lifecycle = createLifecycle();
  const app = createApp({
    ...deps,
    ...(logger ? { logger } : {}),
    lifecycle,
    options: {
      apiKeys: cfg.apiKeys,
      cors: cfg.cors,
      bodyLimit: cfg.bodyLimit,
      timeoutMs: cfg.timeoutMs,
      rateLimit: cfg.rateLimit,
      adapterDirs: cfg.adapterDirs,
      ...(cfg.generationSafety === false ? { generationSafety: false } : {}),
      ...(cfg.modelId ? { modelId: cfg.modelId } : {}),
    },
  });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: cfg.host, port: cfg.port }, () => resolve(s));
    s.once('error', reject);
  });
  server.on('error', (e) => logger?.error({ err: { code: (e as NodeJS.ErrnoException).code } }, 'server error'));
  const port = (server.address() as AddressInfo).port;
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  let closing: Promise<{ drained: boolean }> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    lifecycle,
    close(graceMs = cfg.graceMs) {
      closing ??= (async () => {
        lifecycle.drain();
        const drained = await lifecycle.idle(graceMs);
        if (!drained) {
          logger?.warn({ inflight: lifecycle.inflight }, 'grace period over; aborting in-flight requests');
          lifecycle.abortAll();
          await lifecycle.idle(2000);
        }
        // Finished responses may still be flushing: close idle keep-alive sockets as they go idle, and
        // cut what is left only after a short flush window.
        const http = server as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
        await new Promise<void>((resolve) => {
          const idle = setInterval(() => http.closeIdleConnections?.(), 25);
          const cut = setTimeout(() => http.closeAllConnections?.(), 2000);
          server.close(() => {
            clearInterval(idle);
            clearTimeout(cut);
            resolve();
          });
          http.closeIdleConnections?.();
        });
        return { drained };
      })();
      return closing;
    },
  };
}
