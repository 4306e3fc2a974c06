/**
 * Test adapters the project's writer (src/gguf/lora.ts makeLora) does not make: another architecture, aLoRA
 * invocation tokens. Engine tests use makeLora/mergeLora directly.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GgmlType, GgufValueType } from '../../src/gguf/types.js';
import type { GgufFile } from '../../src/gguf/types.js';
import { GgufWriter, gv } from '../../src/gguf/writer.js';
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

/** The tiny F32 llama used by every LoRA test (cached under .cache/models). */
export async function tinyBase(seed = 1): Promise<string> {
  const { makeSyntheticModel } = await import('../../src/gguf/synthetic.js');
  return makeSyntheticModel({ shape: 'tiny', vocab: 'llama-spm', vocabLimit: 512, seed, type: 'f32' });
}
