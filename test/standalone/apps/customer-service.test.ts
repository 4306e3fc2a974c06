import { describe, expect, it } from 'vitest';
import { CustomerServiceRouter, extractSlots } from '../../../src/apps/customer-service/index.js';

const now = () => Date.UTC(2024, 4, 15, 12); // 2024-05-15

describe('slot extraction', () => {
  it.each([
    ['I was charged $1,250.00 twice', { value: 1250, currency: 'USD' }, '$1,250.00'],
    ['refund 49.90 EUR please', { value: 49.9, currency: 'EUR' }, '49.90 EUR'],
    ['send £20 to Bob', { value: 20, currency: 'GBP' }, '£20'],
    ['transfer 300 dollars', { value: 300, currency: 'USD' }, '300 dollars'],
    ['退款 100元', { value: 100, currency: 'CNY' }, '100元'],
  ])('amount in %j', (text, value, span) => {
    const s = extractSlots(text, { now });
    expect(s.amount?.value).toEqual(value);
    expect(text.slice(s.amount!.start, s.amount!.end)).toBe(span);
  });

  it.each([
    ['on 2024-03-03', '2024-03-03'],
    ['on 03/04/2024', '2024-04-03'],
    ['on March 3rd', '2024-03-03'],
    ['on 3 March 2023', '2023-03-03'],
    ['yesterday', '2024-05-14'],
    ['two days ago', '2024-05-13'],
    ['on 2024-02-30', undefined],
  ])('date in %j', (text, value) => {
    expect(extractSlots(text, { now }).date?.value).toBe(value);
  });

  it('reads month-first numeric dates when asked', () => {
    expect(extractSlots('on 03/04/2024', { now, dayFirst: false }).date?.value).toBe('2024-03-04');
  });

  it.each([
    ['my card ending in 4821 was stolen', '4821'],
    ['last four digits are 0093', '0093'],
    ['card **** 7788 declined', '7788'],
    ['card 4111 1111 1111 1234 blocked', '1234'],
  ])('card last 4 in %j', (text, value) => {
    expect(extractSlots(text, { now }).cardLast4?.value).toBe(value);
  });

  it('does not read a card number or a date as an amount, and finds all three slots with offsets', () => {
    const text = 'Charged €12.50 on 2024-05-01 to my card ending 4821';
    const s = extractSlots(text, { now });
    expect(s.amount?.value).toEqual({ value: 12.5, currency: 'EUR' });
    expect(s.date?.value).toBe('2024-05-01');
    expect(s.cardLast4?.value).toBe('4821');
    expect(text.slice(s.date!.start, s.date!.end)).toBe('2024-05-01');
    expect(extractSlots('card ending 2024', { now }).amount).toBeUndefined();
  });
});

describe('CustomerServiceRouter', () => {
  const classify = (scores: Record<string, number>) => async () => Object.entries(scores).map(([label, score]) => ({ label, score }));
  const config = {
    threshold: 0.6,
    intents: {
      card_lost: { template: 'I have frozen your card ending {card_last4}.', requires: ['card_last4' as const] },
      dispute: { template: 'We opened a dispute for {amount} charged on {date}.', requires: ['amount' as const, 'date' as const] },
    },
  };

  it('routes, fills the template from slots, asks for a missing slot', async () => {
    const r = new CustomerServiceRouter(classify({ card_lost: 0.9, dispute: 0.1 }), config, { now });
    const a = await r.route('I lost my card ending in 4821');
    expect(a).toMatchObject({ intent: 'card_lost', handoff: false, confidence: 0.9, reply: 'I have frozen your card ending 4821.', missing: [] });
    const b = await r.route('I lost my card');
    expect(b.missing).toEqual(['card_last4']);
    expect(b.reply).toBe('Could you give me the last 4 digits of the card?');
    const d = new CustomerServiceRouter(classify({ dispute: 0.8, card_lost: 0.2 }), config, { now });
    expect((await d.route('I do not know this $30 charge from yesterday')).reply).toBe('We opened a dispute for 30.00 USD charged on 2024-05-14.');
  });

  it('hands off below the threshold (and exactly at it routes)', async () => {
    const low = new CustomerServiceRouter(classify({ card_lost: 0.59, dispute: 0.41 }), config);
    expect(await low.route('hmm')).toMatchObject({ intent: 'handoff', handoff: true, confidence: 0.59 });
    const at = new CustomerServiceRouter(classify({ card_lost: 0.6, dispute: 0.4 }), config);
    expect((await at.route('card ending 1234')).intent).toBe('card_lost');
    const unknown = new CustomerServiceRouter(classify({ other: 0.99 }), config);
    expect((await unknown.route('x')).handoff).toBe(true);
  });
});
