/**
 * Synthetic LoRA adapters and a merge oracle for the LoRA tests, written with src/gguf. When the GGUF area's own
 * LoRA writer/merge exist, the tests prefer them (see `pickMerge`); this file keeps an independent F32 reference.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GgmlType, GgufValueType } from '../../src/gguf/types.js';
import type { GgufFile } from '../../src/gguf/types.js';
import { GgufWriter, gv } from '../../src/gguf/writer.js';
import { readGguf } from '../../src/gguf/reader.js';
import { fillUniform, hashString, seededRandom } from '../../src/gguf/numeric.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
export const loraCacheDir = path.join(repoRoot, '.cache', 'lora-tests');

export interface TestAdapterOptions {
  rank: number;
  alpha: number;
  /** Base tensor name suffixes, e.g. ['attn_q', 'attn_v']. */
  targets: string[];
  seed: number;
  std?: number;
  /** Override general.architecture (for wrong-base tests). */
  arch?: string;
  out: string;
  invocationTokens?: number[];
}

/** Writes a LoRA adapter for `base` (F32 factors). Returns the path. */
export async function writeTestAdapter(base: GgufFile, o: TestAdapterOptions): Promise<string> {
  await mkdir(path.dirname(o.out), { recursive: true });
  const arch = o.arch ?? String(base.metadata.get('general.architecture')?.value);
  const w = new GgufWriter();
  w.set('general.architecture', gv.str(arch));
  w.set('general.type', gv.str('adapter'));
  w.set('general.name', gv.str('onramp test adapter'));
  w.set('adapter.type', gv.str('lora'));
  w.set('adapter.lora.alpha', gv.f32(o.alpha));
  if (o.invocationTokens) w.set('adapter.alora.invocation_tokens', gv.array(GgufValueType.UINT32, o.invocationTokens));
  const data: Float32Array[] = [];
  const std = o.std ?? 0.05;
  for (const t of base.tensors) {
    const m = /^blk\.\d+\.([a-z_]+)\.weight$/.exec(t.name);
    if (!m || !o.targets.includes(m[1]!)) continue;
    const [nIn, nOut] = [t.shape[0]!, t.shape[1]!];
    w.addTensor(`${t.name}.lora_a`, [nIn, o.rank], GgmlType.F32);
    data.push(fillUniform(new Float32Array(nIn * o.rank), seededRandom(hashString(`${t.name}a`, o.seed)), std));
    w.addTensor(`${t.name}.lora_b`, [o.rank, nOut], GgmlType.F32);
    data.push(fillUniform(new Float32Array(o.rank * nOut), seededRandom(hashString(`${t.name}b`, o.seed)), std));
  }
  await w.writeFile(o.out, (_t, i) => new Uint8Array(data[i]!.buffer));
  return o.out;
}

/**
 * Independent merge oracle for F32 bases: W' = W + scale * (alpha / r) * B A, written as a new model file.
 */
export async function mergeF32(basePath: string, adapterPath: string, scale: number, out: string): Promise<string> {
  const base = await readGguf(basePath);
  const lora = await readGguf(adapterPath);
  const baseBytes = await readFile(basePath);
  const loraBytes = await readFile(adapterPath);
  const alpha = Number(lora.metadata.get('adapter.lora.alpha')?.value ?? 0);
  const f32 = (f: GgufFile, bytes: Buffer, name: string): Float32Array => {
    const t = f.tensors.find((x) => x.name === name)!;
    if (t.type !== GgmlType.F32) throw new Error(`${name} is not F32`);
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset + t.absoluteOffset, bytes.byteOffset + t.absoluteOffset + t.byteSize));
  };
  const w = new GgufWriter(base.alignment);
  for (const [k, e] of base.metadata) {
    if (k === 'general.alignment') continue;
    const { offset: _o, ...v } = e;
    w.set(k, v as Parameters<GgufWriter['set']>[1]);
  }
  const datas: Uint8Array[] = [];
  for (const t of base.tensors) {
    w.addTensor(t.name, t.shape, t.type);
    const hasA = lora.tensors.some((x) => x.name === `${t.name}.lora_a`);
    if (!hasA) {
      datas.push(baseBytes.subarray(t.absoluteOffset, t.absoluteOffset + t.byteSize));
      continue;
    }
    const W = f32(base, baseBytes, t.name);
    const A = f32(lora, loraBytes, `${t.name}.lora_a`);
    const B = f32(lora, loraBytes, `${t.name}.lora_b`);
    const [nIn, nOut] = [t.shape[0]!, t.shape[1]!];
    const r = A.length / nIn;
    const s = alpha ? (scale * alpha) / r : scale;
    for (let o = 0; o < nOut; o++) {
      for (let i = 0; i < nIn; i++) {
        let d = 0;
        for (let k = 0; k < r; k++) d += B[o * r + k]! * A[k * nIn + i]!;
        W[o * nIn + i]! += s * d;
      }
    }
    datas.push(new Uint8Array(W.buffer));
  }
  await mkdir(path.dirname(out), { recursive: true });
  await w.writeFile(out, (_t, i) => datas[i]!);
  return out;
}

/** The tiny F32 llama used by every LoRA test (cached under .cache/models). */
export async function tinyBase(seed = 1): Promise<string> {
  const { makeSyntheticModel } = await import('../../src/gguf/synthetic.js');
  return makeSyntheticModel({ shape: 'tiny', vocab: 'llama-spm', vocabLimit: 512, seed, type: 'f32' });
}
