/**
 * The one seeded PRNG of onramp (mulberry32): synthetic weights, LoRA factors, head initialisation, shuffling
 * and baselines all draw from it, so a seed means the same stream everywhere and on every platform.
 */

/**
 * Raw 32-bit outputs of mulberry32 for a seed.
 *
 * @example
 * const next = seededU32(42); next() // 0 <= x < 2**32
 */
export function seededU32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * Uniform floats in [0, 1) from mulberry32 for a seed.
 *
 * @example
 * const r = seededRandom(42); r() // 0 <= x < 1
 */
export function seededRandom(seed: number): () => number {
  const next = seededU32(seed);
  return () => next() / 4294967296;
}
