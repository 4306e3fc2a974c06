#!/usr/bin/env node
// Precision/recall per entity of the rule-based recognizers on the Presidio synthetic PII dev split.
// Usage: npx tsc -p tsconfig.json && node bench/safety-eval.mjs [path/to/synth_dataset_v2.dev.json] [--errors ENTITY]
// Spans: "exact" needs identical [start, end); "overlap" counts a prediction that overlaps a gold span of the
// same type. Entities with no rule here (PERSON, STREET_ADDRESS, ...) need the NER hook and are listed as such.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scan } from '../dist/safety/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const errIdx = args.indexOf('--errors');
const showErrors = errIdx >= 0 ? args.splice(errIdx, 2)[1] : undefined;
const file = args[0] ?? process.env.ONRAMP_PII_DATA ?? path.resolve(here, '../../shared/data/pii-presidio-synth/synth_dataset_v2.dev.json');
const data = JSON.parse(readFileSync(file, 'utf8'));

/** Presidio entity type -> our entity. */
const MAP = {
  EMAIL_ADDRESS: 'EMAIL', PHONE_NUMBER: 'PHONE', CREDIT_CARD: 'CARD', IBAN_CODE: 'IBAN', IP_ADDRESS: 'IP_ADDRESS',
  DOMAIN_NAME: 'URL', US_SSN: 'US_SSN',
};
const OURS = new Set(Object.values(MAP));
const stats = {};
const st = (e) => (stats[e] ??= { gold: 0, pred: 0, tpExact: 0, tpOverlap: 0, predOverlap: 0 });
const errors = [];
for (const ex of data) {
  const gold = ex.spans.filter((s) => MAP[s.entity_type]).map((s) => ({ e: MAP[s.entity_type], s: s.start_position, t: s.end_position }));
  const pred = scan(ex.full_text).findings.filter((f) => OURS.has(f.entity)).map((f) => ({ e: f.entity, s: f.start, t: f.end }));
  for (const g of gold) {
    const x = st(g.e);
    x.gold++;
    if (pred.some((p) => p.e === g.e && p.s === g.s && p.t === g.t)) x.tpExact++;
    if (pred.some((p) => p.e === g.e && p.s < g.t && g.s < p.t)) x.tpOverlap++;
    else if (showErrors === g.e) errors.push(`FN ${JSON.stringify(ex.full_text.slice(Math.max(0, g.s - 30), g.t + 30))}  gold=${JSON.stringify(ex.full_text.slice(g.s, g.t))}`);
  }
  for (const p of pred) {
    const x = st(p.e);
    x.pred++;
    if (gold.some((g) => g.e === p.e && p.s < g.t && g.s < p.t)) x.predOverlap++;
    else if (showErrors === p.e) errors.push(`FP ${JSON.stringify(ex.full_text.slice(Math.max(0, p.s - 30), p.t + 30))}  pred=${JSON.stringify(ex.full_text.slice(p.s, p.t))}`);
  }
}
const f1 = (p, r) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));
const fmt = (x) => x.toFixed(3);
const rows = [];
let tot = { gold: 0, pred: 0, tpExact: 0, tpOverlap: 0, predOverlap: 0 };
for (const [e, x] of Object.entries(stats).sort()) {
  const pE = x.pred ? x.tpExact / x.pred : 0, rE = x.gold ? x.tpExact / x.gold : 0;
  const pO = x.pred ? x.predOverlap / x.pred : 0, rO = x.gold ? x.tpOverlap / x.gold : 0;
  rows.push(`| ${e} | ${x.gold} | ${x.pred} | ${fmt(pE)} | ${fmt(rE)} | ${fmt(f1(pE, rE))} | ${fmt(pO)} | ${fmt(rO)} | ${fmt(f1(pO, rO))} |`);
  for (const k of Object.keys(tot)) tot[k] += x[k];
}
const pE = tot.tpExact / tot.pred, rE = tot.tpExact / tot.gold, pO = tot.predOverlap / tot.pred, rO = tot.tpOverlap / tot.gold;
rows.push(`| **micro** | ${tot.gold} | ${tot.pred} | ${fmt(pE)} | ${fmt(rE)} | ${fmt(f1(pE, rE))} | ${fmt(pO)} | ${fmt(rO)} | ${fmt(f1(pO, rO))} |`);
const uncovered = {};
for (const ex of data) for (const s of ex.spans) if (!MAP[s.entity_type]) uncovered[s.entity_type] = (uncovered[s.entity_type] ?? 0) + 1;
console.log(`dataset: ${path.basename(file)} (${data.length} sentences), default policy\n`);
console.log('| entity | gold | predicted | P exact | R exact | F1 exact | P overlap | R overlap | F1 overlap |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
console.log(rows.join('\n'));
console.log(`\nnot covered by rules (NER hook): ${Object.entries(uncovered).map(([k, v]) => `${k}=${v}`).join(', ')}`);
if (showErrors) console.log(`\n${errors.join('\n')}`);
