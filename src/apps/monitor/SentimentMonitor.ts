/**
 * Financial sentiment monitoring: classify incoming texts (injected classifier), keep per-topic sliding-window
 * counts, and emit an alert when the negative share or the volume in the window reaches its threshold.
 * Thresholds are inclusive; a (topic, kind) pair that alerted stays quiet for `cooldownMs`. The clock is
 * injectable so tests (and replays of historical streams) are exact.
 */
import { EventEmitter } from 'node:events';
import { InvalidArgumentError } from '../../errors.js';

/** A label with its probability. */
export interface SentimentScore {
  label: string;
  score: number;
}

/** Any sentiment classifier returning every label's probability (a trained head or prompt scoring). */
export type SentimentClassifier = (text: string) => Promise<SentimentScore[]>;

/** One incoming text. */
export interface MonitorItem {
  text: string;
  /** The topic (ticker, product...). Else `topicsOf` decides; else "all". */
  topic?: string;
  /** Event time in ms; default: the monitor's clock. */
  time?: number;
  id?: string;
}

/** A classified item, as kept in a window and quoted as evidence. */
export interface Classified {
  id?: string;
  text: string;
  topic: string;
  time: number;
  label: string;
  /** Probability of the negative label. */
  negative: number;
  isNegative: boolean;
  scores: SentimentScore[];
}

export interface Alert {
  kind: 'negative_share' | 'volume';
  topic: string;
  time: number;
  /** Window is (time - windowMs, time]. */
  windowMs: number;
  count: number;
  negativeCount: number;
  negativeShare: number;
  /** The threshold that was reached (share or count). */
  threshold: number;
  /** The items that triggered it: most negative first (share) or most recent first (volume). */
  evidence: Classified[];
}

export interface MonitorOptions {
  classify: SentimentClassifier;
  /** Sliding window length in ms. */
  windowMs: number;
  /** No share alert below this many items in the window. */
  minCount: number;
  /** Alert when negatives / count >= this (0..1). */
  negativeShare: number;
  /** Alert when the window holds >= this many items (optional). */
  volume?: number;
  /** Quiet period per topic and alert kind after an alert (ms, default 0). */
  cooldownMs?: number;
  /** The label that counts as negative (default "negative"). */
  negativeLabel?: string;
  /** Topics of a text when items carry none (e.g. keyword match). */
  topicsOf?: (text: string) => string[];
  /** Clock in ms (default Date.now). */
  clock?: () => number;
  /** Evidence items per alert (default 5). */
  maxEvidence?: number;
}

/** Window counts of one topic. */
export interface TopicStats {
  topic: string;
  count: number;
  negativeCount: number;
  negativeShare: number;
}

/**
 * @example
 * const monitor = new SentimentMonitor({ classify, windowMs: 3_600_000, minCount: 20, negativeShare: 0.4, cooldownMs: 1_800_000 })
 * monitor.on('alert', (a) => console.log(a.topic, a.negativeShare, a.evidence.map((e) => e.text)))
 * await monitor.push({ text: 'ACME misses earnings, shares slump', topic: 'ACME' })
 */
export class SentimentMonitor extends EventEmitter<{ alert: [Alert]; item: [Classified] }> {
  private readonly windows = new Map<string, Classified[]>();
  private readonly lastAlert = new Map<string, number>();
  private readonly clock: () => number;

  constructor(private readonly opts: MonitorOptions) {
    super();
    if (!(opts.windowMs > 0)) throw new InvalidArgumentError('windowMs', 'must be > 0');
    if (!(opts.negativeShare >= 0 && opts.negativeShare <= 1)) throw new InvalidArgumentError('negativeShare', 'must be within 0..1');
    if (!(opts.minCount >= 1)) throw new InvalidArgumentError('minCount', 'must be >= 1');
    this.clock = opts.clock ?? Date.now;
  }

  /** Classifies one item, updates its topics' windows and returns the alerts it raised (also emitted). */
  async push(item: MonitorItem): Promise<Alert[]> {
    const scores = [...(await this.opts.classify(item.text))].sort((a, b) => b.score - a.score);
    const neg = this.opts.negativeLabel ?? 'negative';
    const time = item.time ?? this.clock();
    const topics = item.topic !== undefined ? [item.topic] : (this.opts.topicsOf?.(item.text) ?? ['all']);
    const alerts: Alert[] = [];
    for (const topic of topics) {
      const c: Classified = {
        ...(item.id !== undefined ? { id: item.id } : {}),
        text: item.text, topic, time,
        label: scores[0]?.label ?? '',
        negative: scores.find((s) => s.label === neg)?.score ?? 0,
        isNegative: scores[0]?.label === neg,
        scores,
      };
      const w = this.windows.get(topic) ?? [];
      w.push(c);
      this.windows.set(topic, w);
      this.emit('item', c);
      alerts.push(...this.check(topic, time));
    }
    for (const a of alerts) this.emit('alert', a);
    return alerts;
  }

  /** Drops items that left the window and returns those inside (now - windowMs, now]; later items are kept. */
  private prune(topic: string, now: number): Classified[] {
    const kept = (this.windows.get(topic) ?? []).filter((c) => c.time > now - this.opts.windowMs);
    this.windows.set(topic, kept);
    return kept.filter((c) => c.time <= now);
  }

  private cooling(topic: string, kind: Alert['kind'], now: number): boolean {
    const last = this.lastAlert.get(`${topic}\u0000${kind}`);
    return last !== undefined && now < last + (this.opts.cooldownMs ?? 0);
  }

  private check(topic: string, now: number): Alert[] {
    const w = this.prune(topic, now);
    const count = w.length;
    const negs = w.filter((c) => c.isNegative);
    const share = count ? negs.length / count : 0;
    const base = { topic, time: now, windowMs: this.opts.windowMs, count, negativeCount: negs.length, negativeShare: share };
    const max = this.opts.maxEvidence ?? 5;
    const out: Alert[] = [];
    if (count >= this.opts.minCount && share >= this.opts.negativeShare && !this.cooling(topic, 'negative_share', now)) {
      const evidence = [...negs].sort((a, b) => b.negative - a.negative || b.time - a.time).slice(0, max);
      out.push({ kind: 'negative_share', ...base, threshold: this.opts.negativeShare, evidence });
    }
    if (this.opts.volume !== undefined && count >= this.opts.volume && !this.cooling(topic, 'volume', now)) {
      out.push({ kind: 'volume', ...base, threshold: this.opts.volume, evidence: [...w].reverse().slice(0, max) });
    }
    for (const a of out) this.lastAlert.set(`${topic}\u0000${a.kind}`, now);
    return out;
  }

  /** Current window counts of a topic (at the clock's time). */
  stats(topic: string): TopicStats {
    const w = this.prune(topic, this.clock());
    const n = w.filter((c) => c.isNegative).length;
    return { topic, count: w.length, negativeCount: n, negativeShare: w.length ? n / w.length : 0 };
  }

  /**
   * Consumes a stream of items and yields alerts as they fire.
   *
   * @example
   * for await (const alert of monitor.run(readItems())) notify(alert)
   */
  async *run(source: AsyncIterable<MonitorItem> | Iterable<MonitorItem>): AsyncGenerator<Alert> {
    for await (const item of source) yield* await this.push(item);
  }
}
