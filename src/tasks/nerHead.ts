/**
 * NER through a trained token (BIO) head (src/tasks/heads, `onramp train-head --kind token`): each processed piece
 * is tagged by the head over per-token embeddings, and entities are mapped back to character offsets in the
 * caller's original text. Used by the ner adapter when the pack has a `head` or the caller passes one (`--head`).
 */
import { ConfigError } from '../errors.js';
import { mapSpan } from '../preprocess/offsets.js';
import { baseExplanation, prepareInput } from './prepare.js';
import type { TaskPack } from './pack.js';
import type { HeadRunnerLike, NerEntity, NerResult, RunTaskOptions, TaskInput } from './types.js';

/** Entity types a BIO label set covers: `['O', 'B-PER', 'I-PER']` -> `{PER}`. */
function bioTypes(labels: readonly string[]): Set<string> {
  return new Set(labels.filter((l) => /^[BI]-/.test(l)).map((l) => l.slice(2)));
}

/**
 * Checks that `head` fits a ner pack: a token head whose entity types include every pack label. Throws ConfigError
 * naming `field` (the pack's `head`, or the `--head` flag) otherwise. A head of unknown shape passes (checked on
 * its first prediction).
 *
 * @example
 * assertNerHead(pack, await HeadRunner.create(engine, 'ner-head.json'), '--head')
 */
export function assertNerHead(pack: TaskPack, head: HeadRunnerLike, field = 'head'): void {
  const h = head.head;
  if (!h) return;
  const where = pack.file && field === 'head' ? { file: pack.file } : {}; // a flag names no pack file
  if (h.kind !== 'token') throw new ConfigError(`task ${pack.id} is a ner pack and needs a token (BIO) head; this head is a ${h.kind} head`, { field, ...where });
  const types = bioTypes(h.labels);
  const missing = pack.labels.find((l) => !types.has(l.name));
  if (missing) throw new ConfigError(`the token head has no entity type '${missing.name}' (it tags ${[...types].join(', ') || 'nothing'})`, { field, ...where });
}

/**
 * Runs a ner pack with a token head: Hugging Face entities with offsets into the original text, scores are the
 * head's mean tag probabilities, `thresholds.entity` applies, entity types outside the pack are dropped (listed
 * in `explanation.droppedEntities`). `explanation.scorer` is 'head'.
 *
 * @example
 * const r = await nerWithHead(pack, 'Angela Merkel visited Paris.', { engine }, head)
 * r.entities // [{ entity_group: 'PER', word: 'Angela Merkel', start: 0, end: 13, score: 0.91 }, …]
 */
export async function nerWithHead(pack: TaskPack, input: TaskInput, opts: RunTaskOptions, head: HeadRunnerLike): Promise<NerResult> {
  const t0 = performance.now();
  assertNerHead(pack, head);
  const prep = prepareInput(pack, input, opts.engine);
  const explanation = baseExplanation(pack, prep);
  explanation.scorer = 'head';
  explanation.droppedEntities = [];
  const labels = new Set(pack.labels.map((l) => l.name));
  const t1 = performance.now();
  const preds = await head.predict(prep.pieces.map((p) => p.text), opts.signal ? { signal: opts.signal } : {});
  explanation.timings.engineMs = performance.now() - t1;
  const found = new Map<string, NerEntity>();
  preds.forEach((pred, i) => {
    if (pred?.kind !== 'token') throw new ConfigError(`head of task ${pack.id} does not tag tokens (a ner pack needs a token head)`, { field: 'head' });
    const piece = prep.pieces[i]!;
    for (const e of pred.entities) {
      const o = mapSpan(piece, e.start, e.end);
      const word = prep.original.slice(o.start, o.end);
      if (!labels.has(e.entity_group)) {
        explanation.droppedEntities!.push({ text: word, label: e.entity_group, reason: 'label not in the pack' });
        continue;
      }
      if (e.score < pack.thresholds.entity) {
        explanation.droppedEntities!.push({ text: word, label: e.entity_group, reason: 'below thresholds.entity' });
        continue;
      }
      const key = `${o.start}:${o.end}:${e.entity_group}`;
      const prev = found.get(key);
      if (!prev || prev.score < e.score) found.set(key, { entity_group: e.entity_group, score: e.score, word, start: o.start, end: o.end });
    }
  });
  explanation.timings.totalMs = performance.now() - t0;
  const entities = [...found.values()].sort((a, b) => a.start - b.start || a.end - b.end);
  return { kind: 'ner', entities, explanation };
}
