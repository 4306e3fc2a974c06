/** Seeded PRNG and float16 conversion used by the synthetic model and LoRA writers. */

export { seededRandom, seededU32 } from '../util/random.js';

/**
 * Fast seeded noise for big synthetic tensors: 65,536 evenly spaced levels of a zero-mean uniform distribution
 * with standard deviation `std`, two table lookups per 32-bit random number, already in the output encoding.
 *
 * @example
 * const noise = uniformNoise(0.02, 'f16'); noise.fill(new Uint16Array(1024), seededU32(1))
 */
export function uniformNoise(std: number, type: 'f32' | 'f16'): { fill(out: Float32Array | Uint16Array, next: () => number): void } {
  const a = std * Math.sqrt(3) * 2;
  const levels = new Float32Array(65536);
  for (let i = 0; i < 65536; i++) levels[i] = ((i + 0.5) / 65536 - 0.5) * a;
  const table = type === 'f32' ? levels : Uint16Array.from(levels, (v) => toHalf(v));
  return {
    fill(out, next) {
      const n = out.length;
      let i = 0;
      for (; i + 1 < n; i += 2) {
        const r = next();
        out[i] = table[r & 0xffff]!;
        out[i + 1] = table[r >>> 16]!;
      }
      if (i < n) out[i] = table[next() & 0xffff]!;
    },
  };
}

/**
 * FNV-1a hash of a string, used to derive per-tensor seeds.
 *
 * @example
 * seededU32(hashString('blk.0.attn_q.weight', seed))
 */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Fills `out` with zero-mean uniform noise of standard deviation `std` (uniform: speed, not the distribution,
 * matters for synthetic weights).
 *
 * @example
 * fillUniform(new Float32Array(8), seededRandom(1), 0.02)
 */
export function fillUniform(out: Float32Array, rand: () => number, std: number): Float32Array {
  const a = std * Math.sqrt(3) * 2;
  for (let i = 0; i < out.length; i++) out[i] = (rand() - 0.5) * a;
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * IEEE float32 to float16 bits, round to nearest even (as ggml_fp32_to_fp16).
 *
 * @example
 * toHalf(1) // 0x3c00
 */
export function toHalf(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/**
 * float16 bits to a JS number.
 *
 * @example
 * fromHalf(0x3c00) // 1
 */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * Encodes floats as F32 or F16 little-endian bytes.
 *
 * @example
 * encodeFloats(new Float32Array([1, 2]), 'f16') // 4 bytes
 */
export function encodeFloats(values: Float32Array, type: 'f32' | 'f16'): Uint8Array {
  if (type === 'f32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toHalf(values[i]!);
  return new Uint8Array(out.buffer);
}

/**
 * Decodes F32 or F16 little-endian bytes into floats.
 *
 * @example
 * decodeFloats(await readTensorBytes(path, t), 'f16')
 */
export function decodeFloats(bytes: Uint8Array, type: 'f32' | 'f16'): Float32Array {
  const copy = new Uint8Array(bytes);
  if (type === 'f32') return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  const h = new Uint16Array(copy.buffer, 0, copy.byteLength / 2);
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = fromHalf(h[i]!);
  return out;
}
