import { basename } from 'node:path';
import { UnavailableError } from '../../errors.js';
import type { EngineLike } from '../../engine/types.js';
import type { ServerDeps } from '../deps.js';

/** The engine, or 503 when no model is loaded. */
export function requireEngine(deps: ServerDeps): EngineLike {
  if (!deps.engine) throw new UnavailableError('no model is loaded', 5);
  return deps.engine;
}

/** Any optional service, or 503 naming what is not configured. */
export function requireService<T>(svc: T | undefined, what: string): T {
  if (!svc) throw new UnavailableError(`${what} is not configured on this server`);
  return svc;
}

/** The model name clients see: the configured id, else the GGUF file's base name. */
export function modelId(deps: ServerDeps): string {
  if (deps.options?.modelId) return deps.options.modelId;
  const p = deps.engine?.modelInfo.path;
  return p ? basename(p).replace(/\.gguf$/i, '') : 'none';
}

/** Unix seconds, as OpenAI's `created`. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
