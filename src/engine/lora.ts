/**
 * LoRA helpers shared by the CLI, the server and the engine: the `--lora name=path[:scale]` syntax and the
 * validation of a request's `lora: [{name, scale}]` field.
 */
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { LoraSelection } from './types.js';

/** A parsed `--lora` value. */
export interface LoraSpec {
  name: string;
  path: string;
  /** Present when the spec ended in `:<number>`. */
  scale?: number;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Checks an adapter name: 1-64 characters of letters, digits, `.`, `_`, `-`, starting with a letter or digit.
 *
 * @example
 * assertLoraName('support-de') // ok; assertLoraName('a b') throws InvalidArgumentError
 */
export function assertLoraName(name: unknown, param = 'name'): asserts name is string {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new InvalidArgumentError(param, `adapter name must be 1-64 characters of letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
  }
}

/**
 * Parses `name=path[:scale]` or `path[:scale]` (the name is then the file name without `.gguf`). A trailing
 * `:<number>` is the scale; any other colon belongs to the path (e.g. `C:\a.gguf`).
 *
 * @example
 * parseLoraSpec('de=adapters/de.gguf:0.5') // { name: 'de', path: 'adapters/de.gguf', scale: 0.5 }
 * parseLoraSpec('adapters/fr.gguf')         // { name: 'fr', path: 'adapters/fr.gguf' }
 */
export function parseLoraSpec(spec: string, param = '--lora'): LoraSpec {
  if (typeof spec !== 'string' || spec.trim() === '') throw new InvalidArgumentError(param, 'expected name=path[:scale] or path[:scale]');
  let rest = spec.trim();
  let name: string | undefined;
  const eq = rest.indexOf('=');
  if (eq > 0 && NAME_RE.test(rest.slice(0, eq))) {
    name = rest.slice(0, eq);
    rest = rest.slice(eq + 1);
  }
  let scale: number | undefined;
  const m = /^(.*):([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)$/.exec(rest);
  if (m) {
    rest = m[1] ?? '';
    scale = Number(m[2]);
    if (!Number.isFinite(scale)) throw new InvalidArgumentError(param, `scale must be a finite number in ${JSON.stringify(spec)}`);
  }
  if (rest === '') throw new InvalidArgumentError(param, `missing adapter path in ${JSON.stringify(spec)}`);
  if (name === undefined) {
    name = path.basename(rest).replace(/\.gguf$/i, '').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
    if (!/^[A-Za-z0-9]/.test(name)) name = `lora${name}`.slice(0, 64);
  }
  assertLoraName(name, param);
  return scale === undefined ? { name, path: rest } : { name, path: rest, scale };
}

/**
 * Validates a request's `lora` option: an array of `{name, scale?}` with known-looking names, finite scales and
 * no name twice. Returns a normalised copy (scale left undefined when not given: the adapter's default applies).
 * Throws `InvalidArgumentError` naming `lora[i].field`.
 *
 * @example
 * normalizeLoraSelection([{ name: 'de', scale: 0.5 }]) // [{ name: 'de', scale: 0.5 }]
 */
export function normalizeLoraSelection(sel: unknown, param = 'lora'): LoraSelection[] {
  if (sel === undefined || sel === null) return [];
  if (!Array.isArray(sel)) throw new InvalidArgumentError(param, 'must be an array of {name, scale}');
  const seen = new Set<string>();
  return sel.map((e: unknown, i) => {
    if (typeof e !== 'object' || e === null) throw new InvalidArgumentError(`${param}[${i}]`, 'must be an object {name, scale}');
    const { name, scale } = e as { name?: unknown; scale?: unknown };
    assertLoraName(name, `${param}[${i}].name`);
    if (seen.has(name)) throw new InvalidArgumentError(`${param}[${i}].name`, `adapter ${JSON.stringify(name)} is selected twice`);
    seen.add(name);
    if (scale !== undefined && (typeof scale !== 'number' || !Number.isFinite(scale))) {
      throw new InvalidArgumentError(`${param}[${i}].scale`, 'must be a finite number');
    }
    return scale === undefined ? { name } : { name, scale };
  });
}
