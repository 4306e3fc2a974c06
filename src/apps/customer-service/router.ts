/**
 * Customer-service routing: classify the intent (any injected classifier: a trained head or prompt scoring),
 * hand off to a human below a confidence threshold, extract slots, and answer from the intent's template,
 * asking for the first missing required slot.
 */
import { extractSlots, type SlotOptions, type Slots } from './slots.js';

/** A label with its probability. */
export interface IntentScore {
  label: string;
  score: number;
}

/** Any classifier: returns every label's probability, best first (a HeadRunner or prompt scoring). */
export type IntentClassifier = (text: string) => Promise<IntentScore[]>;

/** What the router does for one intent. */
export interface IntentConfig {
  /** Reply template; `{amount}`, `{date}`, `{card_last4}` are filled from the slots. */
  template: string;
  /** Slots that must be present before answering; missing ones are asked for. */
  requires?: ('amount' | 'date' | 'card_last4')[];
}

export interface RouterConfig {
  intents: Record<string, IntentConfig>;
  /** Below this top probability the message goes to a human (default 0.5). */
  threshold?: number;
  /** Reply on hand-off. */
  handoffReply?: string;
  /** Question per missing slot. */
  askFor?: Partial<Record<'amount' | 'date' | 'card_last4', string>>;
}

export interface RouteResult {
  /** The intent, or "handoff" when the classifier was not confident enough or the intent has no config. */
  intent: string;
  handoff: boolean;
  confidence: number;
  scores: IntentScore[];
  slots: Slots;
  missing: string[];
  reply: string;
}

const ASK = {
  amount: 'Could you tell me the amount?',
  date: 'On which date did this happen?',
  card_last4: 'Could you give me the last 4 digits of the card?',
};

function fill(template: string, slots: Slots): string {
  return template.replace(/\{(amount|date|card_last4)\}/g, (_, k: string) => {
    if (k === 'amount' && slots.amount) {
      const a = slots.amount.value;
      return `${a.value.toFixed(2)}${a.currency ? ` ${a.currency}` : ''}`;
    }
    if (k === 'date' && slots.date) return slots.date.value;
    if (k === 'card_last4' && slots.cardLast4) return slots.cardLast4.value;
    return `{${k}}`;
  });
}

const slotKey = { amount: 'amount', date: 'date', card_last4: 'cardLast4' } as const;

/**
 * Routes messages to intents with slots and a reply.
 *
 * @example
 * const router = new CustomerServiceRouter(classify, { intents: { card_lost: { template: 'Card {card_last4} is frozen.', requires: ['card_last4'] } }, threshold: 0.6 })
 * const r = await router.route('I lost my card ending in 4821') // { intent: 'card_lost', reply: 'Card 4821 is frozen.' ... }
 */
export class CustomerServiceRouter {
  constructor(
    private readonly classify: IntentClassifier,
    private readonly config: RouterConfig,
    private readonly slotOptions: SlotOptions = {},
  ) {}

  async route(text: string): Promise<RouteResult> {
    const scores = [...(await this.classify(text))].sort((a, b) => b.score - a.score);
    const top = scores[0];
    const slots = extractSlots(text, this.slotOptions);
    const threshold = this.config.threshold ?? 0.5;
    const cfg = top ? this.config.intents[top.label] : undefined;
    if (!top || !cfg || top.score < threshold) {
      return {
        intent: 'handoff', handoff: true, confidence: top?.score ?? 0, scores, slots, missing: [],
        reply: this.config.handoffReply ?? 'Let me connect you with a colleague who can help.',
      };
    }
    const missing = (cfg.requires ?? []).filter((k) => slots[slotKey[k]] === undefined);
    const reply = missing.length > 0 ? (this.config.askFor?.[missing[0]!] ?? ASK[missing[0]!]) : fill(cfg.template, slots);
    return { intent: top.label, handoff: false, confidence: top.score, scores, slots, missing, reply };
  }
}
