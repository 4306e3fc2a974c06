import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EngineLike } from '../engine/types.js';
import type { Lifecycle } from './lifecycle.js';

/** The Prometheus metrics of one app (own Registry, so several apps in one process never clash). */
export interface ServerMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
  promptTokens: Counter;
  completionTokens: Counter;
  tokensPerSecond: Histogram<'route'>;
  timeToFirstToken: Histogram<'route'>;
  safetyFindings: Counter<'rule'>;
}

/**
 * Creates the metrics registry. Queue depth and busy slots are read from the engine at scrape time.
 *
 * @example
 * const m = createMetrics({ engine: () => engine, lifecycle })
 * m.safetyFindings.inc({ rule: 'email' })
 * const text = await m.registry.metrics()
 */
export function createMetrics(src: { engine: () => EngineLike | undefined; lifecycle: Lifecycle; defaults?: boolean }): ServerMetrics {
  const registry = new Registry();
  if (src.defaults) collectDefaultMetrics({ register: registry, prefix: 'onramp_process_' });
  const stat = <K extends 'queued' | 'busySlots' | 'slots' | 'queueCapacity'>(k: K): number => {
    try {
      return src.engine()?.stats()[k] ?? 0;
    } catch {
      return 0;
    }
  };
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  gauge('onramp_queue_depth', 'Requests waiting for an engine slot', () => stat('queued'));
  gauge('onramp_queue_capacity', 'Capacity of the engine request queue', () => stat('queueCapacity'));
  gauge('onramp_busy_slots', 'Engine slots busy with a request', () => stat('busySlots'));
  gauge('onramp_slots', 'Engine slots in total', () => stat('slots'));
  gauge('onramp_inflight_requests', 'HTTP requests in flight', () => src.lifecycle.inflight);
  gauge('onramp_model_loaded', '1 when a model is loaded', () => (src.engine() ? 1 : 0));
  return {
    registry,
    requests: new Counter({ name: 'onramp_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    latency: new Histogram({
      name: 'onramp_http_request_duration_seconds',
      help: 'HTTP request latency (to the end of the response body for streams)',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    promptTokens: new Counter({ name: 'onramp_prompt_tokens_total', help: 'Prompt tokens processed', registers: [registry] }),
    completionTokens: new Counter({ name: 'onramp_completion_tokens_total', help: 'Completion tokens generated', registers: [registry] }),
    tokensPerSecond: new Histogram({
      name: 'onramp_generation_tokens_per_second',
      help: 'Generation speed per request (completion tokens / generation time)',
      labelNames: ['route'],
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
      registers: [registry],
    }),
    timeToFirstToken: new Histogram({
      name: 'onramp_time_to_first_token_seconds',
      help: 'Queue + prompt time until the first token',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    safetyFindings: new Counter({ name: 'onramp_safety_findings_total', help: 'Safety findings by rule', labelNames: ['rule'], registers: [registry] }),
  };
}
