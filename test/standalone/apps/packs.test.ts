import { writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMonitorConfig, loadRecommendConfig, loadRouterConfig } from '../../../src/apps/config.js';
import { ConfigError } from '../../../src/errors.js';
import { loadDataset } from '../../../src/eval/readers.js';
import { loadHead } from '../../../src/tasks/heads/head.js';
import { loadPackFile } from '../../../src/tasks/loadPack.js';

const apps = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../models/apps');

describe('ready app packs', () => {
  it('customer-service: pack, router config, head and data agree', async () => {
    const pack = loadPackFile(path.join(apps, 'customer-service/pack.yaml'));
    const router = loadRouterConfig(path.join(apps, 'customer-service/app.yaml'));
    const names = pack.labels.map((l) => l.name);
    expect(Object.keys(router.intents).sort()).toEqual([...names].sort());
    const head = await loadHead(pack.head!);
    expect(head.labels).toEqual(names);
    expect(head.model.file).toBe('stories260K.gguf');
    for (const f of ['train', 'dev']) {
      const ds = loadDataset(path.join(apps, `customer-service/data/${f}.csv`));
      if (ds.kind !== 'text') throw new Error('text expected');
      for (const e of ds.examples) expect(names).toContain(e.label);
    }
  });

  it('monitor: pack, monitor config with keyword topics, head', async () => {
    const pack = loadPackFile(path.join(apps, 'monitor/pack.yaml'));
    const cfg = loadMonitorConfig(path.join(apps, 'monitor/app.yaml'));
    expect(cfg).toMatchObject({ windowMinutes: 15, minCount: 4, negativeShare: 0.5, cooldownMinutes: 30 });
    expect(cfg.topicsOf?.('ACME and BetaBank merge')).toEqual(['ACME', 'BetaBank']);
    expect((await loadHead(pack.head!)).labels).toEqual(pack.labels.map((l) => l.name));
  });

  it('recommend: config resolves the click head', async () => {
    const cfg = loadRecommendConfig(path.join(apps, 'recommend/app.yaml'));
    const head = await loadHead(cfg.head!);
    expect(head).toMatchObject({ kind: 'sigmoid', labels: ['click'] });
  });

  it('names the file and field of a bad config', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'onramp-apps-'));
    const f = path.join(dir, 'app.yaml');
    writeFileSync(f, 'router:\n  threshold: 2\n  intents: {}\n');
    expect(() => loadRouterConfig(f)).toThrow(ConfigError);
    expect(() => loadRouterConfig(f)).toThrow(/router\.threshold/);
  });
});
