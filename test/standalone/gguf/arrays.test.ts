import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GgufFormatError } from '../../../src/errors.js';
import { firstDuplicateString, metaArrayLength, rawArrayOf, type RawArray } from '../../../src/gguf/arrays.js';
import {
  checkModelInvariants, GgmlType, GgufValueType, GgufWriter, gv, readGguf, readGgufBuffer, seededRandom, validateGgufBuffer,
} from '../../../src/gguf/index.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'onramp-gguf-arrays-'));

/** A RawArray of byte strings laid out as GGUF stores them (u64 length, bytes). */
function rawOf(items: Uint8Array[]): RawArray {
  const parts: Buffer[] = [];
  const ends = new Float64Array(items.length);
  let at = 0;
  items.forEach((b, j) => {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(b.length));
    parts.push(len, Buffer.from(b));
    at += 8 + b.length;
    ends[j] = at;
  });
  return { elementType: GgufValueType.STRING, count: items.length, raw: Buffer.concat(parts), ends };
}

/** llama.cpp's rule, spelled out: byte strings, an empty token i counts as "[EMPTY_i]". */
function referenceFirstDuplicate(items: Uint8Array[]): number {
  const seen = new Set<string>();
  for (let j = 0; j < items.length; j++) {
    const b = items[j]!;
    const k = b.length === 0 ? `[EMPTY_${j}]` : Buffer.from(b).toString('latin1');
    if (seen.has(k)) return j;
    seen.add(k);
  }
  return -1;
}

function tokenFile(tokens: string[], extra?: (w: GgufWriter) => void): Buffer {
  const w = new GgufWriter();
  w.set('general.architecture', gv.str('llama'));
  w.set('tokenizer.ggml.tokens', gv.array(GgufValueType.STRING, tokens));
  w.set('tokenizer.ggml.scores', gv.array(GgufValueType.FLOAT32, tokens.map((_, i) => i / 2)));
  w.set('tokenizer.ggml.token_type', gv.array(GgufValueType.INT32, tokens.map((_, i) => i % 7)));
  extra?.(w);
  w.addTensor('t', [8], GgmlType.F32);
  return w.toBuffer([new Uint8Array(32)]);
}

describe('gguf metadata arrays are parsed from raw bytes and decoded on first access', () => {
  it('reads big string arrays across read windows the same from a file and from memory', async () => {
    const rand = seededRandom(5);
    const tokens = Array.from({ length: 20000 }, (_, i) => (i % 1000 === 0 ? `é${'x'.repeat(Math.floor(rand() * 3000))}🙂${i}` : `t${i}ß`));
    tokens[10000] = 'y'.repeat(600_000); // longer than the first read window: straddles it
    const buf = tokenFile(tokens, (w) => w.set('a.bool', gv.array(GgufValueType.BOOL, tokens.map((_, i) => i % 3 === 0))));
    const p = path.join(tmp, 'big.gguf');
    writeFileSync(p, buf);
    const fromFile = await readGguf(p);
    const fromMem = await readGgufBuffer(buf);
    for (const f of [fromFile, fromMem]) {
      const e = f.metadata.get('tokenizer.ggml.tokens')!;
      expect(rawArrayOf(e)?.count).toBe(tokens.length);
      expect(metaArrayLength(e)).toBe(tokens.length);
      checkModelInvariants(f);
      expect(rawArrayOf(e), 'validation does not decode').toBeDefined();
      expect(e.value).toEqual(tokens);
      expect(rawArrayOf(e), 'decoded once, then a plain value').toBeUndefined();
      expect(f.metadata.get('tokenizer.ggml.scores')!.value).toEqual(tokens.map((_, i) => i / 2));
      expect(f.metadata.get('a.bool')!.value).toEqual(tokens.map((_, i) => i % 3 === 0));
    }
    expect({ ...fromFile, path: undefined }).toEqual({ ...fromMem, path: undefined });
  });

  it('rejects a bool array element other than 0 or 1 at its offset', async () => {
    const buf = tokenFile(['a'], (w) => w.set('a.bool', gv.array(GgufValueType.BOOL, [true, false, true])));
    const e = (await readGgufBuffer(buf)).metadata.get('a.bool')!;
    const at = e.offset + 8 + 'a.bool'.length + 4 + 4 + 8 + 1;
    buf[at] = 2;
    const err = await readGgufBuffer(buf).catch((x: unknown) => x);
    expect(err).toMatchObject({ code: 'GGUF_FORMAT', offset: at });
    expect((err as GgufFormatError).reason).toMatch(/bool value must be 0 or 1, got 2/);
  });

  it('assigning an entry value replaces the raw bytes', async () => {
    const f = await readGgufBuffer(tokenFile(['a', 'b', 'c']));
    const e = f.metadata.get('tokenizer.ggml.tokens')!;
    (e as { value: unknown }).value = ['a', 'b', 'a'];
    expect(rawArrayOf(e)).toBeUndefined();
    expect(metaArrayLength(e)).toBe(3);
    expect(() => checkModelInvariants(f)).toThrow(/duplicate token "a" at index 2/);
  });

  it('finds the first duplicate byte string exactly like the reference, empty strings included', () => {
    const rand = seededRandom(11);
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(rand() * (round < 280 ? 40 : 3000));
      const alphabet = 1 + Math.floor(rand() * 4);
      const items: Uint8Array[] = [];
      for (let j = 0; j < n; j++) {
        const r = rand();
        if (r < 0.03) items.push(new Uint8Array(0));
        else if (r < 0.06) items.push(Buffer.from(`[EMPTY_${Math.floor(rand() * n)}]`, 'latin1'));
        else {
          const len = 1 + Math.floor(rand() * (round % 2 ? 3 : 12));
          items.push(Uint8Array.from({ length: len }, () => 0x7e + Math.floor(rand() * alphabet) * 0x41));
        }
      }
      // Make most rounds distinct so the "no duplicate" answer is exercised too.
      const distinct = round % 3 === 0 ? items.map((b, j) => (b.length === 0 ? b : Buffer.concat([b, Buffer.from(`#${j}`)]))) : items;
      expect(firstDuplicateString(rawOf(distinct)), `round ${round}`).toBe(referenceFirstDuplicate(distinct));
    }
  });

  it('compares token texts by bytes, as llama.cpp does', async () => {
    const expectDup = async (tokens: string[], index: number, text: string) => {
      const e = await validateGgufBuffer(tokenFile(tokens)).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(GgufFormatError);
      expect((e as GgufFormatError).reason).toBe(`'tokenizer.ggml.tokens' has duplicate token ${JSON.stringify(text)} at index ${index}`);
    };
    await expectDup(['a', 'ü', 'b', 'ü'], 3, 'ü');
    await expectDup(['a', '', '[EMPTY_1]'], 2, '[EMPTY_1]');
    await expectDup(['[EMPTY_1]', ''], 1, '[EMPTY_1]');
    await expect(validateGgufBuffer(tokenFile(['', '', '[EMPTY_0]x']))).resolves.toBeDefined();
    // Two different invalid UTF-8 bytes decode to the same U+FFFD in JS but are distinct tokens for llama.cpp.
    const buf = tokenFile(['<A>', '<B>']);
    buf[buf.indexOf('<A>') + 1] = 0xff;
    buf[buf.indexOf('<B>') + 1] = 0xfe;
    await expect(validateGgufBuffer(buf)).resolves.toBeDefined();
    buf[buf.indexOf(Buffer.from([0x3c, 0xfe, 0x3e])) + 1] = 0xff;
    const e = await validateGgufBuffer(buf).catch((x: unknown) => x);
    expect((e as GgufFormatError).reason).toMatch(/duplicate token ".*" at index 1/);
  });
});
