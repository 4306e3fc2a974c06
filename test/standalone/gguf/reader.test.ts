import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileError, GgufFormatError } from '../../../src/errors.js';
import {
  GGML_TYPES, GgmlType, GgufValueType, GgufWriter, gv, readGguf, readGgufBuffer, tensorByteSize, validateGguf,
  validateGgufBuffer, type GgufMetadataValue,
} from '../../../src/gguf/index.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'onramp-gguf-'));

/** Every metadata type, arrays of each scalar type and of strings. */
function allTypes(): [string, GgufMetadataValue][] {
  return [
    ['t.u8', gv.u8(255)], ['t.i8', gv.i8(-128)], ['t.u16', gv.u16(65535)], ['t.i16', gv.i16(-32768)],
    ['t.u32', gv.u32(4294967295)], ['t.i32', gv.i32(-2147483648)], ['t.u64', gv.u64(18446744073709551615n)],
    ['t.i64', gv.i64(-9223372036854775808n)], ['t.f32', gv.f32(0.5)], ['t.f64', gv.f64(Math.PI)],
    ['t.bool', gv.bool(true)], ['t.bool0', gv.bool(false)], ['t.str', gv.str('héllo 世界 🙂')], ['t.empty', gv.str('')],
    ['a.u8', gv.array(GgufValueType.UINT8, [0, 1, 255])], ['a.i8', gv.array(GgufValueType.INT8, [-1, 127])],
    ['a.u16', gv.array(GgufValueType.UINT16, [7])], ['a.i16', gv.array(GgufValueType.INT16, [-7, 8])],
    ['a.u32', gv.array(GgufValueType.UINT32, [1, 2, 3])], ['a.i32', gv.array(GgufValueType.INT32, [-3, 0])],
    ['a.u64', gv.array(GgufValueType.UINT64, [1n, 2n ** 63n])], ['a.i64', gv.array(GgufValueType.INT64, [-(2n ** 62n)])],
    ['a.f32', gv.array(GgufValueType.FLOAT32, [1.5, -2.25])], ['a.f64', gv.array(GgufValueType.FLOAT64, [1e300])],
    ['a.bool', gv.array(GgufValueType.BOOL, [true, false])], ['a.str', gv.array(GgufValueType.STRING, ['a', '', 'ß'])],
    ['a.none', gv.array(GgufValueType.UINT32, [])],
  ];
}

function sample(alignment = 32): { w: GgufWriter; data: Uint8Array[]; buf: Buffer } {
  const w = new GgufWriter(alignment);
  for (const [k, v] of allTypes()) w.set(k, v);
  w.addTensor('a', [3], GgmlType.F32);
  w.addTensor('b', [4, 2], GgmlType.F16);
  w.addTensor('c', [32, 2], GgmlType.Q8_0);
  const data = w.tensors.map((t, i) => new Uint8Array(t.byteSize).fill(i + 1));
  return { w, data, buf: w.toBuffer(data) };
}

describe('gguf reader round trip', () => {
  it('reads back every metadata type and tensor info exactly as written', async () => {
    for (const alignment of [32, 64]) {
      const { w, buf } = sample(alignment);
      const f = await readGgufBuffer(buf);
      expect(f.version).toBe(3);
      expect(f.alignment).toBe(alignment);
      expect(f.dataOffset % alignment).toBe(0);
      for (const [k, v] of allTypes()) {
        const { offset: _, ...got } = f.metadata.get(k)!;
        expect(got, k).toEqual(v);
      }
      expect(f.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.type, offset: t.offset, byteSize: t.byteSize }))).toEqual(
        w.tensors.map((t) => ({ name: t.name, shape: t.shape, type: t.type, offset: t.offset, byteSize: t.byteSize })),
      );
      expect(f.tensors.map((t) => t.typeName)).toEqual(['F32', 'F16', 'Q8_0']);
      for (const t of f.tensors) expect(t.offset % alignment).toBe(0);
    }
  });

  it('reads the same through a file handle as from memory', async () => {
    const { buf } = sample();
    const p = path.join(tmp, 'rt.gguf');
    writeFileSync(p, buf);
    const a = await readGguf(p);
    const b = await readGgufBuffer(buf);
    expect(a.path).toBe(p);
    expect({ ...a, path: undefined }).toEqual({ ...b, path: undefined });
  });

  it('writes streamed tensors with padding to disk', async () => {
    const { w, data, buf } = sample();
    const p = path.join(tmp, 'stream.gguf');
    await w.writeFile(p, (_t, i) => data[i]!);
    const f = await validateGguf(p);
    expect(f.fileSize).toBe(buf.length);
  });

  it('computes byte sizes of quantized types from block sizes', () => {
    expect(tensorByteSize(GgmlType.Q4_K, [4096, 32])).toBe((4096 / 256) * 144 * 32);
    expect(tensorByteSize(GgmlType.Q8_0, [64])).toBe(68);
    expect(GGML_TYPES.get(14)).toMatchObject({ name: 'Q6_K', blockSize: 256, typeSize: 210 });
    expect(() => tensorByteSize(GgmlType.Q4_0, [16])).toThrow(RangeError);
  });
});

describe('gguf file errors name the path', () => {
  it('missing file, directory, empty file, non-GGUF file', async () => {
    const missing = path.join(tmp, 'nope.gguf');
    await expect(validateGguf(missing)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', path: missing });
    await expect(validateGguf(missing)).rejects.toThrow(missing);
    const dir = path.join(tmp, 'dir.gguf');
    mkdirSync(dir, { recursive: true });
    await expect(validateGguf(dir)).rejects.toBeInstanceOf(FileError);
    await expect(validateGguf(dir)).rejects.toMatchObject({ code: 'FILE_IS_DIRECTORY', path: dir });
    const empty = path.join(tmp, 'empty.gguf');
    writeFileSync(empty, '');
    await expect(validateGguf(empty)).rejects.toMatchObject({ code: 'FILE_EMPTY', path: empty });
    const text = path.join(tmp, 'text.gguf');
    writeFileSync(text, 'this is not a model, just some text\n');
    const e = await validateGguf(text).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(GgufFormatError);
    expect(e).toMatchObject({ code: 'GGUF_FORMAT', offset: 0, path: text });
    expect((e as Error).message).toContain(text);
    expect((e as Error).message).toContain('not a GGUF file');
    const short = path.join(tmp, 'short.gguf');
    writeFileSync(short, 'GG');
    await expect(validateGguf(short)).rejects.toMatchObject({ code: 'GGUF_FORMAT', path: short });
  });

  it('buffer variants reject empty input', async () => {
    await expect(readGgufBuffer(new Uint8Array(0))).rejects.toBeInstanceOf(GgufFormatError);
    await expect(validateGgufBuffer(Buffer.from('GGUF'))).rejects.toMatchObject({ code: 'GGUF_FORMAT', offset: 4 });
  });
});
