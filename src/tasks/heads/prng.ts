import { seededRandom } from '../../util/random.js';

/**
 * A small seeded PRNG (mulberry32) so that head initialisation and mini-batch shuffling are deterministic for a
 * seed on every platform (Math.random cannot be seeded).
 *
 * @example
 * const rng = new Prng(42)
 * const order = rng.permutation(10) // same order for seed 42 every run
 */
export class Prng {
  /** Uniform float in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom((Math.trunc(seed) ^ 0x9e3779b9) >>> 0);
  }

  /** Standard normal sample (Box-Muller). */
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Uint32Array {
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }
}
