import { describe, expect, it } from 'vitest';
import { SentimentMonitor, type Alert, type MonitorItem } from '../../../src/apps/monitor/index.js';

// classifier: texts starting with "-" are negative (0.9), others positive
const classify = async (text: string) =>
  text.startsWith('-') ? [{ label: 'negative', score: 0.9 }, { label: 'positive', score: 0.1 }] : [{ label: 'positive', score: 0.8 }, { label: 'negative', score: 0.2 }];

describe('SentimentMonitor', () => {
  it('fires exactly when the negative share reaches the threshold with the minimum count, then respects cooldown', async () => {
    let t = 0;
    const m = new SentimentMonitor({ classify, windowMs: 100, minCount: 4, negativeShare: 0.5, cooldownMs: 50, clock: () => t });
    const fired: Alert[] = [];
    m.on('alert', (a) => fired.push(a));
    const step = async (text: string, at: number) => {
      t = at;
      return m.push({ text, topic: 'ACME', id: `${at}` });
    };
    expect(await step('+ good', 0)).toEqual([]);
    expect(await step('- bad', 10)).toEqual([]); // share 0.5 but count 2 < minCount
    expect(await step('+ ok', 20)).toEqual([]); // 1/3
    const a = await step('- worse', 30); // 2/4 = 0.5 >= 0.5, count 4 -> fires
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ kind: 'negative_share', topic: 'ACME', time: 30, count: 4, negativeCount: 2, negativeShare: 0.5, threshold: 0.5 });
    expect(a[0]!.evidence.map((e) => e.id)).toEqual(['30', '10']);
    expect(a[0]!.evidence[0]!.negative).toBe(0.9);
    expect(await step('- again', 40)).toEqual([]); // 3/5 but in cooldown (until 80)
    expect(await step('- still', 79)).toEqual([]); // cooldown
    const b = await step('- more', 80); // cooldown over: 5/7 in (−20, 80]
    expect(b).toHaveLength(1);
    expect(b[0]).toMatchObject({ time: 80, count: 7, negativeCount: 5 });
    expect(fired).toHaveLength(2);
  });

  it('slides the window: old items drop out at exactly windowMs', async () => {
    let t = 0;
    const m = new SentimentMonitor({ classify, windowMs: 100, minCount: 2, negativeShare: 1, clock: () => t });
    await m.push({ text: '- a', topic: 'X', time: 0 });
    t = 99;
    expect(m.stats('X')).toMatchObject({ count: 1, negativeCount: 1 });
    t = 100;
    expect(m.stats('X')).toMatchObject({ count: 0 });
    t = 150;
    expect(await m.push({ text: '+ b', topic: 'X', time: 150 })).toEqual([]);
    const r = await m.push({ text: '- c', topic: 'X', time: 199 });
    expect(r).toEqual([]); // 1/2 < 1
  });

  it('volume alerts at the count threshold, per topic, from a stream', async () => {
    let t = 0;
    const m = new SentimentMonitor({ classify, windowMs: 1000, minCount: 100, negativeShare: 1, volume: 3, cooldownMs: 1000, clock: () => t });
    const items: MonitorItem[] = [
      { text: '+ a', topic: 'A', time: 1 },
      { text: '+ b', topic: 'B', time: 2 },
      { text: '+ c', topic: 'A', time: 3 },
      { text: '+ d', topic: 'A', time: 4 }, // A reaches 3
      { text: '+ e', topic: 'A', time: 5 }, // cooldown
      { text: '+ f', topic: 'B', time: 6 },
    ];
    const alerts: Alert[] = [];
    for await (const a of m.run(items)) alerts.push(a);
    expect(alerts.map((a) => [a.kind, a.topic, a.time, a.count])).toEqual([['volume', 'A', 4, 3]]);
    expect(alerts[0]!.evidence.map((e) => e.text)).toEqual(['+ d', '+ c', '+ a']);
  });

  it('assigns topics with topicsOf when items carry none', async () => {
    const m = new SentimentMonitor({
      classify, windowMs: 1000, minCount: 1, negativeShare: 1, clock: () => 0,
      topicsOf: (text) => ['ACME', 'BETA'].filter((k) => text.includes(k)),
    });
    const alerts = await m.push({ text: '- ACME and BETA both fall' });
    expect(alerts.map((a) => a.topic)).toEqual(['ACME', 'BETA']);
  });

  it('validates its options', () => {
    expect(() => new SentimentMonitor({ classify, windowMs: 0, minCount: 1, negativeShare: 0.5 })).toThrow(/windowMs/);
    expect(() => new SentimentMonitor({ classify, windowMs: 1, minCount: 1, negativeShare: 2 })).toThrow(/negativeShare/);
  });

  it('keeps later items when an earlier-stamped item arrives out of order', async () => {
    const m = new SentimentMonitor({ classify, windowMs: 100, minCount: 3, negativeShare: 1, clock: () => 250 });
    await m.push({ text: '- a', topic: 'X', time: 200 });
    await m.push({ text: '- b', topic: 'X', time: 240 });
    expect(await m.push({ text: '- late', topic: 'X', time: 150 })).toEqual([]); // window (50, 150] holds 1 item
    expect(m.stats('X')).toMatchObject({ count: 2, negativeCount: 2 }); // (150, 250]: the two later items survived
  });
});
