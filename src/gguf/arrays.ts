/**
 * Metadata arrays kept as raw bytes: the reader checks an array's structure in a tight loop over the bytes and
 * decodes it into JS values only when `entry.value` is first read (tokenizer arrays of 150k strings cost ~0.1 s
 * to decode and are usually only validated). Internal to src/gguf.
 */
import { GgufValueType, type GgufMetadataEntry, type GgufScalar } from './types.js';

type ElementType = Exclude<GgufValueType, GgufValueType.ARRAY>;

/** An array's bytes as stored (without the type and count fields). */
export interface RawArray {
  readonly elementType: ElementType;
  readonly count: number;
  /** The array's bytes: for strings, each element's u64 length then its bytes. */
  readonly raw: Buffer;
  /** Strings only: end of element j in `raw` (its bytes are [ends[j-1] + 8, ends[j]), with ends[-1] = 0). */
  readonly ends: Float64Array | undefined;
}

const raws = new WeakMap<object, RawArray>();

function decode(r: RawArray): GgufScalar[] {
  const { raw, count: n } = r;
  const out = new Array<GgufScalar>(n);
  if (r.elementType === GgufValueType.STRING) {
    const ends = r.ends!;
    let s = 8;
    for (let j = 0; j < n; j++) {
      const e = ends[j]!;
      out[j] = raw.toString('utf8', s, e);
      s = e + 8;
    }
    return out;
  }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const read: (i: number) => GgufScalar = {
    [GgufValueType.UINT8]: (i: number) => dv.getUint8(i),
    [GgufValueType.INT8]: (i: number) => dv.getInt8(i),
    [GgufValueType.UINT16]: (i: number) => dv.getUint16(i * 2, true),
    [GgufValueType.INT16]: (i: number) => dv.getInt16(i * 2, true),
    [GgufValueType.UINT32]: (i: number) => dv.getUint32(i * 4, true),
    [GgufValueType.INT32]: (i: number) => dv.getInt32(i * 4, true),
    [GgufValueType.FLOAT32]: (i: number) => dv.getFloat32(i * 4, true),
    [GgufValueType.BOOL]: (i: number) => dv.getUint8(i) === 1,
    [GgufValueType.UINT64]: (i: number) => dv.getBigUint64(i * 8, true),
    [GgufValueType.INT64]: (i: number) => dv.getBigInt64(i * 8, true),
    [GgufValueType.FLOAT64]: (i: number) => dv.getFloat64(i * 8, true),
  }[r.elementType];
  for (let j = 0; j < n; j++) out[j] = read(j);
  return out;
}

function settle(entry: object, value: GgufScalar[]): void {
  raws.delete(entry);
  Object.defineProperty(entry, 'value', { value, writable: true, enumerable: true, configurable: true });
}

/**
 * A metadata array entry whose `value` is decoded from `r` on first access (an ordinary data property from then
 * on; assigning it replaces the raw bytes).
 */
export function lazyArrayEntry(r: RawArray, offset: number): GgufMetadataEntry {
  const entry = { type: GgufValueType.ARRAY, elementType: r.elementType, offset } as GgufMetadataEntry;
  raws.set(entry, r);
  Object.defineProperty(entry, 'value', {
    enumerable: true,
    configurable: true,
    get(this: object): GgufScalar[] {
      const value = decode(r);
      settle(this, value);
      return value;
    },
    set(this: object, value: GgufScalar[]) {
      settle(this, value);
    },
  });
  return entry;
}

/**
 * The raw bytes of an array entry that has not been decoded yet, or undefined (decoded, assigned or not lazy).
 *
 * @example
 * const r = rawArrayOf(file.metadata.get('tokenizer.ggml.tokens')!)
 */
export function rawArrayOf(entry: GgufMetadataEntry): RawArray | undefined {
  return raws.get(entry);
}

/**
 * Element count of an array entry without decoding it (1 for scalars).
 *
 * @example
 * metaArrayLength(file.metadata.get('tokenizer.ggml.tokens')!) // 151936
 */
export function metaArrayLength(entry: GgufMetadataEntry): number {
  if (entry.type !== GgufValueType.ARRAY) return 1;
  return raws.get(entry)?.count ?? entry.value.length;
}

/**
 * The first index whose string duplicates an earlier element's bytes, or -1; an empty string at index i
 * counts as "[EMPTY_<i>]" (llama.cpp's rule for token texts). No strings are made: FNV-1a hashes of the byte
 * ranges are bucketed by their top bits (a counting sort), then each bucket gets a small open-addressing table
 * that stays in cache; equal hashes are confirmed by comparing bytes.
 *
 * @example
 * firstDuplicateString(rawArrayOf(tokens)!) // -1 when all token texts are distinct
 */
export function firstDuplicateString(r: RawArray): number {
  const ends = r.ends;
  if (!ends) throw new TypeError('not a string array');
  const raw = r.raw;
  const n = r.count;
  const hashes = new Int32Array(n);
  const empty = new Map<number, Buffer>();
  let s = 8;
  for (let j = 0; j < n; j++) {
    const e = ends[j]!;
    let b: Uint8Array = raw;
    let bs = s;
    let be = e;
    if (e === s) {
      b = Buffer.from(`[EMPTY_${j}]`, 'latin1');
      empty.set(j, b as Buffer);
      bs = 0;
      be = b.length;
    }
    let h = 0x811c9dc5 | 0;
    for (let i = bs; i < be; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    hashes[j] = h;
    s = e + 8;
  }
  const key = (j: number): Buffer => empty.get(j) ?? raw.subarray(j === 0 ? 8 : ends[j - 1]! + 8, ends[j]!);

  // Counting sort of the indices by the top `bits` of their hash (ascending index within a bucket).
  let bits = 1;
  while (bits < 24 && n >> bits > 256) bits++;
  const shift = 32 - bits;
  const nb = 1 << bits;
  const first = new Int32Array(nb + 1);
  for (let j = 0; j < n; j++) first[(hashes[j]! >>> shift) + 1]!++;
  let maxBucket = 0;
  for (let b = 0; b < nb; b++) {
    maxBucket = Math.max(maxBucket, first[b + 1]!);
    first[b + 1]! += first[b]!;
  }
  const fill = first.slice(0, nb);
  const order = new Int32Array(n);
  for (let j = 0; j < n; j++) order[fill[hashes[j]! >>> shift]!++] = j;

  let size = 4;
  while (size < maxBucket * 2) size *= 2;
  const mask = size - 1;
  const table = new Int32Array(size);
  let best = -1;
  for (let b = 0; b < nb; b++) {
    const lo = first[b]!;
    const hi = first[b + 1]!;
    if (hi - lo < 2) continue;
    table.fill(0);
    for (let p = lo; p < hi; p++) {
      const j = order[p]!;
      const h = hashes[j]!;
      for (let slot = h & mask; ; slot = (slot + 1) & mask) {
        const k = table[slot]!;
        if (k === 0) {
          table[slot] = j + 1;
          break;
        }
        if (hashes[k - 1] === h && key(k - 1).equals(key(j))) {
          if (best < 0 || j < best) best = j;
          p = hi;
          break;
        }
      }
    }
  }
  return best;
}
