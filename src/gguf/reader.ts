import { GgufFormatError } from '../errors.js';
import { lazyArrayEntry, type RawArray } from './arrays.js';
import { bufferSource, Cursor, openFileSource, type ByteSource } from './source.js';
import {
  GGML_TYPES,
  GGUF_SCALAR_SIZE,
  GgufValueType,
  type GgufFile,
  type GgufMetadataEntry,
  type GgufScalar,
  type GgufTensorInfo,
} from './types.js';

/** "GGUF" little-endian. */
export const GGUF_MAGIC = 0x46554747;
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** llama.cpp's limits (gguf.cpp GGUF_MAX_STRING_LENGTH, ggml.h GGML_MAX_NAME, GGML_MAX_DIMS). */
export const GGUF_MAX_STRING_LENGTH = 1024 * 1024 * 1024;
export const GGML_MAX_NAME = 64;
export const GGML_MAX_DIMS = 4;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Smallest possible encodings, used to bound counts by the bytes left in the file. */
const MIN_KV_BYTES = 8 + 1 + 4 + 1;
const MIN_TENSOR_INFO_BYTES = 8 + 1 + 4 + 8 + 4 + 8;
const HEADER_BYTES = 24;

type Scalar = Exclude<GgufValueType, GgufValueType.ARRAY>;

function checkStringLength(c: Cursor, n: bigint, at: number, what: string): number {
  if (n > BigInt(GGUF_MAX_STRING_LENGTH)) c.fail(`${what} length ${n} exceeds the 1 GiB limit`, at);
  if (n > BigInt(c.remaining)) c.fail(`${what} length ${n} exceeds the ${c.remaining} bytes left in the file`, at);
  return Number(n);
}

async function readString(c: Cursor, what: string): Promise<string> {
  await c.need(8, `${what} length`);
  const at = c.pos;
  const n = checkStringLength(c, c.u64(), at, what);
  await c.need(n, what);
  return c.utf8(n);
}

/** Reads a value whose bytes are all in the window; undefined (pos unchanged) when a read is needed. */
function scalarSync(c: Cursor, type: Scalar, what: string): GgufScalar | undefined {
  if (type === GgufValueType.STRING) {
    if (!c.has(8)) return undefined;
    const at = c.pos;
    const n = checkStringLength(c, c.u64(), at, what);
    if (!c.has(n)) {
      c.pos = at;
      return undefined;
    }
    return c.utf8(n);
  }
  const size = GGUF_SCALAR_SIZE[type];
  if (size === undefined) c.fail(`${what}: invalid value type ${type}`);
  if (!c.has(size)) return undefined;
  switch (type) {
    case GgufValueType.UINT8: return c.u8();
    case GgufValueType.INT8: return c.i8();
    case GgufValueType.UINT16: return c.u16();
    case GgufValueType.INT16: return c.i16();
    case GgufValueType.UINT32: return c.u32();
    case GgufValueType.INT32: return c.i32();
    case GgufValueType.FLOAT32: return c.f32();
    case GgufValueType.FLOAT64: return c.f64();
    case GgufValueType.UINT64: return c.u64();
    case GgufValueType.INT64: return c.i64();
    case GgufValueType.BOOL: {
      const at = c.pos;
      const b = c.u8();
      if (b > 1) c.fail(`${what}: bool value must be 0 or 1, got ${b}`, at);
      return b === 1;
    }
  }
  return undefined;
}

async function readScalar(c: Cursor, type: Scalar, what: string): Promise<GgufScalar> {
  const v = scalarSync(c, type, what);
  if (v !== undefined) return v;
  if (type === GgufValueType.STRING) return readString(c, what);
  await c.need(GGUF_SCALAR_SIZE[type] ?? 1, what);
  return scalarSync(c, type, what)!;
}

/**
 * Records the ends of the string elements j.. that lie whole in `win` (parsing from index p); returns the new
 * [p, j]. Stops at the first element that does not fit or whose length is suspect (the caller re-reads it with
 * full checks). A small sync function so the JIT optimizes it early: it runs once per token.
 */
function scanStrings(win: Buffer, p: number, j: number, n: number, ends: Float64Array, delta: number): [number, number] {
  const lim = win.length;
  while (j < n && p + 8 <= lim) {
    const len = (win[p]! | (win[p + 1]! << 8) | (win[p + 2]! << 16) | (win[p + 3]! << 24)) >>> 0;
    if ((win[p + 4]! | win[p + 5]! | win[p + 6]! | win[p + 7]!) !== 0 || len > GGUF_MAX_STRING_LENGTH || p + 8 + len > lim) break;
    p += 8 + len;
    ends[j++] = p + delta;
  }
  return [p, j];
}

/**
 * Checks every element length of a string array in a tight loop over the read-ahead window (no decoding) and
 * returns the array's bytes; elements that straddle the window take the bounded slow path.
 */
async function readStringArray(c: Cursor, key: string, n: number): Promise<RawArray> {
  const base = c.pos;
  // Grown with the bytes actually read (each element takes at least 8), not allocated from a count that may be corrupt.
  let ends = new Float64Array(Math.min(n, 1024));
  let j = 0;
  while (j < n) {
    const ws = c.windowStart;
    const room = Math.min(n, j + 1 + Math.floor((ws + c.window.length - c.pos) / 8));
    if (ends.length < room) {
      const grown = new Float64Array(Math.min(n, Math.max(room, ends.length * 2)));
      grown.set(ends);
      ends = grown;
    }
    const [p, k] = scanStrings(c.window, c.pos - ws, j, n, ends, ws - base);
    c.pos = ws + p;
    j = k;
    if (j === n) break;
    const what = `'${key}'[${j}]`;
    await c.need(8, `${what} length`);
    const at = c.pos;
    const len = checkStringLength(c, c.u64(), at, what);
    await c.need(len, what);
    c.pos += len;
    ends[j++] = c.pos - base;
  }
  const size = c.pos - base;
  const raw = base >= c.windowStart ? Buffer.from(c.window.subarray(base - c.windowStart, c.pos - c.windowStart)) : await c.src.read(base, size);
  return { elementType: GgufValueType.STRING, count: n, raw, ends };
}

/** A fixed-size element array: one bounds-checked read; bools must be 0 or 1. */
async function readFixedArray(c: Cursor, key: string, elementType: Scalar, n: number): Promise<RawArray> {
  const size = GGUF_SCALAR_SIZE[elementType]!;
  await c.need(n * size, `'${key}'`);
  const start = c.pos;
  const raw = c.take(n * size);
  if (elementType === GgufValueType.BOOL) {
    for (let j = 0; j < n; j++) {
      const b = raw[j]!;
      if (b > 1) c.fail(`${key}: bool value must be 0 or 1, got ${b}`, start + j);
    }
  }
  return { elementType, count: n, raw, ends: undefined };
}

function isScalarType(t: number): t is Scalar {
  return Number.isInteger(t) && t >= 0 && t <= GgufValueType.FLOAT64 && t !== GgufValueType.ARRAY;
}

async function readKv(c: Cursor, i: number, metadata: Map<string, GgufMetadataEntry>): Promise<void> {
  const offset = c.pos;
  const key = await readString(c, `key of metadata entry ${i}`);
  if (key.length === 0) c.fail(`metadata entry ${i} has an empty key`, offset);
  if (metadata.has(key)) c.fail(`duplicate metadata key '${key}'`, offset);
  await c.need(4, `type of '${key}'`);
  const typeAt = c.pos;
  const type = c.u32();
  if (type === GgufValueType.ARRAY) {
    await c.need(12, `array header of '${key}'`);
    const etAt = c.pos;
    const elementType = c.u32();
    if (!isScalarType(elementType)) {
      c.fail(`'${key}': invalid array element type ${elementType}${elementType === GgufValueType.ARRAY ? ' (nested arrays are not supported)' : ''}`, etAt);
    }
    const nAt = c.pos;
    const n = c.u64();
    const minElem = elementType === GgufValueType.STRING ? 8 : (GGUF_SCALAR_SIZE[elementType] ?? 1);
    if (n * BigInt(minElem) > BigInt(c.remaining)) {
      c.fail(`'${key}': array length ${n} needs at least ${n * BigInt(minElem)} bytes but only ${c.remaining} are left`, nAt);
    }
    const len = Number(n);
    const raw = elementType === GgufValueType.STRING ? await readStringArray(c, key, len) : await readFixedArray(c, key, elementType, len);
    metadata.set(key, lazyArrayEntry(raw, offset));
    return;
  }
  if (!isScalarType(type)) c.fail(`'${key}': invalid value type ${type}`, typeAt);
  const value = await readScalar(c, type, `value of '${key}'`);
  metadata.set(key, { type, value, offset });
}

interface RawTensor extends GgufTensorInfo {
  offsetFieldAt: number;
}

async function readTensorInfo(c: Cursor, i: number, names: Set<string>): Promise<RawTensor> {
  const infoOffset = c.pos;
  const name = await readString(c, `name of tensor ${i}`);
  if (name.length === 0) c.fail(`tensor ${i} has an empty name`, infoOffset);
  if (Buffer.byteLength(name) >= GGML_MAX_NAME) c.fail(`tensor name '${name.slice(0, 80)}' is ${Buffer.byteLength(name)} bytes, the limit is ${GGML_MAX_NAME - 1}`, infoOffset);
  if (names.has(name)) c.fail(`duplicate tensor name '${name}'`, infoOffset);
  names.add(name);
  await c.need(4, `n_dims of '${name}'`);
  const ndAt = c.pos;
  const nDims = c.u32();
  if (nDims < 1 || nDims > GGML_MAX_DIMS) c.fail(`tensor '${name}' has ${nDims} dimensions, must be 1..${GGML_MAX_DIMS}`, ndAt);
  await c.need(8 * nDims + 12, `shape, type and offset of '${name}'`);
  const shape: number[] = [];
  let elements = 1n;
  for (let d = 0; d < nDims; d++) {
    const at = c.pos;
    const n = c.i64();
    if (n <= 0n) c.fail(`tensor '${name}' dimension ${d} is ${n}, must be positive`, at);
    elements *= n;
    if (elements > MAX_SAFE) c.fail(`tensor '${name}' has too many elements (dimension ${d} = ${n} overflows)`, at);
    shape.push(Number(n));
  }
  const typeAt = c.pos;
  const type = c.i32();
  const t = GGML_TYPES.get(type);
  if (!t) c.fail(`tensor '${name}' has unknown or removed ggml type ${type}`, typeAt);
  const row = shape[0] ?? 1;
  if (row % t.blockSize !== 0) c.fail(`tensor '${name}' of type ${t.name} has rows of ${row} elements, not a multiple of the block size ${t.blockSize}`, typeAt);
  const byteSize = (elements / BigInt(t.blockSize)) * BigInt(t.typeSize);
  if (byteSize > MAX_SAFE) c.fail(`tensor '${name}' byte size overflows`, typeAt);
  const offsetFieldAt = c.pos;
  const off = c.u64();
  if (off > MAX_SAFE) c.fail(`tensor '${name}' data offset ${off} is out of range`, offsetFieldAt);
  return {
    name, shape, type, typeName: t.name, offset: Number(off), absoluteOffset: 0, byteSize: Number(byteSize),
    elements: Number(elements), infoOffset, offsetFieldAt,
  };
}

function checkLayout(c: Cursor, tensors: RawTensor[], dataOffset: number, alignment: number): void {
  const size = c.src.size;
  for (const t of tensors) {
    if (t.offset % alignment !== 0) c.fail(`tensor '${t.name}' data offset ${t.offset} is not a multiple of the alignment ${alignment}`, t.offsetFieldAt);
    t.absoluteOffset = dataOffset + t.offset;
    if (t.absoluteOffset + t.byteSize > size) {
      c.fail(`tensor '${t.name}' data [${t.absoluteOffset}, ${t.absoluteOffset + t.byteSize}) lies outside the file (${size} bytes)`, t.offsetFieldAt);
    }
  }
  const sorted = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (a.offset + a.byteSize > b.offset) c.fail(`tensor '${b.name}' data overlaps tensor '${a.name}'`, b.offsetFieldAt);
  }
  // llama.cpp requires the data of tensor i to start where tensor i-1 ends (padded to the alignment).
  let expected = 0;
  for (const t of tensors) {
    if (t.offset !== expected) c.fail(`tensor '${t.name}' data offset is ${t.offset}, expected ${expected} (tensors must be stored in header order without gaps)`, t.offsetFieldAt);
    expected += Math.ceil(t.byteSize / alignment) * alignment;
  }
}

/** Parses and structurally validates a GGUF header from any ByteSource. */
export async function readGgufSource(src: ByteSource): Promise<GgufFile> {
  const c = new Cursor(src);
  if (src.size < 4) c.fail(`file is ${src.size} bytes, too short to be GGUF`, 0);
  await c.need(4, 'magic');
  const magic = c.u32();
  if (magic !== GGUF_MAGIC) {
    const shown = Buffer.alloc(4);
    shown.writeUInt32LE(magic);
    c.fail(`not a GGUF file: magic is ${JSON.stringify(shown.toString('latin1'))}, expected "GGUF"`, 0);
  }
  await c.need(HEADER_BYTES - 4, 'header');
  const version = c.u32();
  if (version !== 2 && version !== 3) c.fail(`unsupported GGUF version ${version} (2 and 3 are supported)`, 4);
  const nTensors = c.u64();
  const nKv = c.u64();
  const room = BigInt(Math.max(0, src.size - HEADER_BYTES));
  if (nTensors * BigInt(MIN_TENSOR_INFO_BYTES) > room) c.fail(`tensor count ${nTensors} cannot fit in a file of ${src.size} bytes`, 8);
  if (nKv * BigInt(MIN_KV_BYTES) > room) c.fail(`metadata count ${nKv} cannot fit in a file of ${src.size} bytes`, 16);

  const metadata = new Map<string, GgufMetadataEntry>();
  for (let i = 0; i < Number(nKv); i++) await readKv(c, i, metadata);

  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const al = metadata.get('general.alignment');
  if (al) {
    if (al.type !== GgufValueType.UINT32) c.fail(`general.alignment must be uint32, got type ${al.type}`, al.offset);
    alignment = al.value as number;
    if (alignment === 0 || (alignment & (alignment - 1)) !== 0) c.fail(`general.alignment ${alignment} is not a power of two`, al.offset);
  }

  const names = new Set<string>();
  const tensors: RawTensor[] = [];
  for (let i = 0; i < Number(nTensors); i++) tensors.push(await readTensorInfo(c, i, names));

  const infoEnd = c.pos;
  const dataOffset = tensors.length > 0 ? Math.ceil(infoEnd / alignment) * alignment : infoEnd;
  if (dataOffset > src.size) c.fail(`data section starts at ${dataOffset}, past the end of the file (${src.size} bytes)`, infoEnd);
  checkLayout(c, tensors, dataOffset, alignment);

  return {
    path: src.path,
    version,
    fileSize: src.size,
    alignment,
    dataOffset,
    metadata,
    tensors: tensors.map(({ offsetFieldAt: _, ...t }) => t),
  };
}

/**
 * Reads the header, metadata and tensor infos of a GGUF v2/v3 file with bounded reads (tensor data is not read)
 * and checks every count, length, type, shape, offset and the alignment. Throws `FileError` (missing, directory,
 * empty, unreadable) or `GgufFormatError` (with byte offset and reason).
 *
 * @example
 * const f = await readGguf('model.gguf')
 * console.log(f.metadata.get('general.architecture')?.value, f.tensors.length)
 */
export async function readGguf(path: string): Promise<GgufFile> {
  const src = await openFileSource(path);
  try {
    return await readGgufSource(src);
  } finally {
    await src.close();
  }
}

/**
 * Same as `readGguf` for bytes already in memory.
 *
 * @example
 * const f = await readGgufBuffer(fs.readFileSync('model.gguf'))
 */
export async function readGgufBuffer(buf: Uint8Array, path?: string): Promise<GgufFile> {
  if (buf.byteLength === 0) throw new GgufFormatError('empty buffer, not a GGUF file', 0, path);
  return readGgufSource(bufferSource(buf, path));
}

/**
 * Reads one tensor's raw bytes from a GGUF file (bounded read; use for tensors that fit in memory).
 *
 * @example
 * const bytes = await readTensorBytes('model.gguf', file.tensors[0])
 */
export async function readTensorBytes(path: string, tensor: GgufTensorInfo): Promise<Buffer> {
  const src = await openFileSource(path);
  try {
    if (tensor.absoluteOffset + tensor.byteSize > src.size) throw new GgufFormatError(`tensor '${tensor.name}' lies outside the file`, tensor.absoluteOffset, path);
    return await src.read(tensor.absoluteOffset, tensor.byteSize);
  } finally {
    await src.close();
  }
}
