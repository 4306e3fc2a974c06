/**
 * The task registry: loads every pack in a folder, reports bad files as ConfigErrors (file + field), and
 * reloads on change (fs.watch + debounce). A reload builds a new map and swaps it in one assignment, so a
 * request that already holds a pack keeps using it; a file that became invalid keeps its last good version.
 */
import { existsSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, FileError, NotFoundError } from '../errors.js';
import { loadPackFile } from './loadPack.js';
import type { TaskPack } from './pack.js';

const PACK_EXTS = new Set(['.yaml', '.yml', '.json']);

export interface RegistryOptions {
  /** Watch the folder and reload on change (default false). */
  watch?: boolean;
  /** Debounce of change events in ms (default 200). */
  debounceMs?: number;
  /** Called after each reload with what changed. */
  onReload?: (info: ReloadInfo) => void;
}

export interface ReloadInfo {
  tasks: number;
  errors: ConfigError[];
}

/**
 * Task packs of one folder: top-level `*.yaml|*.yml|*.json` files are packs; supporting files (label lists,
 * heads) live in subfolders.
 *
 * @example
 * const reg = TaskRegistry.load('models/tasks', { watch: true })
 * const pack = reg.get('sentiment-en')
 * reg.close()
 */
export class TaskRegistry {
  private packs: ReadonlyMap<string, TaskPack> = new Map();
  private byFile: ReadonlyMap<string, TaskPack> = new Map();
  private errs: ConfigError[] = [];
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    readonly dir: string,
    private readonly opts: RegistryOptions,
  ) {}

  /** Loads the folder (synchronously) and optionally starts watching it. */
  static load(dir: string, opts: RegistryOptions = {}): TaskRegistry {
    const abs = resolve(dir);
    if (!existsSync(abs)) throw new FileError('FILE_NOT_FOUND', abs, 'task folder does not exist');
    if (!statSync(abs).isDirectory()) throw new ConfigError('task folder is not a directory', { file: abs });
    const reg = new TaskRegistry(abs, opts);
    reg.reloadSync();
    if (opts.watch) reg.startWatching();
    return reg;
  }

  /** Re-reads the folder; resolves with the number of packs and the errors. */
  async reload(): Promise<ReloadInfo> {
    return this.reloadSync();
  }

  private reloadSync(): ReloadInfo {
    const packs = new Map<string, TaskPack>();
    const byFile = new Map<string, TaskPack>();
    const errors: ConfigError[] = [];
    const files = readdirSync(this.dir)
      .filter((f) => PACK_EXTS.has(extname(f).toLowerCase()) && !f.startsWith('.'))
      .sort();
    for (const f of files) {
      const file = join(this.dir, f);
      let pack: TaskPack | undefined;
      try {
        if (!statSync(file).isFile()) continue;
        pack = loadPackFile(file);
      } catch (e) {
        errors.push(e instanceof ConfigError ? e : new ConfigError((e as Error).message, { file }));
        pack = this.byFile.get(file); // keep the last good version of a file that became invalid
      }
      if (!pack) continue;
      const dup = packs.get(pack.id);
      if (dup && dup.file !== file) {
        errors.push(new ConfigError(`duplicate task id '${pack.id}' (also in ${basename(dup.file ?? '?')})`, { file, field: 'id' }));
        continue;
      }
      packs.set(pack.id, pack);
      byFile.set(file, pack);
    }
    // One assignment each: readers see either the old maps or the new ones.
    this.packs = packs;
    this.byFile = byFile;
    this.errs = errors;
    const info = { tasks: packs.size, errors };
    this.opts.onReload?.(info);
    return info;
  }

  private startWatching(): void {
    const debounce = this.opts.debounceMs ?? 200;
    this.watcher = watch(this.dir, { persistent: false }, () => {
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        try {
          this.reloadSync();
        } catch {
          // the folder vanished: keep serving what we have
        }
      }, debounce);
      this.timer.unref?.();
    });
  }

  /** The pack with this id; NotFoundError otherwise. */
  get(id: string): TaskPack {
    const p = this.packs.get(id);
    if (!p) throw new NotFoundError('task', id);
    return p;
  }

  has(id: string): boolean {
    return this.packs.has(id);
  }

  /** Every pack, sorted by id. */
  list(): TaskPack[] {
    return [...this.packs.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Problems found by the last (re)load, one ConfigError per bad file. */
  errors(): ConfigError[] {
    return [...this.errs];
  }

  /** Stops watching. Idempotent. */
  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * Resolves a pack argument: an existing file path, or an id in the given folders (first match wins).
 *
 * @example
 * const pack = resolvePackArg('sentiment-en', [builtinTaskDir()])
 */
export function resolvePackArg(arg: string, dirs: readonly string[]): TaskPack {
  if (PACK_EXTS.has(extname(arg).toLowerCase()) && existsSync(arg)) return loadPackFile(resolve(arg));
  for (const d of dirs) {
    for (const ext of PACK_EXTS) {
      const f = join(d, arg + ext);
      if (existsSync(f)) return loadPackFile(f);
    }
  }
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    const reg = TaskRegistry.load(d);
    if (reg.has(arg)) return reg.get(arg);
  }
  throw new NotFoundError('task', arg);
}

/** The folder of the built-in packs (models/tasks in the package). */
export function builtinTaskDir(): string {
  return resolve(fileURLToPath(new URL('.', import.meta.url)), '../../models/tasks');
}
