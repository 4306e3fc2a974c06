/**
 * Check-digit algorithms written from the standards, independently of src/safety/validators.ts, so the tests that
 * generate valid values do not share a bug with the code under test.
 */

/** GB 32100-2015: weights 3^i mod 31 over the 31-character alphabet; check = (31 - sum mod 31) mod 31. */
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/**
 * Completes the first 17 characters of a CN unified social credit code with its check character.
 *
 * @example
 * withUsccCheck('91350100M000100Y4') // '91350100M000100Y43'
 */
export function withUsccCheck(first17: string): string {
  if (first17.length !== 17) throw new Error('need 17 characters');
  let sum = 0;
  let w = 1;
  for (const ch of first17) {
    const v = USCC_ALPHABET.indexOf(ch);
    if (v < 0) throw new Error(`not a USCC character: ${ch}`);
    sum += v * w;
    w = (w * 3) % 31;
  }
  return first17 + USCC_ALPHABET[(31 - (sum % 31)) % 31];
}

/**
 * A wrong-checksum variant: the same code with another check character.
 *
 * @example
 * usccWrongCheck('91350100M000100Y43') // '91350100M000100Y44'
 */
export function usccWrongCheck(code: string): string {
  const i = USCC_ALPHABET.indexOf(code[17]!);
  return code.slice(0, 17) + USCC_ALPHABET[(i + 1) % 31];
}

/** ISO 13616 / ISO 7064 mod 97-10: letters count as 10..35. */
function mod97(s: string): number {
  let rem = 0;
  for (const ch of s) {
    const d = /[A-Z]/.test(ch) ? String(ch.charCodeAt(0) - 55) : ch;
    for (const c of d) rem = (rem * 10 + Number(c)) % 97;
  }
  return rem;
}

/**
 * An IBAN from a country code and a BBAN, with the two check digits computed.
 *
 * @example
 * ibanOf('GB', 'WEST12345698765432') // 'GB82WEST12345698765432'
 */
export function ibanOf(country: string, bban: string): string {
  const check = 98 - mod97(`${bban}${country}00`);
  return `${country}${String(check).padStart(2, '0')}${bban}`;
}
