/**
 * Named LoRA adapters of one model, loaded and unloaded while requests run. Each request takes a lease on the
 * adapters it selected (`acquire`) and gives it back when it ends (`release`); `unload` removes the name at once
 * and frees the native adapter after the last lease on it ends (and, natively, after the last engine task that
 * holds it: the C++ handle is reference-counted too).
 */
import { resolve as resolvePath } from 'node:path';
import { ConflictError, DisposedError, InvalidArgumentError, LoraInvalidError, NotFoundError } from '../errors.js';
import { readGguf } from '../gguf/reader.js';
import type { GgufFile } from '../gguf/types.js';
import type { AddonLora, AddonLoraRef, AddonModel } from '../native/AddonTypes.js';
import { loadBinding } from '../native/loadBinding.js';
import { captureStack } from '../native/rewrap.js';
import { assertLoraName, normalizeLoraSelection } from './lora.js';
import { checkLoraAgainstBase, inspectLoraFile, type LoraFileInfo } from './loraCheck.js';
import type { LoraSelection } from './types.js';

/** The base model as the registry needs it: its GGUF path (for pre-checks) and its addon object. `Model` fits. */
export interface LoraBase {
  readonly info: { readonly path: string };
  readonly native: AddonModel;
}

const shared = new WeakMap<AddonModel, LoraRegistry>();
/** Every live registry per model, so disposing the model disposes its adapters (see `disposeAllOf`). */
const live = new WeakMap<AddonModel, Set<LoraRegistry>>();

/** One registered adapter, as `list()` reports it. */
export interface LoraAdapterInfo {
  name: string;
  path: string;
  /** Scale used when a request names the adapter without one. */
  scale: number;
  architecture: string;
  alpha: number;
  rank: number;
  kind: 'lora' | 'alora';
  aloraInvocationTokens: number[];
  /** Adapted base tensors, e.g. `blk.0.attn_q.weight`. */
  targets: string[];
  /** Bytes of adapter weights held in memory. */
  sizeBytes: number;
  fileSize: number;
  /** Scalar GGUF metadata as llama.cpp read it. */
  metadata: Record<string, string>;
  loadedAt: string;
  /** Requests currently using the adapter. */
  activeRequests: number;
}

/** The adapters of one request, resolved; give it back with `release()` when the request ends (idempotent). */
export interface LoraLease {
  /** Native adapter set for AddonEngine.submit (zero scales kept: C++ drops them). */
  readonly adapters: readonly AddonLoraRef[];
  /** Canonical key of the set ('' for none): equal sets, equal keys. */
  readonly key: string;
  release(): void;
}

interface Entry {
  name: string;
  native: AddonLora;
  id: number;
  file: LoraFileInfo;
  info: Omit<LoraAdapterInfo, 'activeRequests'>;
  refs: number;
  removed: boolean;
  freed?: Promise<void>;
}

const EMPTY_LEASE: LoraLease = Object.freeze({ adapters: Object.freeze([]), key: '', release: () => {} });

/** Maps an addon rejection to a typed error (LORA_INVALID has no generic mapping). */
function nativeLoadError(e: unknown, path: string, rewrap: (e: unknown) => Error): Error {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  if (code === 'LORA_INVALID') return new LoraInvalidError('llama.cpp refused the adapter (see the llama.cpp log)', path);
  return rewrap(e);
}

/**
 * Named LoRA adapters for one model.
 *
 * @example
 * const loras = new LoraRegistry(model)
 * await loras.load('support-de', 'adapters/de.gguf', { scale: 0.8 })
 * engine.generate('Hallo', { lora: [{ name: 'support-de' }] })
 * await loras.unload('support-de') // frees after the running requests end
 */
export class LoraRegistry {
  readonly #base: LoraBase;
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Set<string>();
  readonly #draining = new Set<Entry>();
  #baseFile: Promise<GgufFile> | undefined;
  #native: AddonModel | undefined;
  #disposed = false;

  constructor(base: LoraBase) {
    this.#base = base;
    let native: AddonModel;
    try {
      native = base.native;
    } catch {
      this.#disposed = true; // built on a disposed model: every use throws DisposedError
      return;
    }
    let set = live.get(native);
    if (!set) live.set(native, (set = new Set()));
    set.add(this);
    this.#native = native;
  }

  /**
   * Disposes every registry built on `native` (what `Model.dispose()` calls before freeing the weights, so no
   * adapter keeps the model alive until GC). Resolves when every idle adapter is freed; adapters still used by a
   * running request are freed when it ends. Idempotent.
   *
   * @example
   * await LoraRegistry.disposeAllOf(model.native)
   */
  static async disposeAllOf(native: AddonModel): Promise<void> {
    const set = live.get(native);
    if (!set) return;
    live.delete(native);
    shared.delete(native);
    const errors: unknown[] = [];
    for (const r of set) await r.dispose().catch((e: unknown) => errors.push(e));
    if (errors.length > 0) throw errors[0];
  }

  /**
   * The registry shared by everything built on `model` (engines, server, CLI): adapters belong to a model, so
   * every engine of that model sees the same names.
   *
   * @example
   * await LoraRegistry.of(model).load('de', 'de.gguf')
   */
  static of(model: LoraBase): LoraRegistry {
    const native = model.native;
    let r = shared.get(native);
    if (!r || r.#disposed) {
      r = new LoraRegistry(model);
      shared.set(native, r);
    }
    return r;
  }

  /** The base model's GGUF header, read once. */
  #baseGguf(): Promise<GgufFile> {
    this.#baseFile ??= readGguf(this.#base.info.path);
    return this.#baseFile;
  }

  /**
   * Loads an adapter off the JS thread under `name`. The file is checked in TypeScript first (FileError,
   * GgufFormatError, LoraInvalidError, LoraMismatchError for another architecture or shapes), then by llama.cpp.
   * A taken name is a ConflictError.
   *
   * @example
   * const info = await loras.load('fr', '/srv/adapters/fr.gguf')
   * console.log(info.rank, info.alpha, info.sizeBytes)
   */
  async load(name: string, path: string, options: { scale?: number } = {}): Promise<LoraAdapterInfo> {
    const rewrap = captureStack('lora adapter');
    if (this.#disposed) throw new DisposedError('lora registry');
    assertLoraName(name);
    if (typeof path !== 'string' || path === '') throw new InvalidArgumentError('path', 'must be a non-empty string');
    path = resolvePath(path);
    const scale = options.scale ?? 1;
    if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new InvalidArgumentError('scale', 'must be a finite number');
    if (this.#entries.has(name) || this.#loading.has(name)) throw new ConflictError(`a LoRA adapter named ${JSON.stringify(name)} is already loaded`);
    this.#loading.add(name);
    try {
      const file = inspectLoraFile(await readGguf(path));
      checkLoraAgainstBase(file, await this.#baseGguf());
      const native = new (loadBinding().AddonLora)(this.#base.native, path);
      await native.load().catch((e: unknown) => {
        throw nativeLoadError(e, path, rewrap);
      });
      if (this.#disposed) {
        await native.dispose();
        throw new DisposedError('lora registry');
      }
      const ni = native.info();
      const entry: Entry = {
        name,
        native,
        id: ni.id,
        file,
        refs: 0,
        removed: false,
        info: {
          name,
          path,
          scale,
          architecture: file.architecture,
          alpha: file.alpha,
          rank: file.rank,
          kind: file.kind,
          aloraInvocationTokens: [...file.aloraInvocationTokens],
          targets: file.targets.map((t) => t.tensor),
          sizeBytes: file.tensorBytes,
          fileSize: file.fileSize,
          metadata: ni.metadata,
          loadedAt: new Date().toISOString(),
        },
      };
      this.#entries.set(name, entry);
      return this.#describe(entry);
    } finally {
      this.#loading.delete(name);
    }
  }

  /**
   * Removes `name` now (new requests naming it get NotFoundError) and frees the adapter once its running requests
   * end. Resolves when the name is gone; `drained()` resolves when every removed adapter is freed.
   *
   * @example
   * await loras.unload('fr')
   */
  async unload(name: string): Promise<void> {
    const e = this.#entries.get(name);
    if (!e) throw new NotFoundError('lora adapter', name);
    this.#entries.delete(name);
    e.removed = true;
    if (e.refs === 0) await this.#free(e);
    else this.#draining.add(e);
  }

  /** Resolves when every unloaded adapter still in use has been freed. */
  async drained(): Promise<void> {
    while (this.#draining.size > 0) {
      await Promise.all([...this.#draining].map((e) => e.freed ?? new Promise<void>((r) => setTimeout(r, 5))));
    }
  }

  #free(e: Entry): Promise<void> {
    e.freed ??= e.native.dispose().finally(() => this.#draining.delete(e));
    return e.freed;
  }

  #describe(e: Entry): LoraAdapterInfo {
    return { ...e.info, aloraInvocationTokens: [...e.info.aloraInvocationTokens], targets: [...e.info.targets], metadata: { ...e.info.metadata }, activeRequests: e.refs };
  }

  /**
   * Every loaded adapter with size, metadata and how many requests use it, sorted by name.
   *
   * @example
   * for (const a of loras.list()) console.log(a.name, a.rank, a.sizeBytes, a.activeRequests)
   */
  list(): LoraAdapterInfo[] {
    return [...this.#entries.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((e) => this.#describe(e));
  }

  /** One adapter by name, or undefined. */
  get(name: string): LoraAdapterInfo | undefined {
    const e = this.#entries.get(name);
    return e ? this.#describe(e) : undefined;
  }

  /** Number of loaded adapters (not counting unloaded ones still draining). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Resolves a request's selection to native adapters and takes a reference on each until `release()`.
   * Unknown names: NotFoundError; a bad selection: InvalidArgumentError naming `lora[i]`. An aLoRA adapter
   * (activated at its invocation tokens in the prompt) must be the only adapter of the request, and only where
   * the caller allows it (`alora: true`: generate and score; embeddings have no invocation point).
   *
   * @example
   * const lease = loras.acquire([{ name: 'de', scale: 0.5 }])
   * try { await run(lease.adapters) } finally { lease.release() }
   */
  acquire(selection: readonly LoraSelection[] | undefined, options: { alora?: boolean } = {}): LoraLease {
    const sel = normalizeLoraSelection(selection);
    if (sel.length === 0) return EMPTY_LEASE;
    if (this.#disposed) throw new DisposedError('lora registry');
    const picked = sel.map((s, i) => {
      const e = this.#entries.get(s.name);
      if (!e) throw new NotFoundError('lora adapter', s.name);
      if (e.file.kind === 'alora' && !options.alora) {
        throw new InvalidArgumentError(`lora[${i}].name`, `adapter ${JSON.stringify(s.name)} is an activated LoRA (aLoRA); it applies to generate and score only`);
      }
      if (e.file.kind === 'alora' && sel.length > 1) {
        throw new InvalidArgumentError(`lora[${i}].name`, `adapter ${JSON.stringify(s.name)} is an activated LoRA (aLoRA) and must be the only adapter of the request`);
      }
      return { e, scale: s.scale ?? e.info.scale };
    });
    for (const p of picked) p.e.refs++;
    const key = picked
      .filter((p) => p.scale !== 0)
      .sort((a, b) => a.e.id - b.e.id)
      .map((p) => `${p.e.id}:${p.scale}`)
      .join(',');
    let released = false;
    return {
      adapters: Object.freeze(picked.map((p) => ({ adapter: p.e.native, scale: p.scale }))),
      key,
      release: () => {
        if (released) return;
        released = true;
        for (const p of picked) {
          p.e.refs--;
          if (p.e.removed && p.e.refs === 0) void this.#free(p.e);
        }
      },
    };
  }

  /**
   * Unloads every adapter (each freed once its running requests end). Idempotent.
   *
   * @example
   * await loras.dispose()
   */
  async dispose(): Promise<void> {
    this.#disposed = true;
    if (this.#native) live.get(this.#native)?.delete(this);
    for (const name of [...this.#entries.keys()]) await this.unload(name);
  }

  /** True once `dispose()` ran (directly or through `Model.dispose()`): loads and selections throw DisposedError. */
  get disposed(): boolean {
    return this.#disposed;
  }
}
