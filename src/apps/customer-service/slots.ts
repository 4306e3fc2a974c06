/**
 * Deterministic rule-based slot extraction for customer-service messages: money amounts, dates and card last-4
 * digits, each with character offsets into the message. Relative dates ("yesterday") resolve against an
 * injected clock; day-month order of numeric dates is configurable.
 */

/** A slot value with its span in the message. */
export interface SlotMatch<T> {
  value: T;
  text: string;
  start: number;
  end: number;
}

export interface Amount {
  value: number;
  /** ISO 4217 code, or null when only a bare "amount" was given. */
  currency: string | null;
}

export interface Slots {
  amount?: SlotMatch<Amount>;
  /** ISO date, YYYY-MM-DD. */
  date?: SlotMatch<string>;
  cardLast4?: SlotMatch<string>;
}

export interface SlotOptions {
  /** The clock for relative dates and year-less dates (default: Date.now). */
  now?: () => number;
  /** Read 03/04/2024 as 3 April (true, default) or March 4 (false). */
  dayFirst?: boolean;
}

const CUR: Record<string, string> = {
  $: 'USD', '€': 'EUR', '£': 'GBP', '¥': 'JPY', usd: 'USD', eur: 'EUR', gbp: 'GBP', jpy: 'JPY', cny: 'CNY', rmb: 'CNY', chf: 'CHF',
  dollar: 'USD', dollars: 'USD', euro: 'EUR', euros: 'EUR', pound: 'GBP', pounds: 'GBP', yen: 'JPY', yuan: 'CNY', '元': 'CNY',
};
const NUM = String.raw`\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?`;
const AMOUNT_PRE = new RegExp(String.raw`([$€£¥]|\b(?:USD|EUR|GBP|JPY|CNY|RMB|CHF)\b)\s?(${NUM})`, 'gi');
const AMOUNT_POST = new RegExp(String.raw`(?<![\d.,])(${NUM})\s?(USD|EUR|GBP|JPY|CNY|RMB|CHF|dollars?|euros?|pounds?|yen|yuan|元)(?![a-z])`, 'gi');

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const MON = String.raw`(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`;
const DATE_RULES: { re: RegExp; parse: (m: RegExpExecArray, o: Required<SlotOptions>) => string | null }[] = [
  { re: /\b(\d{4})-(\d{1,2})-(\d{1,2})\b/g, parse: (m) => ymd(+m[1]!, +m[2]!, +m[3]!) },
  {
    re: /\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b/g,
    parse: (m, o) => (o.dayFirst ? ymd(+m[3]!, +m[2]!, +m[1]!) : ymd(+m[3]!, +m[1]!, +m[2]!)),
  },
  {
    re: new RegExp(String.raw`\b${MON}\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?\b`, 'gi'),
    parse: (m, o) => ymd(m[3] ? +m[3] : year(o), month(m[1]!), +m[2]!),
  },
  {
    re: new RegExp(String.raw`\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?${MON}\b\.?(?:,?\s+(\d{4}))?`, 'gi'),
    parse: (m, o) => ymd(m[3] ? +m[3] : year(o), month(m[2]!), +m[1]!),
  },
  { re: /\b(today|yesterday|tomorrow)\b/gi, parse: (m, o) => shift(o, { today: 0, yesterday: -1, tomorrow: 1 }[m[1]!.toLowerCase() as 'today'] ?? 0) },
  { re: /\b(\d{1,2}|a|one|two|three)\s+days?\s+ago\b/gi, parse: (m, o) => shift(o, -({ a: 1, one: 1, two: 2, three: 3 }[m[1]!.toLowerCase() as 'a'] ?? +m[1]!)) },
];
const CARD_RULES: RegExp[] = [
  /\b(?:ending|ends)(?:\s+(?:in|with))?\s*:?\s*(\d{4})\b/gi,
  /\blast\s+(?:4|four)(?:\s+digits)?(?:\s+(?:are|is|of\s+(?:my\s+)?card(?:\s+(?:are|is))?))?\s*:?\s*(\d{4})\b/gi,
  /(?:[*xX•]{4}[\s-]?){1,3}(\d{4})\b/g,
  /\b(?:\d{4}[ -]?){3}(\d{4})\b/g,
];

function month(name: string): number {
  return MONTHS.findIndex((m) => m.startsWith(name.toLowerCase().slice(0, 3))) + 1;
}
function year(o: Required<SlotOptions>): number {
  return new Date(o.now()).getUTCFullYear();
}
function ymd(y: number, m: number, d: number): string | null {
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (m < 1 || m > 12 || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  return dt.toISOString().slice(0, 10);
}
function shift(o: Required<SlotOptions>, days: number): string {
  return new Date(o.now() + days * 86_400_000).toISOString().slice(0, 10);
}

function first<T>(matches: SlotMatch<T>[]): SlotMatch<T> | undefined {
  return matches.sort((a, b) => a.start - b.start)[0];
}

/**
 * Extracts the first amount, date and card last-4 of a message (dates in UTC).
 *
 * @example
 * extractSlots('I was charged $1,250.00 twice on March 3 on my card ending in 4821', { now: () => Date.UTC(2024, 4, 1) })
 * // { amount: { value: { value: 1250, currency: 'USD' }, ... }, date: { value: '2024-03-03', ... }, cardLast4: { value: '4821', ... } }
 */
export function extractSlots(text: string, options: SlotOptions = {}): Slots {
  const o: Required<SlotOptions> = { now: options.now ?? Date.now, dayFirst: options.dayFirst ?? true };
  const slots: Slots = {};
  const cards: SlotMatch<string>[] = [];
  for (const re of CARD_RULES) {
    for (const m of text.matchAll(re)) cards.push({ value: m[1]!, text: m[0], start: m.index, end: m.index + m[0].length });
  }
  const card = first(cards);
  if (card) slots.cardLast4 = card;
  const taken = (s: number, e: number) => cards.some((c) => s < c.end && e > c.start);
  const dates: SlotMatch<string>[] = [];
  for (const rule of DATE_RULES) {
    for (const m of text.matchAll(rule.re)) {
      const v = rule.parse(m as RegExpExecArray, o);
      if (v && !taken(m.index, m.index + m[0].length)) dates.push({ value: v, text: m[0], start: m.index, end: m.index + m[0].length });
    }
  }
  const date = first(dates);
  if (date) slots.date = date;
  const inDate = (s: number, e: number) => dates.some((d) => s < d.end && e > d.start);
  const amounts: SlotMatch<Amount>[] = [];
  for (const [re, ci, ni] of [[AMOUNT_PRE, 1, 2], [AMOUNT_POST, 2, 1]] as const) {
    for (const m of text.matchAll(re)) {
      const s = m.index;
      const e = s + m[0].length;
      if (taken(s, e) || inDate(s, e)) continue;
      const value = Number(m[ni]!.replace(/,/g, ''));
      amounts.push({ value: { value, currency: CUR[m[ci]!.toLowerCase()] ?? CUR[m[ci]!] ?? null }, text: m[0], start: s, end: e });
    }
  }
  const amount = first(amounts);
  if (amount) slots.amount = amount;
  return slots;
}
