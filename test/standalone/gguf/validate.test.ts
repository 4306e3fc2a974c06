import { describe, expect, it } from 'vitest';
import { GgufFormatError } from '../../../src/errors.js';
import { GgmlType, GgufValueType, GgufWriter, gv, readGgufBuffer, validateGgufBuffer } from '../../../src/gguf/index.js';

/** A small valid llama-looking file; tests corrupt one field and expect the error at that field's offset. */
function base(opts: { alignment?: boolean; tokens?: string[] } = {}): Buffer {
  const w = new GgufWriter();
  w.set('general.architecture', gv.str('llama'));
  if (opts.alignment) w.set('general.alignment', gv.u32(32));
  w.set('llama.block_count', gv.u32(1));
  w.set('llama.embedding_length', gv.u32(8));
  w.set('llama.attention.head_count', gv.u32(2));
  w.set('llama.attention.head_count_kv', gv.u32(1));
  w.set('flag', gv.bool(true));
  w.set('tokenizer.ggml.tokens', gv.array(GgufValueType.STRING, opts.tokens ?? ['<unk>', 'a', 'b']));
  w.addTensor('t0', [8, 2], GgmlType.F32);
  w.addTensor('t1', [8], GgmlType.F32);
  w.addTensor('t2', [32, 1], GgmlType.Q8_0);
  return w.toBuffer(w.tensors.map((t) => new Uint8Array(t.byteSize)));
}

async function layout(buf: Buffer) {
  const f = await readGgufBuffer(buf);
  const kv = (key: string) => {
    const e = f.metadata.get(key)!;
    const typeAt = e.offset + 8 + Buffer.byteLength(key);
    return { at: e.offset, typeAt, valueAt: typeAt + 4, arrLenAt: typeAt + 8 };
  };
  const tensor = (name: string) => {
    const t = f.tensors.find((x) => x.name === name)!;
    const nd = t.infoOffset + 8 + Buffer.byteLength(name);
    const typeAt = nd + 4 + 8 * t.shape.length;
    return { at: t.infoOffset, ndimsAt: nd, dimAt: nd + 4, typeAt, offsetAt: typeAt + 4, info: t };
  };
  return { f, kv, tensor };
}

async function expectBad(buf: Buffer, offset: number, reason: RegExp): Promise<void> {
  const e = await validateGgufBuffer(buf, '/x/bad.gguf').catch((x: unknown) => x);
  expect(e, `expected a GgufFormatError matching ${reason}`).toBeInstanceOf(GgufFormatError);
  const g = e as GgufFormatError;
  expect(g.reason).toMatch(reason);
  expect(g.offset).toBe(offset);
  expect(g.path).toBe('/x/bad.gguf');
  expect(g.message).toContain('/x/bad.gguf');
}

describe('gguf validator rejects crafted files at the right byte offset', () => {
  it('accepts the base file', async () => {
    await expect(validateGgufBuffer(base())).resolves.toBeDefined();
  });

  it('header: magic, version, counts', async () => {
    const b = base();
    const m = Buffer.from(b); m.write('GGML', 0, 'latin1');
    await expectBad(m, 0, /not a GGUF file/);
    for (const v of [1, 4, 0x03000000]) {
      const x = Buffer.from(b); x.writeUInt32LE(v, 4);
      await expectBad(x, 4, /unsupported GGUF version/);
    }
    const t = Buffer.from(b); t.writeBigUInt64LE(2n ** 60n, 8);
    await expectBad(t, 8, /tensor count/);
    const k = Buffer.from(b); k.writeBigUInt64LE(0xffffffffffffffffn, 16);
    await expectBad(k, 16, /metadata count/);
    await expectBad(b.subarray(0, 20), 4, /unexpected end of file/);
  });

  it('metadata: string and array lengths, value types, bools, duplicates', async () => {
    const b = base();
    const { kv, f } = await layout(b);
    const first = kv('general.architecture');
    const x1 = Buffer.from(b); x1.writeBigUInt64LE(2n ** 40n, first.at);
    await expectBad(x1, first.at, /key of metadata entry 0 length .* exceeds the 1 GiB limit/);
    const x2 = Buffer.from(b); x2.writeBigUInt64LE(BigInt(b.length), first.at);
    await expectBad(x2, first.at, /exceeds the \d+ bytes left/);
    const bc = kv('llama.block_count');
    const x3 = Buffer.from(b); x3.writeUInt32LE(13, bc.typeAt);
    await expectBad(x3, bc.typeAt, /invalid value type 13/);
    const fl = kv('flag');
    const x4 = Buffer.from(b); x4.writeUInt8(2, fl.valueAt);
    await expectBad(x4, fl.valueAt, /bool value must be 0 or 1/);
    const tk = kv('tokenizer.ggml.tokens');
    const x5 = Buffer.from(b); x5.writeBigUInt64LE(2n ** 59n, tk.arrLenAt);
    await expectBad(x5, tk.arrLenAt, /array length/);
    const x6 = Buffer.from(b); x6.writeUInt32LE(GgufValueType.ARRAY, tk.typeAt + 4);
    await expectBad(x6, tk.typeAt + 4, /nested arrays/);
    expect(f.metadata.size).toBe(7);
    const w = new GgufWriter();
    w.set('aa', gv.u8(1)); w.set('bb', gv.u8(2));
    const d = w.toBuffer([]);
    d.write('aa', 24 + 8 + 2 + 4 + 1 + 8, 'latin1');
    await expectBad(d, 24 + 8 + 2 + 4 + 1, /duplicate metadata key 'aa'/);
  });

  it('alignment must be a uint32 power of two', async () => {
    const b = base({ alignment: true });
    const { kv } = await layout(b);
    const al = kv('general.alignment');
    const x = Buffer.from(b); x.writeUInt32LE(48, al.valueAt);
    await expectBad(x, al.at, /not a power of two/);
    const z = Buffer.from(b); z.writeUInt32LE(0, al.valueAt);
    await expectBad(z, al.at, /not a power of two/);
    const t = Buffer.from(b); t.writeUInt32LE(GgufValueType.INT32, al.typeAt);
    await expectBad(t, al.at, /must be uint32/);
  });

  it('tensor infos: dims, types, block sizes, names', async () => {
    const b = base();
    const { tensor } = await layout(b);
    const t0 = tensor('t0');
    const x1 = Buffer.from(b); x1.writeUInt32LE(5, t0.ndimsAt);
    await expectBad(x1, t0.ndimsAt, /5 dimensions/);
    const x2 = Buffer.from(b); x2.writeUInt32LE(0, t0.ndimsAt);
    await expectBad(x2, t0.ndimsAt, /0 dimensions/);
    const x3 = Buffer.from(b); x3.writeBigInt64LE(0n, t0.dimAt);
    await expectBad(x3, t0.dimAt, /dimension 0 is 0/);
    const x4 = Buffer.from(b); x4.writeBigInt64LE(-5n, t0.dimAt + 8);
    await expectBad(x4, t0.dimAt + 8, /dimension 1 is -5/);
    const x5 = Buffer.from(b); x5.writeBigInt64LE(2n ** 62n, t0.dimAt + 8);
    await expectBad(x5, t0.dimAt + 8, /too many elements/);
    const x6 = Buffer.from(b); x6.writeInt32LE(4, t0.typeAt);
    await expectBad(x6, t0.typeAt, /unknown or removed ggml type 4/);
    const x7 = Buffer.from(b); x7.writeInt32LE(GgmlType.Q4_0, t0.typeAt);
    await expectBad(x7, t0.typeAt, /not a multiple of the block size 32/);
    const t1 = tensor('t1');
    const x8 = Buffer.from(b); x8.write('t0', t1.at + 8, 'latin1');
    await expectBad(x8, t1.at, /duplicate tensor name 't0'/);
  });

  it('tensor data: outside the file, misaligned, overlapping, gaps, truncated data', async () => {
    const b = base();
    const { tensor, f } = await layout(b);
    const t1 = tensor('t1');
    const t2 = tensor('t2');
    const x1 = Buffer.from(b); x1.writeBigUInt64LE(BigInt(b.length), t2.offsetAt);
    await expectBad(x1, t2.offsetAt, /lies outside the file/);
    const x2 = Buffer.from(b); x2.writeBigUInt64LE(BigInt(t1.info.offset + 4), t1.offsetAt);
    await expectBad(x2, t1.offsetAt, /not a multiple of the alignment 32/);
    const x3 = Buffer.from(b); x3.writeBigUInt64LE(0n, t1.offsetAt);
    await expectBad(x3, t1.offsetAt, /overlaps tensor 't0'/);
    const x4 = Buffer.from(b); x4.writeBigUInt64LE(BigInt(t1.info.offset + 32), t1.offsetAt);
    await expectBad(x4, t2.offsetAt, /overlaps tensor 't1'/);
    const x5 = Buffer.from(b); x5.writeBigUInt64LE(2n ** 62n, t1.offsetAt);
    await expectBad(x5, t1.offsetAt, /out of range/);
    await expectBad(b.subarray(0, t2.info.absoluteOffset + t2.info.byteSize - 1), t2.offsetAt, /lies outside the file/);
    expect(f.dataOffset).toBeGreaterThan(t2.offsetAt + 8);
    await expectBad(b.subarray(0, f.dataOffset - 1), t2.offsetAt + 8, /data section starts at \d+, past the end of the file/);
  });

  it('model invariants llama.cpp would abort on', async () => {
    const dup = base({ tokens: ['<unk>', 'a', 'a'] });
    const { kv } = await layout(dup);
    await expectBad(dup, kv('tokenizer.ggml.tokens').at, /duplicate token "a" at index 2/);
    const b = base();
    const l = await layout(b);
    const x1 = Buffer.from(b); x1.writeUInt32LE(0, l.kv('llama.block_count').valueAt);
    await expectBad(x1, l.kv('llama.block_count').at, /'llama.block_count' is 0/);
    const x2 = Buffer.from(b); x2.writeUInt32LE(3, l.kv('llama.attention.head_count').valueAt);
    await expectBad(x2, l.kv('llama.attention.head_count').at, /not divisible by 'llama.attention.head_count' 3/);
    const x3 = Buffer.from(b); x3.writeUInt32LE(0, l.kv('llama.attention.head_count_kv').valueAt);
    await expectBad(x3, l.kv('llama.attention.head_count_kv').at, /not a multiple of 'llama.attention.head_count_kv' 0/);
  });
});
