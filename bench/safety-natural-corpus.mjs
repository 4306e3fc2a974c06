// Natural mixed Chinese/English text for the safety benchmark, read in place from the development data in
// ../shared/data (never copied into the repo): hotel reviews (ChnSentiCorp) and news sentences (MSRA NER) in
// Chinese; movie-review sentences (SST-2), banking and assistant requests (BANKING77, CLINC150), news (CoNLL-2003),
// tweets (WNUT-17) and the Presidio synthetic PII texts in English. Documents alternate zh/en in a seeded order
// and the whole is repeated until it reaches the asked size. Far fewer identifiers than bench/safety-corpus.mjs
// (which puts one in every 8 sentences): this is what the scanner meets in ordinary traffic.
import fs from 'node:fs';
import path from 'node:path';
import { rng } from './safety-corpus.mjs';

/** Parses simple CSV (quoted fields with "" escapes); returns rows of fields. */
function csvRows(text) {
  const rows = [];
  let row = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { f += '"'; i++; } else if (c === '"') q = false; else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(f); f = ''; }
    else if (c === '\n') { row.push(f); rows.push(row); row = []; f = ''; }
    else if (c !== '\r') f += c;
  }
  if (f !== '' || row.length > 0) { row.push(f); rows.push(row); }
  return rows;
}

/** Sentences of a CoNLL-style file (token in the first column, blank line between sentences). */
function conllSentences(text, join) {
  const out = [];
  let cur = [];
  for (const line of text.split('\n')) {
    const tok = line.split(/[\t ]/)[0];
    if (!tok || tok === '-DOCSTART-') {
      if (cur.length > 0) out.push(cur.join(join));
      cur = [];
    } else cur.push(tok);
  }
  if (cur.length > 0) out.push(cur.join(join));
  return out;
}

/**
 * Documents of the development data, `{ zh: string[], en: string[] }`; throws when the folder is missing.
 *
 * @example
 * const { zh, en } = naturalDocuments('../shared/data')
 */
export function naturalDocuments(dataDir) {
  const read = (p) => fs.readFileSync(path.join(dataDir, p), 'utf8');
  const zh = [
    ...csvRows(read('sentiment-chnsenticorp/train.csv')).slice(1).map((r) => r[1] ?? ''),
    ...conllSentences(read('ner-msra-zh/msra.dev-subsample.txt'), ''),
  ];
  const clinc = JSON.parse(read('intent-clinc150/data_full.dev.json'));
  const en = [
    ...read('sentiment-sst2/train.tsv').split('\n').slice(1).map((l) => l.split('\t')[0] ?? ''),
    ...csvRows(read('intent-banking77/train.csv')).slice(1).map((r) => r[0] ?? ''),
    ...Object.values(clinc).flatMap((split) => (Array.isArray(split) ? split.map((x) => x[0]) : [])),
    ...conllSentences(read('ner-conll2003/eng.train'), ' '),
    ...conllSentences(read('ner-wnut17/wnut17train.conll'), ' '),
    ...JSON.parse(read('pii-presidio-synth/synth_dataset_v2.dev.json')).map((d) => d.full_text),
  ];
  const keep = (s) => typeof s === 'string' && s.trim() !== '';
  return { zh: zh.filter(keep), en: en.filter(keep) };
}

/**
 * About `bytes` UTF-8 bytes of natural text: zh and en documents alternating, each list in a seeded order,
 * repeated as needed.
 *
 * @example
 * const text = makeNaturalCorpus(10 * 1048576, 42, '../shared/data')
 */
export function makeNaturalCorpus(bytes, seed, dataDir) {
  const { zh, en } = naturalDocuments(dataDir);
  const r = rng(seed);
  const shuffle = (a) => {
    const b = a.slice();
    for (let i = b.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [b[i], b[j]] = [b[j], b[i]];
    }
    return b;
  };
  const Z = shuffle(zh);
  const E = shuffle(en);
  const out = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const s = i % 2 === 0 ? Z[(i >> 1) % Z.length] : E[(i >> 1) % E.length];
    out.push(s);
    n += Buffer.byteLength(s) + 1;
  }
  return out.join('\n');
}
