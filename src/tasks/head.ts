/**
 * The bridge to trained heads (src/tasks/heads): when a pack names a head file, or the caller passes a head,
 * label probabilities come from the head instead of prompt scoring.
 */
import type { EngineLike } from '../engine/types.js';
import { ConfigError } from '../errors.js';
import { concatMapped, mapSpan } from '../preprocess/offsets.js';
import { HeadRunner } from './heads/HeadRunner.js';
import { assertNerHead } from './nerHead.js';
import { baseExplanation, prepareInput } from './prepare.js';
import type { TaskPack } from './pack.js';
import type { Explanation, HeadRunnerLike, RunTaskOptions, TaskInput } from './types.js';

/**
 * Checks that a head applies to a pack before anything runs, so a head is never ignored silently: classify and
 * multilabel packs need a softmax or sigmoid head that has every pack label; ner packs a token (BIO) head with
 * every pack label as an entity type; other kinds take no head. Throws ConfigError naming `field` (`--head` for
 * the CLI flag, `head` for the pack field). A head of unknown shape (no `head` property) passes.
 *
 * @example
 * assertHeadFits(pack, await HeadRunner.create(engine, file), '--head')
 */
export function assertHeadFits(pack: TaskPack, head: HeadRunnerLike, field = 'head'): void {
  const where = { field, ...(pack.file && field === 'head' ? { file: pack.file } : {}) }; // a flag names no pack file
  if (pack.kind === 'ner') return assertNerHead(pack, head, field);
  if (pack.kind !== 'classify' && pack.kind !== 'multilabel') {
    throw new ConfigError(`task ${pack.id} is a ${pack.kind} pack; a head applies to classify, multilabel and ner packs only`, where);
  }
  const h = head.head;
  if (!h) return;
  if (h.kind !== 'softmax' && h.kind !== 'sigmoid') throw new ConfigError(`task ${pack.id} is a ${pack.kind} pack and needs a softmax or sigmoid head; this head is a ${h.kind} head`, where);
  const missing = pack.labels.find((l) => !h.labels.includes(l.name));
  if (missing) throw new ConfigError(`head has no label '${missing.name}'`, where);
}

const runners = new WeakMap<EngineLike, Map<string, Promise<HeadRunnerLike>>>();

/**
 * The head runner of a pack for an engine (opened once per engine and file).
 *
 * @example
 * const head = await headFor(pack, { engine }) // undefined when the pack has no head
 */
export async function headFor(pack: TaskPack, opts: RunTaskOptions): Promise<HeadRunnerLike | undefined> {
  if (opts.head) return opts.head;
  if (!pack.head) return undefined;
  let m = runners.get(opts.engine);
  if (!m) runners.set(opts.engine, (m = new Map()));
  let p = m.get(pack.head);
  if (!p) {
    const open = opts.loadHead ?? ((engine: EngineLike, file: string) => HeadRunner.create(engine, file));
    p = open(opts.engine, pack.head);
    m.set(pack.head, p);
    p.catch(() => m!.delete(pack.head!));
  }
  return p;
}

/**
 * Label probabilities from a head, in the pack's label order; undefined when no head applies.
 *
 * @example
 * const viaHead = await headProbabilities(pack, 'text', { engine, head })
 */
export async function headProbabilities(pack: TaskPack, input: TaskInput, opts: RunTaskOptions): Promise<{ probs: number[]; explanation: Explanation } | undefined> {
  const head = await headFor(pack, opts);
  if (!head) return undefined;
  const t0 = performance.now();
  const prep = prepareInput(pack, input, opts.engine);
  const explanation = baseExplanation(pack, prep);
  const t1 = performance.now();
  const joined = concatMapped(prep.pieces, ' ');
  const [pred] = await head.predict([joined.text], { ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.explain ? { explain: opts.explain } : {}) });
  explanation.timings.engineMs = performance.now() - t1;
  if (!pred || (pred.kind !== 'softmax' && pred.kind !== 'sigmoid')) throw new ConfigError(`head of task ${pack.id} does not predict labels`, { field: 'head' });
  const byLabel = new Map(pred.scores.map((s) => [s.label, s.score]));
  const missing = pack.labels.find((l) => !byLabel.has(l.name));
  if (missing) throw new ConfigError(`head has no label '${missing.name}'`, { field: 'head', ...(pack.file ? { file: pack.file } : {}) });
  explanation.scorer = 'head';
  const words = pred.explanation?.words;
  if (words) {
    explanation.importantWords = words.map((w) => {
      const o = mapSpan(joined, w.start, w.end);
      return { text: joined.original.slice(o.start, o.end), start: o.start, end: o.end, importance: w.importance };
    });
  }
  explanation.timings.totalMs = performance.now() - t0;
  return { probs: pack.labels.map((l) => byLabel.get(l.name)!), explanation };
}
