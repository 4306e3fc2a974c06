import { open, rename, rm } from 'node:fs/promises';
import { InvalidArgumentError } from '../errors.js';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC } from './reader.js';
import { GGML_TYPES, GGUF_SCALAR_SIZE, GgufValueType, tensorByteSize, type GgufMetadataValue, type GgufScalar } from './types.js';

type Scalar = Exclude<GgufValueType, GgufValueType.ARRAY>;

/**
 * Typed metadata value constructors.
 *
 * @example
 * w.set('llama.block_count', gv.u32(2)); w.set('tokenizer.ggml.tokens', gv.array(GgufValueType.STRING, ['a', 'b']))
 */
export const gv = Object.freeze({
  u8: (v: number): GgufMetadataValue => ({ type: GgufValueType.UINT8, value: v }),
  i8: (v: number): GgufMetadataValue => ({ type: GgufValueType.INT8, value: v }),
  u16: (v: number): GgufMetadataValue => ({ type: GgufValueType.UINT16, value: v }),
  i16: (v: number): GgufMetadataValue => ({ type: GgufValueType.INT16, value: v }),
  u32: (v: number): GgufMetadataValue => ({ type: GgufValueType.UINT32, value: v }),
  i32: (v: number): GgufMetadataValue => ({ type: GgufValueType.INT32, value: v }),
  u64: (v: bigint | number): GgufMetadataValue => ({ type: GgufValueType.UINT64, value: BigInt(v) }),
  i64: (v: bigint | number): GgufMetadataValue => ({ type: GgufValueType.INT64, value: BigInt(v) }),
  f32: (v: number): GgufMetadataValue => ({ type: GgufValueType.FLOAT32, value: v }),
  f64: (v: number): GgufMetadataValue => ({ type: GgufValueType.FLOAT64, value: v }),
  bool: (v: boolean): GgufMetadataValue => ({ type: GgufValueType.BOOL, value: v }),
  str: (v: string): GgufMetadataValue => ({ type: GgufValueType.STRING, value: v }),
  array: (elementType: Scalar, value: GgufScalar[]): GgufMetadataValue => ({ type: GgufValueType.ARRAY, elementType, value }),
});

/** A tensor declared in the header; its bytes are supplied when writing. */
export interface GgufWriterTensor {
  name: string;
  /** ggml order (shape[0] = row length). */
  shape: number[];
  type: number;
  byteSize: number;
  /** Offset inside the data section. */
  offset: number;
}

function scalarSize(type: Scalar, v: GgufScalar): number {
  return type === GgufValueType.STRING ? 8 + Buffer.byteLength(String(v)) : (GGUF_SCALAR_SIZE[type] ?? 0);
}

function writeScalar(b: Buffer, at: number, type: Scalar, v: GgufScalar): number {
  switch (type) {
    case GgufValueType.UINT8: return b.writeUInt8(Number(v), at);
    case GgufValueType.INT8: return b.writeInt8(Number(v), at);
    case GgufValueType.UINT16: return b.writeUInt16LE(Number(v), at);
    case GgufValueType.INT16: return b.writeInt16LE(Number(v), at);
    case GgufValueType.UINT32: return b.writeUInt32LE(Number(v), at);
    case GgufValueType.INT32: return b.writeInt32LE(Number(v), at);
    case GgufValueType.FLOAT32: return b.writeFloatLE(Number(v), at);
    case GgufValueType.FLOAT64: return b.writeDoubleLE(Number(v), at);
    case GgufValueType.UINT64: return b.writeBigUInt64LE(BigInt(v), at);
    case GgufValueType.INT64: return b.writeBigInt64LE(BigInt(v), at);
    case GgufValueType.BOOL: return b.writeUInt8(v ? 1 : 0, at);
    case GgufValueType.STRING: {
      const n = b.write(String(v), at + 8, 'utf8');
      b.writeBigUInt64LE(BigInt(n), at);
      return at + 8 + n;
    }
  }
  throw new InvalidArgumentError('type', `invalid GGUF value type ${String(type)}`);
}

/**
 * Builds a GGUF v3 file: ordered metadata, tensor infos with aligned offsets, then tensor data streamed one tensor
 * at a time (never the whole file in memory).
 *
 * @example
 * const w = new GgufWriter()
 * w.set('general.architecture', gv.str('llama'))
 * w.addTensor('x', [4], GgmlType.F32)
 * await w.writeFile('out.gguf', () => new Uint8Array(16))
 */
export class GgufWriter {
  readonly metadata = new Map<string, GgufMetadataValue>();
  readonly tensors: GgufWriterTensor[] = [];
  private dataSize = 0;

  constructor(readonly alignment = GGUF_DEFAULT_ALIGNMENT) {
    if (!Number.isInteger(alignment) || alignment <= 0 || (alignment & (alignment - 1)) !== 0) {
      throw new InvalidArgumentError('alignment', `must be a power of two, got ${alignment}`);
    }
    if (alignment !== GGUF_DEFAULT_ALIGNMENT) this.metadata.set('general.alignment', gv.u32(alignment));
  }

  /** Sets (or replaces, keeping its position) a metadata key. */
  set(key: string, value: GgufMetadataValue): this {
    if (key.length === 0) throw new InvalidArgumentError('key', 'metadata key must not be empty');
    this.metadata.set(key, value);
    return this;
  }

  /** Declares a tensor; data is supplied in the same order when writing. */
  addTensor(name: string, shape: number[], type: number): GgufWriterTensor {
    if (!GGML_TYPES.has(type)) throw new InvalidArgumentError('type', `unknown ggml type ${type}`);
    if (shape.length < 1 || shape.length > 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new InvalidArgumentError('shape', `tensor ${name}: shape must have 1..4 positive dimensions, got [${shape.join(', ')}]`);
    }
    if (this.tensors.some((t) => t.name === name)) throw new InvalidArgumentError('name', `duplicate tensor ${name}`);
    const byteSize = tensorByteSize(type, shape);
    const t: GgufWriterTensor = { name, shape: [...shape], type, byteSize, offset: this.dataSize };
    this.dataSize += this.pad(byteSize);
    this.tensors.push(t);
    return t;
  }

  private pad(n: number): number {
    return Math.ceil(n / this.alignment) * this.alignment;
  }

  /** The header (magic through the padding before tensor data). */
  header(): Buffer {
    let size = 24;
    for (const [k, v] of this.metadata) {
      size += 8 + Buffer.byteLength(k) + 4;
      if (v.type === GgufValueType.ARRAY) {
        size += 12;
        for (const e of v.value) size += scalarSize(v.elementType, e);
      } else size += scalarSize(v.type, v.value);
    }
    for (const t of this.tensors) size += 8 + Buffer.byteLength(t.name) + 4 + 8 * t.shape.length + 4 + 8;
    const total = this.tensors.length > 0 ? this.pad(size) : size;
    const b = Buffer.alloc(total);
    let at = b.writeUInt32LE(GGUF_MAGIC, 0);
    at = b.writeUInt32LE(3, at);
    at = b.writeBigUInt64LE(BigInt(this.tensors.length), at);
    at = b.writeBigUInt64LE(BigInt(this.metadata.size), at);
    for (const [k, v] of this.metadata) {
      at = writeScalar(b, at, GgufValueType.STRING, k);
      at = b.writeUInt32LE(v.type, at);
      if (v.type === GgufValueType.ARRAY) {
        at = b.writeUInt32LE(v.elementType, at);
        at = b.writeBigUInt64LE(BigInt(v.value.length), at);
        for (const e of v.value) at = writeScalar(b, at, v.elementType, e);
      } else at = writeScalar(b, at, v.type, v.value);
    }
    for (const t of this.tensors) {
      at = writeScalar(b, at, GgufValueType.STRING, t.name);
      at = b.writeUInt32LE(t.shape.length, at);
      for (const d of t.shape) at = b.writeBigInt64LE(BigInt(d), at);
      at = b.writeInt32LE(t.type, at);
      at = b.writeBigUInt64LE(BigInt(t.offset), at);
    }
    return b;
  }

  /**
   * Writes the file. `data(tensor, i)` yields the tensor's bytes, whole or in chunks (an async iterable keeps
   * memory flat for big tensors). Written to `<path>.tmp-*` and renamed, so readers never see a partial file.
   */
  async writeFile(path: string, data: (t: GgufWriterTensor, i: number) => Uint8Array | Promise<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<void> {
    const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const fh = await open(tmp, 'w');
    try {
      let pos = 0;
      const put = async (b: Uint8Array): Promise<void> => {
        let done = 0;
        while (done < b.byteLength) done += (await fh.write(b, done, b.byteLength - done, pos + done)).bytesWritten;
        pos += b.byteLength;
      };
      const header = this.header();
      await put(header);
      for (let i = 0; i < this.tensors.length; i++) {
        const t = this.tensors[i]!;
        const start = pos;
        const d = await data(t, i);
        if (d instanceof Uint8Array) await put(d);
        else for await (const chunk of d) await put(chunk);
        if (pos - start !== t.byteSize) throw new InvalidArgumentError('data', `tensor ${t.name}: got ${pos - start} bytes, expected ${t.byteSize}`);
        const padding = this.pad(t.byteSize) - t.byteSize;
        if (padding > 0) await put(new Uint8Array(padding));
      }
      await fh.close();
      await rename(tmp, path);
    } catch (e) {
      await fh.close().catch(() => {});
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /** The whole file in memory (small files: tests, fuzzing). `data[i]` holds tensor i's bytes. */
  toBuffer(data: Uint8Array[]): Buffer {
    const header = this.header();
    const out = Buffer.alloc(header.length + this.dataSize);
    header.copy(out, 0);
    this.tensors.forEach((t, i) => {
      const d = data[i];
      if (!d || d.byteLength !== t.byteSize) throw new InvalidArgumentError('data', `tensor ${t.name}: expected ${t.byteSize} bytes`);
      out.set(d, header.length + t.offset);
    });
    return out;
  }
}
