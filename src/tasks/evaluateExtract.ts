/**
 * Evaluation of extract packs: the pack runs on every text and its record is compared with the gold record
 * (src/eval/extractReport.ts): per-field exact-match accuracy, schema-valid rate, whole-record exact-match rate.
 * An output that does not parse or match the schema is kept as invalid (with the error and raw output) and
 * counts as wrong on every field.
 */
import { extractReport, schemaFields, type ExtractReport } from '../eval/extractReport.js';
import type { RecordExample } from '../eval/readers.js';
import { OutputValidationError } from '../errors.js';
import { extract } from './adapters/extract.js';
import { pool, type EvalOptions } from './evaluate.js';
import type { TaskPack } from './pack.js';
import type { RunTaskOptions } from './types.js';

export interface ExtractPrediction {
  gold: Record<string, unknown>;
  /** The schema-valid record, or `null` when the output was invalid. */
  predicted: unknown;
  valid: boolean;
  /** Why the output was invalid. */
  error?: string;
  /** The model's raw output when it was invalid. */
  raw?: string;
}

export interface ExtractEval {
  report: ExtractReport;
  predictions: ExtractPrediction[];
  /** The per-field rows: the schema's top-level properties, then other gold keys. */
  fields: string[];
  examples: number;
  seconds: number;
  textsPerSecond: number;
}

/**
 * The fields an extract pack is scored on: its schema's top-level properties, then any other gold key.
 *
 * @example
 * extractFields(pack, [{ text: '…', gold: { people: 2, note: 'x' } }]) // ['date', 'time', 'people', …, 'note']
 */
export function extractFields(pack: TaskPack, examples: readonly RecordExample[]): string[] {
  const fields = schemaFields(pack.output.schema);
  for (const e of examples) for (const k of Object.keys(e.gold)) if (!fields.includes(k)) fields.push(k);
  return fields;
}

/**
 * Runs an extract pack on every example and scores its records. `extractReport(predictions, { fields })`
 * recomputes the report.
 *
 * @example
 * const ev = await evaluateExtract(pack, [{ text: 'table for 2, name Lee', gold: { people: 2, last_name: 'Lee' } }], { engine })
 * ev.report.fields.find((f) => f.field === 'people')?.accuracy
 */
export async function evaluateExtract(pack: TaskPack, examples: readonly RecordExample[], opts: RunTaskOptions & Omit<EvalOptions, 'abstain' | 'batchSize'> & { concurrency?: number }): Promise<ExtractEval> {
  const t0 = performance.now();
  let done = 0;
  const predictions = await pool(examples, opts.concurrency ?? 4, async (e): Promise<ExtractPrediction> => {
    let p: ExtractPrediction;
    try {
      const r = await extract(pack, e.text, opts);
      p = { gold: e.gold, predicted: r.data, valid: true };
    } catch (err) {
      if (!(err instanceof OutputValidationError)) throw err;
      p = { gold: e.gold, predicted: null, valid: false, error: err.message, raw: err.raw };
    }
    opts.onProgress?.(++done, examples.length);
    return p;
  });
  const seconds = (performance.now() - t0) / 1000;
  const fields = extractFields(pack, examples);
  return {
    report: extractReport(predictions, { fields }),
    predictions,
    fields,
    examples: predictions.length,
    seconds,
    textsPerSecond: predictions.length / Math.max(seconds, 1e-9),
  };
}
