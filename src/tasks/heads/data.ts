/**
 * Labelled data for head training: CSV (RFC 4180), TSV, JSONL/JSON arrays and CoNLL (token tag) files, with the
 * same field options as `onramp eval` (--text-field, --label-field, --label-map).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, FileError, InvalidArgumentError } from '../../errors.js';

/** One labelled text; `label` is the raw (mapped) label string. */
export interface LabelledText {
  text: string;
  label: string;
}

/** One CoNLL sentence: words and their BIO tags. */
export interface TaggedSentence {
  words: string[];
  tags: string[];
}

export interface ReadOptions {
  /** Column/key of the text (default: text, sentence, review, or the first column). */
  textField?: string | undefined;
  /** Column/key of the label (default: label, category, intent, or the last column). */
  labelField?: string | undefined;
  /** Raw label -> label name, e.g. parsed from "0=negative,1=positive". */
  labelMap?: Record<string, string> | undefined;
}

/**
 * Parses "0=negative,1=positive" into a map.
 *
 * @example
 * parseLabelMap('0=negative,1=positive') // { '0': 'negative', '1': 'positive' }
 */
export function parseLabelMap(spec: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError('label-map', `expected raw=name pairs, got "${part}"`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/**
 * Splits delimited text into rows of fields (quotes, doubled quotes and newlines inside quotes handled).
 *
 * @example
 * parseDelimited('a,b\n"x, y",1\n', ',') // [['a','b'],['x, y','1']]
 */
export function parseDelimited(text: string, sep: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '' && sep === ',') quoted = true;
    else if (c === sep) {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function pick(keys: string[], wanted: string | undefined, guesses: string[], fallback: string | undefined, file: string, option: string): string {
  if (wanted !== undefined) {
    if (!keys.includes(wanted)) throw new ConfigError(`no field "${wanted}" (fields: ${keys.join(', ')})`, { file, field: option });
    return wanted;
  }
  const g = guesses.find((k) => keys.includes(k)) ?? fallback;
  if (g === undefined) throw new ConfigError(`cannot guess the field; pass --${option}`, { file, field: option });
  return g;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileError(code === 'ENOENT' ? 'FILE_NOT_FOUND' : code === 'EISDIR' ? 'FILE_IS_DIRECTORY' : 'FILE_UNREADABLE', file, 'cannot read data', e);
  }
}

/**
 * Reads a labelled file (.csv, .tsv, .jsonl, .json).
 *
 * @example
 * const rows = await readLabelled('dev.tsv', { labelMap: { 0: 'negative', 1: 'positive' } })
 */
export async function readLabelled(file: string, opts: ReadOptions = {}): Promise<LabelledText[]> {
  const text = await readText(file);
  const ext = path.extname(file).toLowerCase();
  let records: Record<string, unknown>[];
  if (ext === '.jsonl' || ext === '.ndjson') {
    records = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  } else if (ext === '.json') {
    const doc = JSON.parse(text) as unknown;
    if (!Array.isArray(doc)) throw new ConfigError('expected a JSON array of objects', { file });
    records = doc as Record<string, unknown>[];
  } else {
    const rows = parseDelimited(text, ext === '.tsv' ? '\t' : ',');
    const header = rows.shift();
    if (!header) throw new FileError('FILE_EMPTY', file, 'no header row');
    records = rows.map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), r[i] ?? ''])));
  }
  if (records.length === 0) throw new FileError('FILE_EMPTY', file, 'no examples');
  const keys = Object.keys(records[0]!);
  const tf = pick(keys, opts.textField, ['text', 'sentence', 'review', 'content', 'query'], keys[0], file, 'text-field');
  const lf = pick(keys, opts.labelField, ['label', 'labels', 'category', 'intent', 'target', 'score'], keys.find((k) => k !== tf), file, 'label-field');
  return records.map((r, i) => {
    const t = r[tf];
    const l = r[lf];
    if (typeof t !== 'string') throw new ConfigError(`example ${i + 1}: the text is not a string`, { file, field: tf });
    const raw = Array.isArray(l) ? l.map(String).join('|') : String(l ?? '').trim();
    return { text: t.trim(), label: opts.labelMap?.[raw] ?? raw };
  });
}

/**
 * Reads a CoNLL file: one `token ... tag` per line (whitespace separated; the last column is the tag), blank
 * lines between sentences, `-DOCSTART-` skipped.
 *
 * @example
 * const sents = await readConll('train.conll')
 */
export async function readConll(file: string): Promise<TaggedSentence[]> {
  const text = await readText(file);
  const out: TaggedSentence[] = [];
  let cur: TaggedSentence = { words: [], tags: [] };
  for (const line of text.split(/\r?\n/)) {
    const cols = line.trim().split(/\s+/);
    if (line.trim() === '' || cols.length < 2) {
      if (cur.words.length) out.push(cur);
      cur = { words: [], tags: [] };
      continue;
    }
    if (cols[0] === '-DOCSTART-') continue;
    cur.words.push(cols[0]!);
    cur.tags.push(cols[cols.length - 1]!);
  }
  if (cur.words.length) out.push(cur);
  return out;
}
