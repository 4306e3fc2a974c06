#!/usr/bin/env node
/**
 * Builds and demonstrates the three ready app packs in models/apps on a GGUF model (default stories260K):
 *  - customer-service: routes data/dev.csv with the pack's head, reports accuracy, hand-off rate and replies;
 *  - monitor: replays data/stream.jsonl through SentimentMonitor with app.yaml's thresholds, prints alerts;
 *  - recommend: trains click-head.json from data/clicks.csv (--write-heads) and ranks items for each user.
 * The intent and sentiment heads are trained with `onramp train-head` (see each README).
 *
 *   npx tsc -p tsconfig.json && node bench/heads-apps.mjs [--model <gguf>] [--write-heads]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(repo, 'dist', p));
const { Model } = await dist('engine/Model.js');
const { Engine } = await dist('engine/Engine.js');
const { loadDataset } = await dist('eval/readers.js');
const { HeadRunner } = await dist('tasks/heads/HeadRunner.js');
const { saveHead } = await dist('tasks/heads/head.js');
const { modelIdentity } = await dist('tasks/heads/identity.js');
const { EmbeddingCache } = await dist('tasks/heads/embedCache.js');
const apps = await dist('apps/index.js');

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: path.resolve(repo, '../shared/models/stories260K.gguf') },
    'write-heads': { type: 'boolean', default: false },
  },
});
const dir = (name) => path.join(repo, 'models/apps', name);
const model = await Model.load(args.model);
const engine = await Engine.create(model, { parallel: 8, threads: 1 });
try {
  // customer service
  const cs = dir('customer-service');
  const router = new apps.CustomerServiceRouter(apps.headClassifier(await HeadRunner.create(engine, path.join(cs, 'head.json'))), apps.loadRouterConfig(path.join(cs, 'app.yaml')));
  const dev = loadDataset(path.join(cs, 'data/dev.csv')).examples;
  let correct = 0;
  let handoff = 0;
  for (const ex of dev) {
    const r = await router.route(ex.text);
    if (r.handoff) handoff++;
    else if (r.intent === ex.label) correct++;
  }
  console.log(`customer-service: ${dev.length} dev messages, routed correctly ${correct}, handed off ${handoff}, wrong ${dev.length - correct - handoff}`);
  for (const text of ['I lost my card ending in 4821', 'I was charged $30 twice on 2024-05-01', 'send £20 to my sister']) {
    const r = await router.route(text);
    console.log(`  "${text}" -> ${r.intent} (${r.confidence.toFixed(2)}): ${r.reply}`);
  }

  // monitor
  const mon = dir('monitor');
  const cfg = apps.loadMonitorConfig(path.join(mon, 'app.yaml'));
  const monitor = new apps.SentimentMonitor({
    classify: apps.headClassifier(await HeadRunner.create(engine, path.join(mon, 'head.json'))),
    windowMs: cfg.windowMinutes * 60_000,
    minCount: cfg.minCount,
    negativeShare: cfg.negativeShare,
    ...(cfg.volume ? { volume: cfg.volume } : {}),
    cooldownMs: cfg.cooldownMinutes * 60_000,
    negativeLabel: cfg.negativeLabel,
    maxEvidence: cfg.maxEvidence,
  });
  const stream = readFileSync(path.join(mon, 'data/stream.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((x) => ({ ...x, time: Date.parse(x.time) }));
  let alerts = 0;
  for await (const a of monitor.run(stream)) {
    alerts++;
    console.log(`monitor: ${a.kind} alert ${a.topic} at ${new Date(a.time).toISOString()}: ${a.negativeCount}/${a.count} negative; evidence: ${a.evidence.map((e) => `"${e.text}" (${e.negative.toFixed(2)})`).join(', ')}`);
  }
  console.log(`monitor: ${stream.length} items, ${alerts} alerts`);

  // recommend
  const rec = dir('recommend');
  const rcfg = apps.loadRecommendConfig(path.join(rec, 'app.yaml'));
  const id = await modelIdentity(engine.modelInfo, { pooling: rcfg.pooling });
  const embed = apps.engineEmbedder(engine, { pooling: rcfg.pooling, cache: await EmbeddingCache.open(id) });
  const items = readFileSync(path.join(rec, 'data/items.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const users = JSON.parse(readFileSync(path.join(rec, 'data/users.json'), 'utf8'));
  const byId = new Map(items.map((i) => [i.id, i.text]));
  if (args['write-heads'] && rcfg.head) {
    const rows = readFileSync(path.join(rec, 'data/clicks.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const examples = rows.map(([u, i, c]) => ({ history: users[u], item: byId.get(i), clicked: c === '1' }));
    const head = await apps.trainClickHead(embed, examples, { model: id, epochs: 200, lr: 0.01, seed: 0 });
    await saveHead(head, rcfg.head);
    console.log(`recommend: trained ${rcfg.head} on ${examples.length} click labels`);
  }
  const { loadHead } = await dist('tasks/heads/head.js');
  const head = rcfg.head ? await loadHead(rcfg.head, { model: id }) : undefined;
  const recommender = new apps.Recommender(embed, { ...(head ? { head } : {}), alpha: rcfg.alpha });
  for (const [user, history] of Object.entries(users)) {
    const top = await recommender.rank(history, items, { topK: 3 });
    console.log(`recommend: ${user}: ${top.map((r) => `${r.id} (${r.score.toFixed(3)})`).join(', ')}`);
  }
} finally {
  await engine.dispose();
  await model.dispose();
}
