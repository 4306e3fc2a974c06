import { inspect } from 'node:util';

interface Entry {
  value: string;
  entity: string;
  restorable: boolean;
}

const LABELS = new Map<string, string>();

/** Matches typed placeholders such as `<PHONE_1>` or `<CN_RESIDENT_ID_12>`. */
export const PLACEHOLDER_RE = /<([A-Z][A-Z0-9]*(?:_[A-Z][A-Z0-9]*)*)_(\d{1,6})>/g;

/**
 * The per-request store behind typed placeholders: the same value always gets the same placeholder within one
 * vault (`<PHONE_1>` twice for the same number), and `restore` puts real values back where the policy allows.
 * It never serializes: state lives in private fields, `JSON.stringify` gives `"[Vault]"`, `util.inspect` (and so
 * console.log and pino) prints `[Vault]`. Keep one vault per request and drop it afterwards.
 *
 * @example
 * const vault = new Vault()
 * vault.placeholderFor('PHONE', '13812345678') // '<PHONE_1>'
 * vault.restore('call <PHONE_1>')              // 'call 13812345678'
 */
export class Vault {
  readonly #byPlaceholder = new Map<string, Entry>();
  readonly #byValue = new Map<string, string>();
  readonly #counters = new Map<string, number>();

  /**
   * The placeholder for a value (created on first use). `avoid` is text the placeholder must not already occur in
   * (the input), or the set of placeholder-shaped tokens of that text, so restoring never touches text that only
   * looked like a placeholder.
   */
  placeholderFor(entity: string, value: string, opts: { restorable?: boolean; avoid?: string | ReadonlySet<string> } = {}): string {
    let label = LABELS.get(entity);
    if (label === undefined) {
      label = entity.toUpperCase().replace(/[^A-Z0-9_]/g, '_').replace(/^[^A-Z]+/, '') || 'PII';
      if (LABELS.size < 1024) LABELS.set(entity, label);
    }
    const key = `${label}\u0000${value}`;
    const hit = this.#byValue.get(key);
    if (hit !== undefined) return hit;
    let n = this.#counters.get(label) ?? 0;
    let ph: string;
    do {
      n++;
      ph = `<${label}_${n}>`;
    } while (this.#byPlaceholder.has(ph) || (opts.avoid !== undefined && (typeof opts.avoid === 'string' ? opts.avoid.includes(ph) : opts.avoid.has(ph))));
    this.#counters.set(label, n);
    this.#byPlaceholder.set(ph, { value, entity, restorable: opts.restorable ?? true });
    this.#byValue.set(key, ph);
    return ph;
  }

  /** Number of placeholders held. */
  get size(): number {
    return this.#byPlaceholder.size;
  }

  /** True when the placeholder belongs to this vault. */
  has(placeholder: string): boolean {
    return this.#byPlaceholder.has(placeholder);
  }

  /** The entity type of a placeholder (never the value), or undefined. */
  entityOf(placeholder: string): string | undefined {
    return this.#byPlaceholder.get(placeholder)?.entity;
  }

  /**
   * Replaces this vault's placeholders in `text` with their values, except entries created as not restorable and
   * entities rejected by `allow`. Unknown placeholders stay as they are.
   */
  restore(text: string, allow?: (entity: string) => boolean): string {
    if (this.#byPlaceholder.size === 0 || !text.includes('<')) return text;
    return text.replace(PLACEHOLDER_RE, (ph) => {
      const e = this.#byPlaceholder.get(ph);
      if (!e || !e.restorable || (allow && !allow(e.entity))) return ph;
      return e.value;
    });
  }

  /** True when `value` is one of the vault's values (used by leak checks; never returns the values). */
  holdsValue(value: string): boolean {
    for (const e of this.#byPlaceholder.values()) if (e.value === value) return true;
    return false;
  }

  /** The placeholder-shaped tokens already present in a text (what `placeholderFor` must avoid). */
  static tokensIn(text: string): ReadonlySet<string> {
    const out = new Set<string>();
    if (!text.includes('<')) return out;
    PLACEHOLDER_RE.lastIndex = 0;
    for (let m = PLACEHOLDER_RE.exec(text); m !== null; m = PLACEHOLDER_RE.exec(text)) out.add(m[0]);
    return out;
  }

  toJSON(): string {
    return '[Vault]';
  }

  toString(): string {
    return '[Vault]';
  }

  [inspect.custom](): string {
    return '[Vault]';
  }
}
