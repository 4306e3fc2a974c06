/**
 * Metadata arrays kept as raw bytes: the reader checks an array's structure in a tight loop over the bytes and
 * decodes it into JS values only when `entry.value` is first read (tokenizer arrays of 150k strings cost ~0.1 s
 * to decode and are usually only validated). Internal to src/gguf.
 */
import { GgufValueType, type GgufMetadataEntry, type GgufScalar } from './types.js';

type ElementType = Exclude<GgufValueType, GgufValueType.ARRAY>;

/** An array's bytes as stored (without the type and count fields); made by the reader, read by the validator. */
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
 *
 * @example
 * metadata.set(key, lazyArrayEntry({ elementType: GgufValueType.UINT8, count: 2, raw: Buffer.from([1, 2]), ends: undefined }, offset))
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

/** A 32-bit hash of bytes [s, e): multiply-xor over 4-byte words, then murmur3's finalizer for even top bits. */
function hashBytes(b: Uint8Array, s: number, e: number): number {
  let h = (0x811c9dc5 ^ (e - s)) | 0;
  let i = s;
  for (; i + 4 <= e; i += 4) h = Math.imul(h ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)), 0x01000193);
  for (; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The hash of each element's bytes; an empty element j is hashed as "[EMPTY_j]" (its key bytes go to `empty`). */
function hashStrings(raw: Buffer, ends: Float64Array, n: number, empty: Map<number, Buffer>): Int32Array {
  const hashes = new Int32Array(n);
  let s = 8;
  for (let j = 0; j < n; j++) {
    const e = ends[j]!;
    if (e === s) {
      const b = Buffer.from(`[EMPTY_${j}]`, 'latin1');
      empty.set(j, b);
      hashes[j] = hashBytes(b, 0, b.length);
    } else {
      hashes[j] = hashBytes(raw, s, e);
    }
    s = e + 8;
  }
  return hashes;
}

/** The key bytes of string elements: their bytes in `raw`, or "[EMPTY_j]" for an empty element j. */
interface Keys {
  raw: Buffer;
  ends: Float64Array;
  empty: Map<number, Buffer>;
}

function keyOf(k: Keys, j: number): Buffer {
  return k.empty.get(j) ?? k.raw.subarray(j === 0 ? 8 : k.ends[j - 1]! + 8, k.ends[j]!);
}

/** Called only for equal hashes (rare): a module-level function keeps the hot loop's call site stable. */
function sameKey(k: Keys, a: number, b: number): boolean {
  return keyOf(k, a).equals(keyOf(k, b));
}

/**
 * Counting sort of the indices by the top `bits` of their hash (ascending index among equal top bits); returns
 * the indices and their hashes in that order.
 */
function sortByTopBits(hashes: Int32Array, bits: number): { order: Int32Array; sorted: Int32Array } {
  const n = hashes.length;
  const shift = 32 - bits;
  const nb = 1 << bits;
  const next = new Int32Array(nb + 1);
  for (let j = 0; j < n; j++) next[(hashes[j]! >>> shift) + 1]!++;
  for (let b = 0; b < nb; b++) next[b + 1]! += next[b]!;
  const order = new Int32Array(n);
  const sorted = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const h = hashes[j]!;
    const p = next[h >>> shift]!++;
    order[p] = j;
    sorted[p] = h;
  }
  return { order, sorted };
}

/**
 * Smallest index whose key equals an earlier index's, or -1 (equal hashes are confirmed by bytes). Linear probing in a
 * table addressed by the hash's top bits, filled in sorted order: consecutive inserts land in nearby slots and
 * every array is read nearly sequentially, so the scan streams through the cache.
 */
function scanSorted(order: Int32Array, sorted: Int32Array, keys: Keys): number {
  const n = order.length;
  let bits = 2;
  while (1 << bits < n * 2) bits++;
  const shift = 32 - bits;
  const mask = (1 << bits) - 1;
  // Slots hold a position in `sorted` + 1; 0 marks a free slot.
  const table = new Int32Array(1 << bits);
  let best = -1;
  for (let p = 0; p < n; p++) {
    const h = sorted[p]!;
    for (let slot = h >>> shift; ; slot = (slot + 1) & mask) {
      const q = table[slot]!;
      if (q === 0) {
        table[slot] = p + 1;
        break;
      }
      if (sorted[q - 1] === h && sameKey(keys, order[q - 1]!, order[p]!)) {
        const later = Math.max(order[q - 1]!, order[p]!);
        if (best < 0 || later < best) best = later;
        break;
      }
    }
  }
  return best;
}

/**
 * The first index whose string duplicates an earlier element's bytes, or -1; an empty string at index i
 * counts as "[EMPTY_<i>]" (llama.cpp's rule for token texts). No strings are made: hashes of the byte
 * ranges are sorted by their top bits (a counting sort) and inserted in that order into an open-addressing
 * table addressed by the same bits, so memory access is nearly sequential; equal hashes are confirmed by
 * comparing bytes.
 *
 * @example
 * firstDuplicateString(rawArrayOf(tokens)!) // -1 when all token texts are distinct
 */
export function firstDuplicateString(r: RawArray): number {
  const ends = r.ends;
  if (!ends) throw new TypeError('not a string array');
  const raw = r.raw;
  const n = r.count;
  const empty = new Map<number, Buffer>();
  const hashes = hashStrings(raw, ends, n, empty);
  let bits = 1;
  while (bits < 24 && n >> bits > 256) bits++;
  const { order, sorted } = sortByTopBits(hashes, bits);
  return scanSorted(order, sorted, { raw, ends, empty });
}
