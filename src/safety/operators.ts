import { createHmac, randomBytes } from 'node:crypto';
import type { ResolvedPolicy } from './policy.js';
import type { SafetyAction } from './types.js';
import { Vault } from './vault.js';

const vaultTokens = (text: string): ReadonlySet<string> => Vault.tokensIn(text);

let processKey: Buffer | undefined;

/**
 * The HMAC key of a policy: `operators.hash.key`, else the env var `keyEnv`, else a random per-process key.
 *
 * @example
 * hashKey(resolvePolicy(defaultPolicy())) // process.env.ONRAMP_SAFETY_HMAC_KEY or a random per-process key
 */
export function hashKey(policy: ResolvedPolicy): string | Buffer {
  const h = policy.operators.hash ?? {};
  if (h.key) return h.key;
  const env = process.env[h.keyEnv ?? 'ONRAMP_SAFETY_HMAC_KEY'];
  if (env) return env;
  processKey ??= randomBytes(32);
  return processKey;
}

/**
 * Masks letters and digits with `char`, keeping at most `keepLast` trailing ones (and never more than half), and
 * leaves separators as they are: `138-1234-5678` -> `***-****-5678`.
 *
 * @example
 * maskValue('4111 1111 1111 1234', '*', 4) // '**** **** **** 1234'
 */
export function maskValue(value: string, char = '*', keepLast = 4): string {
  let alnum = 0;
  for (const c of value) if (/[\p{L}\p{N}]/u.test(c)) alnum++;
  const keep = Math.min(keepLast, Math.floor(alnum / 2));
  let seen = 0;
  let out = '';
  for (const c of value) {
    if (/[\p{L}\p{N}]/u.test(c)) {
      seen++;
      out += seen > alnum - keep ? c : char;
    } else out += c;
  }
  return out;
}

/**
 * HMAC-SHA256 of a value as `<ENTITY:hex>` (the first `length` hex digits): the same value and key always give
 * the same token, so masked records still join.
 *
 * @example
 * hashValue('EMAIL', 'a@b.cn', 'k'.repeat(32), 16) // '<EMAIL:…16 hex…>'
 */
export function hashValue(entity: string, value: string, key: string | Buffer, length = 16): string {
  return `<${entity}:${createHmac('sha256', key).update(value).digest('hex').slice(0, length)}>`;
}

/** One rewrite to apply: a span of the original text and what to do with it. */
export interface Rewrite {
  start: number;
  end: number;
  entity: string;
  action: SafetyAction;
}

/**
 * Applies redact / mask / hash / placeholder to non-overlapping spans of `text` (other actions leave the text
 * alone). Placeholders go into `vault`; `restorable(entity)` says whether the answer may get the value back.
 *
 * @example
 * applyOperators('mail a@b.cn', [{ start: 5, end: 11, entity: 'EMAIL', action: 'placeholder' }], policy, vault) // 'mail <EMAIL_1>'
 */
export function applyOperators(text: string, rewrites: readonly Rewrite[], policy: ResolvedPolicy, vault: Vault, restorable: (entity: string) => boolean = () => true): string {
  if (rewrites.length === 0) return text;
  const sorted = [...rewrites].sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let pos = 0;
  let key: string | Buffer | undefined;
  let avoid: ReadonlySet<string> | undefined;
  for (const r of sorted) {
    if (r.start < pos) continue;
    const value = text.slice(r.start, r.end);
    let rep: string;
    switch (r.action) {
      case 'redact':
        rep = policy.operators.redact?.with ?? '[REDACTED]';
        break;
      case 'mask':
        rep = maskValue(value, policy.operators.mask?.char ?? '*', policy.entities[r.entity]?.keepLast ?? policy.operators.mask?.keepLast ?? 4);
        break;
      case 'hash':
        key ??= hashKey(policy);
        rep = hashValue(r.entity, value, key, policy.operators.hash?.length ?? 16);
        break;
      case 'placeholder':
        avoid ??= vaultTokens(text);
        rep = vault.placeholderFor(r.entity, value, { restorable: restorable(r.entity), avoid });
        break;
      default:
        continue;
    }
    parts.push(text.slice(pos, r.start), rep);
    pos = r.end;
  }
  parts.push(text.slice(pos));
  return parts.join('');
}
