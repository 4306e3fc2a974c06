/**
 * Entity-level NER scoring equal to seqeval: the default (conlleval-like, lenient) chunking and the strict IOB2
 * mode, with seqeval's report text; plus a clearly labelled token-level report.
 */
import { InvalidArgumentError } from '../errors.js';
import { classificationReport, formatReport, type LabelScores, type Scores, type ZeroDivision, type ClassificationReport } from './classificationReport.js';

/** An entity: type and inclusive token span, in flattened (sentence-joined) coordinates. */
export interface EntityChunk {
  type: string;
  start: number;
  end: number;
}

function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return prevTag !== 'O' && prevTag !== '.' && prevType !== type;
}

function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && tag !== '.' && prevType !== type;
}

/**
 * seqeval's `get_entities` (default mode): sentences are joined with an 'O' between them; an I- tag may start
 * a chunk; a type change ends one.
 *
 * @example
 * getEntities([['B-PER', 'I-PER', 'O', 'I-LOC']]) // [{type:'PER',start:0,end:1},{type:'LOC',start:3,end:3}]
 */
export function getEntities(seqs: readonly (readonly string[])[]): EntityChunk[] {
  const flat: string[] = [];
  for (const s of seqs) flat.push(...s, 'O');
  let prevTag = 'O';
  let prevType = '';
  let begin = 0;
  const chunks: EntityChunk[] = [];
  flat.push('O');
  flat.forEach((chunk, i) => {
    // seqeval: tag = chunk[0]; type = chunk[1:].split('-', maxsplit=1)[-1] or '_'
    const rest = chunk.slice(1);
    const dash = rest.indexOf('-');
    const tag = chunk[0] ?? 'O';
    const type = (dash >= 0 ? rest.slice(dash + 1) : rest) || '_';
    if (endOfChunk(prevTag, tag, prevType, type)) chunks.push({ type: prevType, start: begin, end: i - 1 });
    if (startOfChunk(prevTag, tag, prevType, type)) begin = i;
    prevTag = tag;
    prevType = type;
  });
  return chunks;
}

/**
 * Strict IOB2 entities (seqeval `mode='strict', scheme=IOB2`): an entity is B-X followed by I-X*; an I- that
 * does not continue a B- of its type is not an entity.
 *
 * @example
 * getEntitiesStrictIob2([['I-PER', 'I-PER', 'B-LOC']]) // [{type:'LOC',start:2,end:2}]
 */
export function getEntitiesStrictIob2(seqs: readonly (readonly string[])[]): EntityChunk[] {
  const chunks: EntityChunk[] = [];
  let offset = 0;
  for (const s of seqs) {
    let cur: EntityChunk | undefined;
    s.forEach((t, i) => {
      const prefix = t === 'O' ? 'O' : t.slice(0, 2);
      const type = t === 'O' ? '' : t.slice(2);
      if (t !== 'O' && prefix !== 'B-' && prefix !== 'I-') throw new InvalidArgumentError('tags', `'${t}' is not an IOB2 tag`);
      if (cur && prefix === 'I-' && type === cur.type) {
        cur.end = offset + i;
        return;
      }
      if (cur) chunks.push(cur);
      cur = prefix === 'B-' ? { type, start: offset + i, end: offset + i } : undefined;
    });
    if (cur) chunks.push(cur);
    offset += s.length + 1;
  }
  return chunks;
}

export type NerMode = 'default' | 'strict';

export interface EntityReport {
  mode: NerMode;
  labels: LabelScores[];
  microAvg: Scores;
  macroAvg: Scores;
  weightedAvg: Scores;
  text: string;
}

/** seqeval's divide: 0 or 1 on an empty denominator. */
function div(n: number, d: number, zero: ZeroDivision): number {
  return d === 0 ? (zero === 1 ? 1 : 0) : n / d;
}

/** seqeval computes F from p and r (not from counts). */
function fScore(p: number, r: number): number {
  const d = p + r;
  return d === 0 ? 0 : (2 * p * r) / d;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/**
 * seqeval's `classification_report`: entity-level precision, recall, F1 per type plus micro/macro/weighted
 * averages. `mode: 'default'` is conlleval-like; `'strict'` is seqeval `mode='strict', scheme=IOB2`.
 *
 * @example
 * const r = entityReport([['B-PER', 'I-PER', 'O']], [['B-PER', 'I-PER', 'O']])
 * r.microAvg.f1 // 1
 */
export function entityReport(
  yTrue: readonly (readonly string[])[],
  yPred: readonly (readonly string[])[],
  opts: { mode?: NerMode; digits?: number; zeroDivision?: ZeroDivision } = {},
): EntityReport {
  if (yTrue.length !== yPred.length || yTrue.some((s, i) => s.length !== yPred[i]!.length)) {
    throw new InvalidArgumentError('yPred', 'must have the same number of sentences and tokens as yTrue');
  }
  const mode = opts.mode ?? 'default';
  const zero = opts.zeroDivision ?? 'warn';
  const extract = mode === 'strict' ? getEntitiesStrictIob2 : getEntities;
  const key = (c: EntityChunk) => `${c.start}:${c.end}`;
  const byType = (cs: EntityChunk[]) => {
    const m = new Map<string, Set<string>>();
    for (const c of cs) (m.get(c.type) ?? m.set(c.type, new Set()).get(c.type)!).add(key(c));
    return m;
  };
  const t = byType(extract(yTrue));
  const p = byType(extract(yPred));
  const names = [...new Set([...t.keys(), ...p.keys()])].sort();
  const counts = names.map((n) => {
    const ts = t.get(n) ?? new Set<string>();
    const ps = p.get(n) ?? new Set<string>();
    let tp = 0;
    for (const k of ps) if (ts.has(k)) tp++;
    return { tp, pred: ps.size, true: ts.size };
  });
  const labels: LabelScores[] = names.map((n, i) => {
    const c = counts[i]!;
    const precision = div(c.tp, c.pred, zero);
    const recall = div(c.tp, c.true, zero);
    return { label: n, precision, recall, f1: fScore(precision, recall), support: c.true };
  });
  const sum = (f: (c: { tp: number; pred: number; true: number }) => number) => counts.reduce((a, c) => a + f(c), 0);
  const support = sum((c) => c.true);
  const mp = div(sum((c) => c.tp), sum((c) => c.pred), zero);
  const mr = div(sum((c) => c.tp), support, zero);
  const microAvg: Scores = { precision: mp, recall: mr, f1: fScore(mp, mr), support };
  const macroAvg: Scores = { precision: mean(labels.map((l) => l.precision)), recall: mean(labels.map((l) => l.recall)), f1: mean(labels.map((l) => l.f1)), support };
  let weightedAvg: Scores;
  if (support === 0) {
    const z = zero === 1 ? 1 : 0;
    const noPred = sum((c) => c.pred) === 0;
    weightedAvg = { precision: noPred ? z : 0, recall: z, f1: noPred ? z : 0, support };
  } else {
    const w = (f: (l: LabelScores) => number) => labels.reduce((a, l) => a + f(l) * l.support, 0) / support;
    weightedAvg = { precision: w((l) => l.precision), recall: w((l) => l.recall), f1: w((l) => l.f1), support };
  }
  const text = labels.length
    ? formatReport(labels, [{ name: 'micro avg', ...microAvg }, { name: 'macro avg', ...macroAvg }, { name: 'weighted avg', ...weightedAvg }], opts.digits ?? 2)
    : '';
  return { mode, labels, microAvg, macroAvg, weightedAvg, text };
}

/**
 * Token-level report (NOT entity-level): sklearn's report over every token's tag, 'O' excluded from the rows.
 * Useful to see which tags a tagger confuses; the entity-level F1 of {@link entityReport} is the headline.
 *
 * @example
 * tokenReport(gold, pred).text
 */
export function tokenReport(yTrue: readonly (readonly string[])[], yPred: readonly (readonly string[])[], opts: { digits?: number; zeroDivision?: ZeroDivision } = {}): ClassificationReport & { title: string } {
  const t = yTrue.flat();
  const p = yPred.flat();
  const labels = [...new Set([...t, ...p])].filter((l) => l !== 'O').sort();
  const r = classificationReport(t, p, { labels, ...(opts.digits !== undefined ? { digits: opts.digits } : {}), ...(opts.zeroDivision !== undefined ? { zeroDivision: opts.zeroDivision } : {}) });
  const title = 'TOKEN-LEVEL report (per tag, O excluded; not the entity-level score)';
  return { ...r, title, text: `${title}\n${r.text}` };
}

/**
 * seqeval's `accuracy_score`: the fraction of tokens whose tag is right (token level, 'O' included).
 *
 * @example
 * tokenAccuracy([['B-PER', 'O']], [['B-PER', 'B-LOC']]) // 0.5
 */
export function tokenAccuracy(yTrue: readonly (readonly string[])[], yPred: readonly (readonly string[])[]): number {
  const t = yTrue.flat();
  const p = yPred.flat();
  if (t.length !== p.length) throw new InvalidArgumentError('yPred', 'must have as many tokens as yTrue');
  return t.length ? t.filter((x, i) => x === p[i]).length / t.length : 0;
}
