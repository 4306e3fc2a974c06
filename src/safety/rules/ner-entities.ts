import type { AsyncRule, Finding, ScanContext } from '../types.js';

/** One entity from an NER model: a label and character offsets into the text it was given. */
export interface NerEntity {
  /** PER/PERSON, LOC/LOCATION/GPE, ORG/ORGANIZATION, or any other label (kept upper-cased). */
  label: string;
  start: number;
  end: number;
  score?: number;
}

/** The hook the NER task provides: entities with offsets for a text. */
export type NerFunction = (text: string) => Promise<NerEntity[]>;

const LABELS: Record<string, string> = {
  PER: 'PERSON', PERSON: 'PERSON', 'B-PER': 'PERSON', LOC: 'LOCATION', LOCATION: 'LOCATION', GPE: 'LOCATION',
  ORG: 'ORGANIZATION', ORGANIZATION: 'ORGANIZATION', CORPORATION: 'ORGANIZATION', GROUP: 'ORGANIZATION',
};

/**
 * Person, location and organization names through a pluggable NER function (the NER task pack or any model).
 * Async, so only `scanAsync`/`maskAsync` run it. Spans outside the text or with a bad label are dropped.
 *
 * @example
 * const rule = createNerEntitiesRule(async () => [{ label: 'PER', start: 0, end: 5, score: 0.9 }])
 * await rule.scanAsync('Alice met Bob', { stage: 'input' }) // [{ start: 0, end: 5, entity: 'PERSON', … }]
 */
export function createNerEntitiesRule(ner: NerFunction, opts: { labels?: readonly string[] } = {}): AsyncRule {
  const allowed = new Set(opts.labels ?? ['PERSON', 'LOCATION', 'ORGANIZATION']);
  return {
    id: 'ner-entities',
    version: '1',
    category: 'pii',
    languages: ['*'],
    entities: [...allowed],
    stages: ['input'],
    raw: true,
    async scanAsync(text: string, _ctx: ScanContext): Promise<Finding[]> {
      const ents = await ner(text);
      const out: Finding[] = [];
      for (const e of ents) {
        const raw = e.label.toUpperCase().replace(/^[BIES]-/, '');
        const entity = LABELS[raw] ?? raw;
        if (!allowed.has(entity)) continue;
        if (!Number.isInteger(e.start) || !Number.isInteger(e.end) || e.start < 0 || e.end > text.length || e.end <= e.start) continue;
        out.push({ start: e.start, end: e.end, entity, score: Math.max(0, Math.min(1, e.score ?? 0.85)), ruleId: 'ner-entities', evidence: 'ner' });
      }
      return out;
    },
  };
}
