import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/index.js';
import { storiesPath } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'onramp-train-head-'));
  process.env.ONRAMP_CACHE_DIR = path.join(dir, 'cache');
  const cats = ['The cat sat on the mat.', 'A cat chased the mouse.', 'The kitten played with yarn.', 'My cat likes milk.'];
  const dogs = ['The dog ran to the park.', 'A dog barked at the mailman.', 'The puppy wagged its tail.', 'My dog likes bones.'];
  const csv = (rows: string[][]) => ['text,label', ...rows.map(([t, l]) => `"${t}",${l}`)].join('\n');
  writeFileSync(path.join(dir, 'train.csv'), csv([...cats.slice(0, 3).map((t) => [t, '0']), ...dogs.slice(0, 3).map((t) => [t, '1'])]));
  writeFileSync(path.join(dir, 'dev.csv'), csv([[cats[3]!, '0'], [dogs[3]!, '1']]));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('onramp train-head', () => {
  it('trains, saves the head with the model identity and prints one JSON summary', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const file = path.join(dir, 'head.json');
    await main(['node', 'onramp', 'train-head', '--model', storiesPath, '--data', path.join(dir, 'train.csv'), '--dev', path.join(dir, 'dev.csv'),
      '-o', file, '--label-map', '0=cat,1=dog', '--epochs', '5', '--seed', '7', '--json', '--no-progress']);
    expect(process.exitCode ?? 0).toBe(0);
    const summary = JSON.parse(out.join('')) as { kind: string; labels: string[]; epochs: number; devMetrics: { accuracy: number } };
    expect(summary).toMatchObject({ kind: 'softmax', labels: ['cat', 'dog'], epochs: 5 });
    expect(summary.devMetrics.accuracy).toBeGreaterThanOrEqual(0);
    const head = JSON.parse(readFileSync(file, 'utf8')) as { model: { nEmbd: number; pooling: string; sha256: string }; training: { seed: number } };
    expect(head.model).toMatchObject({ nEmbd: 64, pooling: 'mean' });
    expect(head.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(head.training.seed).toBe(7);
  });

  it('fails with a typed error when a label is not in the data mapping', async () => {
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await main(['node', 'onramp', 'train-head', '--task', 'sentiment-en', '--model', storiesPath, '--data', path.join(dir, 'train.csv'),
      '-o', path.join(dir, 'x.json'), '--epochs', '1', '--no-progress']);
    expect(process.exitCode).toBe(1);
    expect(err.join('')).toMatch(/CONFIG: .*unknown label "0"/);
  });

  it('runs the ready customer-service pack with its shipped head and explains the prediction', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const packFile = fileURLToPath(new URL('../../models/apps/customer-service/pack.yaml', import.meta.url));
    await main(['node', 'onramp', 'run', packFile, '--model', storiesPath, '--text', 'I lost my card ending in 4821', '--explain', '--json']);
    expect(process.exitCode ?? 0).toBe(0);
    const r = JSON.parse(out.join('')) as { label: string; labels: unknown[]; explanation: { scorer: string; importantWords: { text: string; start: number }[] } };
    expect(r.labels).toHaveLength(8);
    expect(r.explanation.scorer).toBe('head');
    expect(r.explanation.importantWords.length).toBeGreaterThan(0);
    for (const w of r.explanation.importantWords) expect('I lost my card ending in 4821'.slice(w.start, w.start + w.text.length)).toBe(w.text);
  });
});
