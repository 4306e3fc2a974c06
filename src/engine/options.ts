import os from 'node:os';
import { InvalidArgumentError } from '../errors.js';
import type { AddonEngineOptions } from '../native/AddonTypes.js';
import type { ModelInfo } from './types.js';

/** Options of `Engine.create`. Every field is optional and validated (InvalidArgumentError names the field). */
export interface EngineOptions {
  /** KV cache size in tokens, shared by all slots (kvUnified). Default min(model context, 4096). */
  nCtx?: number;
  /** Most tokens per llama_decode call (prompt chunks + one token per generating slot). Default 512. */
  nBatch?: number;
  /** Physical micro-batch (<= nBatch). Default = nBatch. */
  nUbatch?: number;
  /** Concurrent sequences (slots). Default 4. */
  parallel?: number;
  /**
   * Decode threads. Default: available cores - 1 (min 1, max 8): ggml's workers spin at a barrier, so a
   * thread competing with Node's own thread costs far more than it brings (see docs/benchmarks.md, Engine).
   */
  threads?: number;
  /** Prompt/batch threads. Default = threads. */
  threadsBatch?: number;
  /**
   * Flash attention: true, false or 'auto' (default, llama.cpp decides: on for CPU). Measured with stories260K:
   * with it, one-pass scoring equals independent scoring to ~1e-6 nats, but a token decoded alone differs from
   * the same token in a prompt batch by up to ~1e-3 nats on unlikely tokens (prefix-cache reuse of generated
   * KV); without it and an f16 KV cache, batched candidates differ by ~1e-3 nats. `false` with kvCacheType
   * 'f32' agrees to ~1e-5 in both cases.
   */
  flashAttention?: boolean | 'auto';
  /**
   * KV cache type: 'f16' (default), 'q8_0', 'q4_0' (quantized types need flash attention, which 'auto' then turns on,
   * and attention head sizes divisible by 32: stories260K's heads of 8 cannot hold them), or 'f32' (exact: scores
   * then do not depend on how requests were batched together; f16 rounding can move very unlikely tokens' logprobs
   * by ~1e-3 nats between batch compositions).
   */
  kvCacheType?: 'f16' | 'q8_0' | 'q4_0' | 'f32';
  /** Default seed for sampling requests that set none (default: random per request). */
  seed?: number;
  /** Requests waiting for a slot beyond `parallel`; more fail at once with QueueFullError. Default 64. */
  queueSize?: number;
  /** One KV buffer for all sequences (prefix sharing, seq_cp by tagging). Default true. */
  kvUnified?: boolean;
  /** Reuse a free slot's KV for the longest common prompt prefix. Default true. */
  prefixCache?: boolean;
  /** Extra sequences for one-pass scoring candidates (candidates beyond this run in rounds). Default 8. 0: candidates
   * run one at a time in the request's own sequence; with `parallel: 1` that lets the context skip llama.cpp's
   * unified-KV batch check (a fixed ~0.1 ms per decode step, see docs/benchmarks.md). */
  scoreSequences?: number;
  /** Own ggml threadpool with this polling level 0..100 (llama.cpp's --poll); omit for llama.cpp's default pool. */
  poll?: number;
}

/** Options after defaults, as the engine keeps them. */
export interface ResolvedEngineOptions extends AddonEngineOptions {
  queueSize: number;
}

function int(o: Record<string, unknown>, key: string, def: number, min: number, max: number): number {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(key, `must be an integer in ${min}..${max}; got ${String(v)}`);
  }
  return v;
}

function bool(o: Record<string, unknown>, key: string, def: boolean): boolean {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw new InvalidArgumentError(key, `must be a boolean; got ${typeof v}`);
  return v;
}

const KNOWN = new Set([
  'nCtx', 'nBatch', 'nUbatch', 'parallel', 'threads', 'threadsBatch', 'flashAttention', 'kvCacheType', 'seed',
  'queueSize', 'kvUnified', 'prefixCache', 'scoreSequences', 'poll',
]);

/**
 * Validates engine options and fills defaults from the model.
 *
 * @example
 * resolveEngineOptions({ parallel: 8, nCtx: 8192 }, model.info).threads // e.g. 2
 */
export function resolveEngineOptions(options: EngineOptions, info: Pick<ModelInfo, 'contextLength'>): ResolvedEngineOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object');
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KNOWN.has(k) && o[k] !== undefined) throw new InvalidArgumentError(k, 'unknown engine option');
  const cores = Math.max(1, Math.min(8, (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length) - 1));
  const nCtx = int(o, 'nCtx', Math.min(Math.max(info.contextLength, 256), 4096), 16, 1 << 20);
  const nBatch = int(o, 'nBatch', 512, 1, 1 << 16);
  const nUbatch = int(o, 'nUbatch', nBatch, 1, nBatch);
  const parallel = int(o, 'parallel', 4, 1, 200);
  const scoreSequences = int(o, 'scoreSequences', 8, 0, 256 - parallel);
  const threads = int(o, 'threads', cores, 1, 512);
  const threadsBatch = int(o, 'threadsBatch', threads, 1, 512);
  const fa = o.flashAttention;
  if (fa !== undefined && fa !== 'auto' && typeof fa !== 'boolean') throw new InvalidArgumentError('flashAttention', "must be true, false or 'auto'");
  const kv = o.kvCacheType ?? 'f16';
  if (kv !== 'f16' && kv !== 'q8_0' && kv !== 'q4_0' && kv !== 'f32') throw new InvalidArgumentError('kvCacheType', `must be 'f16', 'q8_0', 'q4_0' or 'f32'; got ${String(kv)}`);
  if ((kv === 'q8_0' || kv === 'q4_0') && fa === false) throw new InvalidArgumentError('kvCacheType', 'a quantized KV cache needs flash attention');
  const seed = o.seed === undefined ? undefined : int(o, 'seed', 0, 0, 0xfffffffe);
  const poll = int(o, 'poll', -1, -1, 100);
  return {
    nCtx, nBatch, nUbatch, parallel, scoreSequences, threads, threadsBatch,
    flashAttention: fa === undefined || fa === 'auto' ? -1 : fa ? 1 : 0,
    kvCacheType: kv,
    kvUnified: bool(o, 'kvUnified', true),
    prefixCache: bool(o, 'prefixCache', true),
    poll,
    ...(seed === undefined ? {} : { seed }),
    queueSize: int(o, 'queueSize', 64, 0, 1_000_000),
  };
}

/** ggml block size of the quantized KV cache types: llama.cpp needs it to divide every attention head size. */
const KV_BLOCK: Readonly<Record<string, number>> = { q8_0: 32, q4_0: 32 };

/**
 * Rejects a quantized KV cache type the model's attention heads cannot hold (llama.cpp refuses the context with
 * only a log line when the block size does not divide the K or V head size: e.g. stories260K's heads of 8).
 * The head sizes come from `<arch>.attention.key_length` / `value_length`, else embedding_length / head_count;
 * when they cannot be read (per-layer arrays) the check is left to llama.cpp.
 *
 * @example
 * checkKvCacheType('q8_0', model.metadata) // throws InvalidArgumentError('kvCacheType', ...) for head size 8
 */
export function checkKvCacheType(kvCacheType: string, metadata: Readonly<Record<string, string>>): void {
  const block = KV_BLOCK[kvCacheType];
  if (block === undefined) return;
  const arch = metadata['general.architecture'];
  if (!arch) return;
  const n = (k: string): number | undefined => {
    const v = metadata[`${arch}.${k}`];
    return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : undefined;
  };
  const embd = n('embedding_length');
  const heads = n('attention.head_count');
  const byHeads = embd !== undefined && heads !== undefined && heads > 0 ? embd / heads : undefined;
  for (const [what, size] of [['key', n('attention.key_length') ?? byHeads], ['value', n('attention.value_length') ?? byHeads]] as const) {
    if (size !== undefined && Number.isInteger(size) && size % block !== 0) {
      throw new InvalidArgumentError('kvCacheType', `'${kvCacheType}' stores blocks of ${block} values, which do not divide this model's attention ${what} head size ${size}; use 'f16' or 'f32'`);
    }
  }
}
