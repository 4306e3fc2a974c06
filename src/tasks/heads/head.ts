/**
 * A trained head as a value: kind, labels, the base model's identity, standardization and dense parameters.
 * Saved as JSON (`format: "onramp-head"`); loading validates every field and, given the model at hand, refuses
 * a head trained on another model with HeadModelMismatchError.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError, FileError } from '../../errors.js';
import { logitsInto, type DenseParams, type Standardization } from './dense.js';
import { assertSameModel, type ModelIdentity } from './identity.js';
import { lossFor, type HeadKind } from './losses.js';
import type { TrainResult } from './train.js';

/** A trained head, ready to predict. */
export interface Head {
  kind: HeadKind;
  /** Class names (softmax, sigmoid), output names (linear) or BIO tags (token). */
  labels: string[];
  /** Sigmoid decision threshold (default 0.5). */
  threshold: number;
  model: ModelIdentity;
  params: DenseParams;
  standardization: Standardization | null;
  /** Training settings and dev metrics, for the record. */
  training: Record<string, unknown>;
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const HeadJson = z.object({
  format: z.literal('onramp-head'),
  version: z.literal(1),
  kind: z.enum(['softmax', 'sigmoid', 'linear', 'token']),
  labels: z.array(z.string()).min(1),
  threshold: finite.default(0.5),
  model: z.object({
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    nEmbd: z.number().int().positive(),
    pooling: z.enum(['mean', 'cls', 'last', 'none']),
    normalize: z.boolean(),
    file: z.string().optional(),
  }),
  inputDim: z.number().int().positive(),
  weights: z.array(z.array(finite)),
  bias: z.array(finite),
  standardization: z.object({ mean: z.array(finite), std: z.array(finite) }).nullable(),
  training: z.record(z.string(), z.unknown()).default({}),
});

/**
 * Builds a Head from a training result.
 *
 * @example
 * const head = makeHead(trainDense(train, dev, opts), { kind: 'softmax', labels: ['neg', 'pos'], model: id })
 */
export function makeHead(
  res: Pick<TrainResult, 'params' | 'standardization'>,
  meta: { kind: HeadKind; labels: string[]; model: ModelIdentity; threshold?: number; training?: Record<string, unknown> },
): Head {
  return {
    kind: meta.kind,
    labels: meta.labels,
    threshold: meta.threshold ?? 0.5,
    model: meta.model,
    params: res.params,
    standardization: res.standardization,
    training: meta.training ?? {},
  };
}

/**
 * The head's outputs for one input vector: probabilities (softmax, token), per-label probabilities (sigmoid)
 * or values (linear).
 *
 * @example
 * const probs = headOutputs(head, embedding) // Float64Array(head.labels.length)
 */
export function headOutputs(head: Head, x: ArrayLike<number>): Float64Array {
  const { params, standardization: st } = head;
  let v: ArrayLike<number> = x;
  if (st) {
    const z = new Float64Array(params.inputDim);
    for (let i = 0; i < params.inputDim; i++) z[i] = ((x[i] as number) - st.mean[i]!) / st.std[i]!;
    v = z;
  }
  const logits = new Float64Array(params.outputDim);
  logitsInto(params, v, 0, logits);
  const out = new Float64Array(params.outputDim);
  lossFor(head.kind).activate(logits, out);
  return out;
}

/**
 * The head as a JSON-serialisable object (numbers at full double precision).
 *
 * @example
 * await writeFile('head.json', JSON.stringify(headToJson(head)))
 */
export function headToJson(head: Head): z.input<typeof HeadJson> {
  const { inputDim, outputDim, weights, bias } = head.params;
  const rows: number[][] = [];
  for (let o = 0; o < outputDim; o++) rows.push(Array.from(weights.subarray(o * inputDim, (o + 1) * inputDim)));
  return {
    format: 'onramp-head',
    version: 1,
    kind: head.kind,
    labels: head.labels,
    threshold: head.threshold,
    model: head.model,
    inputDim,
    weights: rows,
    bias: Array.from(bias),
    standardization: head.standardization
      ? { mean: Array.from(head.standardization.mean), std: Array.from(head.standardization.std) }
      : null,
    training: head.training,
  };
}

/**
 * Validates a parsed head JSON document. Throws ConfigError naming the field.
 *
 * @example
 * const head = headFromJson(JSON.parse(text), 'head.json')
 */
export function headFromJson(doc: unknown, file?: string): Head {
  const r = HeadJson.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ConfigError(issue?.message ?? 'invalid head', { ...(file ? { file } : {}), field: issue?.path.join('.') || 'head' });
  }
  const h = r.data;
  const k = h.labels.length;
  const bad = (field: string, msg: string): never => {
    throw new ConfigError(msg, { ...(file ? { file } : {}), field });
  };
  if (h.weights.length !== k) bad('weights', `expected ${k} rows (one per label), got ${h.weights.length}`);
  if (h.bias.length !== k) bad('bias', `expected ${k} values, got ${h.bias.length}`);
  const weights = new Float64Array(k * h.inputDim);
  h.weights.forEach((row, o) => {
    if (row.length !== h.inputDim) bad(`weights.${o}`, `expected ${h.inputDim} values, got ${row.length}`);
    weights.set(row, o * h.inputDim);
  });
  let standardization: Standardization | null = null;
  if (h.standardization) {
    if (h.standardization.mean.length !== h.inputDim || h.standardization.std.length !== h.inputDim) {
      bad('standardization', `mean and std must have ${h.inputDim} values`);
    }
    if (h.standardization.std.some((s) => s <= 0)) bad('standardization.std', 'must be positive');
    standardization = { mean: Float64Array.from(h.standardization.mean), std: Float64Array.from(h.standardization.std) };
  }
  const model: ModelIdentity = { sha256: h.model.sha256, nEmbd: h.model.nEmbd, pooling: h.model.pooling, normalize: h.model.normalize };
  if (h.model.file !== undefined) model.file = h.model.file;
  return {
    kind: h.kind,
    labels: h.labels,
    threshold: h.threshold,
    model,
    params: { inputDim: h.inputDim, outputDim: k, weights, bias: Float64Array.from(h.bias) },
    standardization,
    training: h.training,
  };
}

/**
 * Writes a head to a JSON file.
 *
 * @example
 * await saveHead(head, 'head.json')
 */
export async function saveHead(head: Head, file: string): Promise<void> {
  await writeFile(file, `${JSON.stringify(headToJson(head))}\n`);
}

/**
 * Reads and validates a head file; with `model`, also refuses a head trained on another model
 * (HeadModelMismatchError).
 *
 * @example
 * const head = await loadHead('head.json', { model: await modelIdentity(engine.modelInfo) })
 */
export async function loadHead(file: string, opts: { model?: ModelIdentity } = {}): Promise<Head> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : code === 'EISDIR' ? 'FILE_IS_DIRECTORY' : 'FILE_UNREADABLE', file, 'cannot read head', e);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`not JSON: ${(e as Error).message}`, { file });
  }
  const head = headFromJson(doc, file);
  if (opts.model) assertSameModel(head.model, opts.model);
  return head;
}
