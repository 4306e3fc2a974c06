/**
 * Dataset readers: CoNLL (token per line, blank or whitespace-only line between sentences), delimited text
 * (CSV/TSV with RFC 4180 quotes) and JSON lines. `loadDataset` picks a reader from the file extension.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ConfigError, FileError, InvalidArgumentError } from '../errors.js';

/** One CoNLL sentence. */
export interface ConllSentence {
  tokens: string[];
  tags: string[];
}

/**
 * Reads CoNLL text: columns split on tabs (or runs of spaces when the line has no tab), the token in column 0
 * and the tag in the last column. `-DOCSTART-` lines are skipped.
 *
 * @example
 * readConll('John\tB-PER\nsmiles\tO\n\nOk\tO\n') // [{tokens:['John','smiles'],tags:['B-PER','O']}, …]
 */
export function readConll(text: string, opts: { tokenColumn?: number; tagColumn?: number } = {}): ConllSentence[] {
  const out: ConllSentence[] = [];
  let cur: ConllSentence = { tokens: [], tags: [] };
  const flush = () => {
    if (cur.tokens.length) out.push(cur);
    cur = { tokens: [], tags: [] };
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((line, n) => {
    if (line.trim() === '') return flush();
    if (line.startsWith('-DOCSTART-')) return;
    const cols = line.includes('\t') ? line.split('\t') : line.trim().split(/\s+/);
    const tokenCol = opts.tokenColumn ?? 0;
    const tagCol = opts.tagColumn ?? cols.length - 1;
    const token = cols[tokenCol];
    const tag = cols[tagCol < 0 ? cols.length + tagCol : tagCol];
    if (token === undefined || tag === undefined || cols.length < 2) throw new InvalidArgumentError('conll', `line ${n + 1} has ${cols.length} column(s), needs a token and a tag`);
    cur.tokens.push(token);
    cur.tags.push(tag.trim());
  });
  flush();
  return out;
}

/**
 * Parses delimited text (RFC 4180: quoted fields may hold delimiters, newlines and doubled quotes).
 *
 * @example
 * parseDelimited('a,b\n"x, y","say ""hi"""\n') // [['a','b'],['x, y','say "hi"']]
 */
export function parseDelimited(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let any = false;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      any = true;
      i++;
    } else if (c === delimiter) {
      row.push(field);
      field = '';
      any = true;
      i++;
    } else if (c === '\n' || c === '\r') {
      if (any || field !== '' || row.length) {
        row.push(field);
        rows.push(row);
      }
      row = [];
      field = '';
      any = false;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      any = true;
      i++;
    }
  }
  if (any || field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * Delimited text with a header row → records keyed by column name.
 *
 * @example
 * readDelimited('text,label\nhi,1\n') // [{ text: 'hi', label: '1' }]
 */
export function readDelimited(text: string, delimiter = ','): Record<string, string>[] {
  const [header, ...rows] = parseDelimited(text, delimiter);
  if (!header) return [];
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), r[i] ?? ''])));
}

/**
 * JSON lines → objects (blank lines skipped); a bad line is an error naming its line number.
 *
 * @example
 * readJsonl('{"text":"a"}\n{"text":"b"}\n').length // 2
 */
export function readJsonl(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  text.split(/\r?\n/).forEach((line, n) => {
    if (!line.trim()) return;
    try {
      const v = JSON.parse(line) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
      out.push(v as Record<string, unknown>);
    } catch (e) {
      throw new InvalidArgumentError('jsonl', `line ${n + 1}: ${(e as Error).message}`);
    }
  });
  return out;
}

/** A labelled text example. `label` is a string, or a list for multilabel data. */
export interface TextExample {
  text: string;
  label: string | string[];
}

export type Dataset = { kind: 'text'; examples: TextExample[] } | { kind: 'conll'; sentences: ConllSentence[] };

export interface LoadOptions {
  textField?: string;
  labelField?: string;
  /** Raw label value → label name, e.g. { '0': 'negative', '1': 'positive' }. */
  labelMap?: Record<string, string>;
  /** Force a format instead of the file extension. */
  format?: 'csv' | 'tsv' | 'jsonl' | 'json' | 'conll';
  /**
   * Multilabel data: every label becomes a list. A JSON array stays a list; a string (a CSV/TSV cell) is split on
   * this delimiter (parts trimmed, empty parts dropped, so an empty cell is no label); `labelMap` maps each part.
   */
  labelDelimiter?: string;
}

const TEXT_FIELDS = ['text', 'sentence', 'review', 'content', 'input'];
const LABEL_FIELDS = ['label', 'category', 'intent', 'labels', 'target'];

function readRecords(path: string, format?: LoadOptions['format']): { conll: ConllSentence[] } | { records: Record<string, unknown>[] } {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FileError((e as NodeJS.ErrnoException).code === 'EISDIR' ? 'FILE_IS_DIRECTORY' : 'FILE_NOT_FOUND', path, 'cannot read dataset', e);
  }
  const ext = format ?? extname(path).slice(1).toLowerCase();
  if (ext === 'conll' || ext === 'txt' || ext === 'bio' || /^(train|testa|testb|dev)$/.test(ext)) return { conll: readConll(raw) };
  if (ext === 'csv') return { records: readDelimited(raw, ',') };
  if (ext === 'tsv') return { records: readDelimited(raw, '\t') };
  if (ext === 'jsonl' || ext === 'ndjson') return { records: readJsonl(raw) };
  if (ext === 'json') {
    const v = JSON.parse(raw) as unknown;
    if (!Array.isArray(v)) throw new ConfigError('expected a JSON array of examples', { file: path });
    return { records: v.map((r) => (Array.isArray(r) ? { text: r[0], label: r[1] } : (r as Record<string, unknown>))) };
  }
  throw new InvalidArgumentError('data', `unknown dataset format '${ext}' (use .csv, .tsv, .jsonl, .json or .conll)`);
}

function pickFields(path: string, records: readonly Record<string, unknown>[], opts: { textField?: string; labelField?: string }, labelDefaults: readonly string[]): { textField: string; labelField: string } {
  const first = records[0] ?? {};
  const textField = opts.textField ?? TEXT_FIELDS.find((f) => f in first);
  const labelField = opts.labelField ?? labelDefaults.find((f) => f in first);
  if (!textField || !(textField in first)) throw new InvalidArgumentError('textField', `no text field in ${path} (columns: ${Object.keys(first).join(', ')})`);
  if (!labelField || !(labelField in first)) throw new InvalidArgumentError('labelField', `no label field in ${path} (columns: ${Object.keys(first).join(', ')})`);
  return { textField, labelField };
}

/**
 * Loads a labelled dataset: .csv/.tsv (header row), .jsonl, .json (array of objects, or `[text, label]` pairs),
 * .conll/.txt/.bio (CoNLL). Fields default to the first of text/sentence/review/content and
 * label/category/intent/labels. With `labelDelimiter` every label is a list (multilabel).
 *
 * @example
 * const ds = loadDataset('../shared/data/sentiment-sst2/dev.tsv', { labelMap: { 0: 'negative', 1: 'positive' } })
 * loadDataset('topics.csv', { labelDelimiter: '|' }) // a cell `food|price` → label ['food', 'price']
 */
export function loadDataset(path: string, opts: LoadOptions = {}): Dataset {
  const read = readRecords(path, opts.format);
  if ('conll' in read) return { kind: 'conll', sentences: read.conll };
  const { records } = read;
  const { textField, labelField } = pickFields(path, records, opts, LABEL_FIELDS);
  const map = (v: unknown): string => {
    const s = String(v).trim();
    return opts.labelMap?.[s] ?? s;
  };
  const d = opts.labelDelimiter;
  const list = (l: unknown): string[] => {
    if (Array.isArray(l)) return l.map(map);
    if (l === null || l === undefined) return [];
    const parts = d === undefined || d === '' ? [String(l)] : String(l).split(d);
    return parts.map((p) => p.trim()).filter(Boolean).map(map);
  };
  const examples = records.map((r) => {
    const l = r[labelField];
    return { text: String(r[textField] ?? ''), label: d !== undefined ? list(l) : Array.isArray(l) ? l.map(map) : map(l) };
  });
  return { kind: 'text', examples };
}

/** A text with a gold record (extraction): the object the model should produce for it. */
export interface RecordExample {
  text: string;
  gold: Record<string, unknown>;
}

const RECORD_FIELDS = ['label', 'labels', 'target', 'output', 'gold', 'record', 'data'];

/**
 * Loads extraction data: each example a text and a gold object. JSONL/JSON: the label field holds the object;
 * CSV/TSV: the cell holds the object as JSON text. The label field defaults to the first of label, labels,
 * target, output, gold, record, data. A gold value that is not an object is an error naming the example.
 *
 * @example
 * loadRecordDataset('bookings.jsonl', { labelField: 'slots' })[0] // { text: 'table for 4…', gold: { people: 4, … } }
 */
export function loadRecordDataset(path: string, opts: Pick<LoadOptions, 'textField' | 'labelField' | 'format'> = {}): RecordExample[] {
  const read = readRecords(path, opts.format);
  if ('conll' in read) throw new InvalidArgumentError('data', 'extraction data must be .jsonl, .json, .csv or .tsv with a gold object per example, not CoNLL');
  const { records } = read;
  const { textField, labelField } = pickFields(path, records, opts, RECORD_FIELDS);
  return records.map((r, i) => {
    let g = r[labelField];
    if (typeof g === 'string') {
      try {
        g = JSON.parse(g) as unknown;
      } catch {
        /* reported below */
      }
    }
    if (typeof g !== 'object' || g === null || Array.isArray(g)) {
      throw new InvalidArgumentError('labelField', `example ${i + 1} of ${path}: field '${labelField}' must hold a JSON object (the gold record), got ${JSON.stringify(r[labelField])?.slice(0, 80)}`);
    }
    return { text: String(r[textField] ?? ''), gold: g as Record<string, unknown> };
  });
}

/**
 * Parses a `--label-map` value: `0=negative,1=positive`.
 *
 * @example
 * parseLabelMap('0=negative,1=positive') // { '0': 'negative', '1': 'positive' }
 */
export function parseLabelMap(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError('labelMap', `'${part}' is not of the form raw=name`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
