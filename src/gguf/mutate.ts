import { seededRandom } from './numeric.js';
import { GgufValueType, type GgufFile } from './types.js';

/** Where the fields of a GGUF header sit, for structure-aware mutation. */
interface Field {
  at: number;
  size: 4 | 8;
  kind: 'count' | 'strlen' | 'arrlen' | 'vtype' | 'etype' | 'ndims' | 'dim' | 'ttype' | 'toffset' | 'value';
}

/** One mutated file and what was done to it (for failure messages). */
export interface GgufMutant {
  bytes: Buffer;
  description: string;
}

function fieldsOf(file: GgufFile): Field[] {
  const f: Field[] = [{ at: 8, size: 8, kind: 'count' }, { at: 16, size: 8, kind: 'count' }];
  for (const [key, e] of file.metadata) {
    const typeAt = e.offset + 8 + Buffer.byteLength(key);
    f.push({ at: e.offset, size: 8, kind: 'strlen' }, { at: typeAt, size: 4, kind: 'vtype' });
    if (e.type === GgufValueType.ARRAY) {
      f.push({ at: typeAt + 4, size: 4, kind: 'etype' }, { at: typeAt + 8, size: 8, kind: 'arrlen' });
      if (e.elementType === GgufValueType.STRING) f.push({ at: typeAt + 16, size: 8, kind: 'strlen' });
    } else if (e.type === GgufValueType.STRING) f.push({ at: typeAt + 4, size: 8, kind: 'strlen' });
    else if (e.type === GgufValueType.UINT32 || e.type === GgufValueType.INT32 || e.type === GgufValueType.FLOAT32) f.push({ at: typeAt + 4, size: 4, kind: 'value' });
  }
  for (const t of file.tensors) {
    const nd = t.infoOffset + 8 + Buffer.byteLength(t.name);
    f.push({ at: t.infoOffset, size: 8, kind: 'strlen' }, { at: nd, size: 4, kind: 'ndims' });
    t.shape.forEach((_, d) => f.push({ at: nd + 4 + 8 * d, size: 8, kind: 'dim' }));
    const typeAt = nd + 4 + 8 * t.shape.length;
    f.push({ at: typeAt, size: 4, kind: 'ttype' }, { at: typeAt + 4, size: 8, kind: 'toffset' });
  }
  return f;
}

const EDGE64 = [0n, 1n, 2n, 0xffn, 0xffffn, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0xffffffffffffffffn, 0x8000000000000000n, 1n << 40n];
const EDGE32 = [0, 1, 2, 3, 5, 12, 13, 31, 255, 0x7fffffff, 0xffffffff, 0x80000000];

/**
 * Seeded, structure-aware GGUF mutants of a valid file: truncations, bit flips (header and anywhere), huge and
 * off-by-one counts and lengths, wrong value, element and tensor types, bad dims, out-of-range, misaligned and
 * overlapping tensor offsets, bad hyperparameters, duplicate tokens, spliced and garbage bytes. Used by the fuzz
 * tests of the reader and of model/adapter loading.
 *
 * @example
 * for (const m of ggufMutants(bytes, await readGgufBuffer(bytes), 2000, 42)) check(m.bytes)
 */
export function* ggufMutants(base: Buffer, file: GgufFile, count: number, seed: number): Generator<GgufMutant> {
  const rand = seededRandom(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  const fields = fieldsOf(file);
  const header = file.dataOffset;
  const kinds = ['truncate', 'flipHeader', 'flipAny', 'field', 'field', 'field', 'offsets', 'hparam', 'dupToken', 'splice', 'garbage', 'magic'] as const;
  for (let i = 0; i < count; i++) {
    const b = Buffer.from(base);
    const kind = pick(kinds);
    let d: string = kind;
    switch (kind) {
      case 'truncate': {
        const len = rand() < 0.6 ? int(header + 1) : int(b.length);
        yield { bytes: b.subarray(0, len), description: `truncate to ${len}` };
        continue;
      }
      case 'flipHeader':
      case 'flipAny': {
        const n = 1 + int(8);
        const span = kind === 'flipHeader' ? header : b.length;
        const at: number[] = [];
        for (let j = 0; j < n; j++) {
          const p = int(span);
          at.push(p);
          b[p] = b[p]! ^ (1 << int(8));
        }
        d = `${kind} at ${at.join(',')}`;
        break;
      }
      case 'field': {
        const f = pick(fields);
        if (f.size === 8) {
          const old = b.readBigUInt64LE(f.at);
          const v = rand() < 0.5 ? pick(EDGE64) : rand() < 0.5 ? old + BigInt(int(5)) - 2n : BigInt(int(b.length * 2));
          b.writeBigUInt64LE(BigInt.asUintN(64, v), f.at);
          d = `${f.kind}@${f.at} ${old} -> ${BigInt.asUintN(64, v)}`;
        } else {
          const old = b.readUInt32LE(f.at);
          const v = rand() < 0.5 ? pick(EDGE32) : rand() < 0.5 ? (old + int(5) - 2) >>> 0 : int(64);
          b.writeUInt32LE(v >>> 0, f.at);
          d = `${f.kind}@${f.at} ${old} -> ${v >>> 0}`;
        }
        break;
      }
      case 'offsets': {
        const ts = file.tensors;
        if (ts.length < 2) break;
        const t = pick(ts);
        const fAt = fields.filter((f) => f.kind === 'toffset')[ts.indexOf(t)]!.at;
        const other = pick(ts);
        const choices = [other.offset, other.offset + file.alignment, b.length, b.length - file.dataOffset, t.offset + 1, t.offset + file.alignment, t.offset - file.alignment, 2 ** 53];
        const v = pick(choices);
        b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), fAt);
        d = `offset of ${t.name} ${t.offset} -> ${v}`;
        break;
      }
      case 'hparam': {
        const keys = [...file.metadata.entries()].filter(([, e]) => e.type === GgufValueType.UINT32 || e.type === GgufValueType.FLOAT32);
        if (keys.length === 0) break;
        const [key, e] = pick(keys);
        const at = e.offset + 8 + Buffer.byteLength(key) + 4;
        const v = pick([0, 1, 2, 3, 7, 513, 0xffffffff, 0x7fffffff, int(5000)]);
        if (e.type === GgufValueType.FLOAT32) b.writeFloatLE(pick([0, -1, NaN, Infinity, 1e30, v]), at);
        else b.writeUInt32LE(v, at);
        d = `hparam ${key} -> ${v}`;
        break;
      }
      case 'dupToken': {
        const toks = file.metadata.get('tokenizer.ggml.tokens');
        if (!toks || toks.type !== GgufValueType.ARRAY) break;
        // Byte tokens <0xNN> share a length: copy one over another.
        const k = 'tokenizer.ggml.tokens';
        let at = toks.offset + 8 + k.length + 4 + 4 + 8;
        const pos: number[] = [];
        for (const s of toks.value) {
          pos.push(at);
          at += 8 + Buffer.byteLength(String(s));
        }
        const byteIdx = toks.value.map((s, j) => (/^<0x[0-9A-F]{2}>$/.test(String(s)) ? j : -1)).filter((j) => j >= 0);
        if (byteIdx.length < 2) break;
        const a = pick(byteIdx);
        const c = pick(byteIdx);
        b.copy(b, pos[c]!, pos[a]!, pos[a]! + 14);
        d = `dupToken ${a} over ${c}`;
        break;
      }
      case 'splice': {
        const at = int(header);
        const n = 1 + int(16);
        const out = rand() < 0.5 ? Buffer.concat([b.subarray(0, at), b.subarray(at + n)]) : Buffer.concat([b.subarray(0, at), Buffer.alloc(n, int(256)), b.subarray(at)]);
        yield { bytes: out, description: `splice ${n} at ${at}` };
        continue;
      }
      case 'garbage': {
        const at = int(header);
        const n = 1 + int(64);
        for (let j = 0; j < n && at + j < b.length; j++) b[at + j] = int(256);
        d = `garbage ${n} at ${at}`;
        break;
      }
      case 'magic': {
        const p = int(8);
        b[p] = int(256);
        d = `magic/version byte ${p}`;
        break;
      }
    }
    yield { bytes: b, description: d };
  }
}
