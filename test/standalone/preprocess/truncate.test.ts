import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { truncate, chunk, aggregate } from '../../../src/preprocess/truncate.js';
import { nfkc } from '../../../src/preprocess/normalize.js';
import { mapSpan } from '../../../src/preprocess/offsets.js';
import { buildPrompt, renderTemplate, templateFields } from '../../../src/preprocess/template.js';

/** Word-ish tokenizer: each run of letters/digits is one token, every other non-space char is one token. */
const tok = (t: string): number[] => (t.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? []).map((w) => w.length);

describe('truncate', () => {
  const text = 'one two three four five six seven eight';
  it('head keeps the beginning', () => {
    const r = truncate(text, { maxTokens: 3, strategy: 'head', tokenize: tok });
    expect(r.truncated).toBe(true);
    expect(r.inputTokens).toBe(8);
    expect(r.text.text.trim()).toBe('one two three');
    expect(r.outputTokens).toBe(3);
  });
  it('tail keeps the end', () => {
    const r = truncate(text, { maxTokens: 2, strategy: 'tail', tokenize: tok });
    expect(r.text.text.trim()).toBe('seven eight');
    const s = mapSpan(r.text, 0, r.text.text.length);
    expect(text.slice(s.start, s.end).trim()).toBe('seven eight');
  });
  it('middle keeps both ends and maps through the ellipsis', () => {
    const r = truncate(text, { maxTokens: 5, strategy: 'middle', tokenize: tok });
    expect(r.outputTokens).toBeLessThanOrEqual(5);
    expect(r.text.text.startsWith('one')).toBe(true);
    expect(r.text.text.endsWith('eight')).toBe(true);
    expect(r.text.text).toContain('…');
  });
  it('leaves short texts alone', () => {
    const r = truncate('a b', { maxTokens: 5, tokenize: tok });
    expect(r.truncated).toBe(false);
    expect(r.text.text).toBe('a b');
  });
  it('keeps the offset map of a normalized input and never splits surrogates', () => {
    const src = '😀😀 ﬁne １２ 😀';
    const m = nfkc(src);
    const r = truncate(m, { maxTokens: 3, strategy: 'head', tokenize: (t) => Array.from(t).map(() => 1) });
    expect(r.text.text).toBe('😀😀 ');
    const s = mapSpan(r.text, 0, 4);
    expect(src.slice(s.start, s.end)).toBe('😀😀');
  });
  it('property: output fits the budget', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,5}$/), { maxLength: 30 }), fc.integer({ min: 1, max: 10 }), fc.constantFrom('head', 'tail', 'middle'), (words, max, strategy) => {
        const r = truncate(words.join(' '), { maxTokens: max, strategy: strategy as 'head', tokenize: tok, ellipsis: ' ' });
        expect(r.outputTokens).toBeLessThanOrEqual(Math.max(max, 2));
      }),
      { numRuns: 100 },
    );
  });
});

describe('chunk + aggregate', () => {
  it('covers the text with overlapping chunks', () => {
    const words = Array.from({ length: 50 }, (_, i) => `w${i}`);
    const text = words.join(' ');
    const chunks = chunk(text, { maxTokens: 10, overlapTokens: 3, tokenize: tok });
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks[0]!.start).toBe(0);
    expect(chunks.at(-1)!.end).toBe(text.length);
    for (let i = 0; i < chunks.length; i++) {
      const c = chunks[i]!;
      expect(tok(c.text.text).length).toBeLessThanOrEqual(10);
      expect(text.slice(c.start, c.end)).toBe(c.text.text);
      if (i > 0) {
        expect(c.start).toBeLessThan(chunks[i - 1]!.end); // overlap
        expect(c.start).toBeGreaterThan(chunks[i - 1]!.start); // progress
      }
    }
  });
  it('aggregates', () => {
    expect(aggregate([[0.9, 0.1], [0.4, 0.6]], 'mean')).toEqual([0.65, 0.35]);
    const mx = aggregate([[0.9, 0.1], [0.4, 0.6]], 'max');
    expect(mx[0]).toBeCloseTo(0.6);
    const v = aggregate([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8]], 'vote');
    expect(v[1]).toBeGreaterThan(v[0]!);
    expect(v[0]! + v[1]!).toBeCloseTo(1);
  });
});

describe('templates', () => {
  it('renders named fields and names a missing one', () => {
    expect(templateFields('{{a}} {{ b }} {{a}}')).toEqual(['a', 'b']);
    expect(renderTemplate('x {{ a }} y', { a: 1 })).toBe('x 1 y');
    expect(() => renderTemplate('{{missing}}', {})).toThrow(/fields\.missing/);
  });
  it('builds raw and chat prompts with few-shot examples', () => {
    const spec = { system: 'Classify.', template: 'Review: {{text}}\nSentiment:', examples: [{ fields: { text: 'bad' }, output: ' negative' }] };
    expect(buildPrompt(spec, { text: 'good' })).toEqual({ kind: 'raw', text: 'Classify.\n\nReview: bad\nSentiment: negative\n\nReview: good\nSentiment:' });
    const chat = buildPrompt({ ...spec, chatTemplate: true }, { text: 'good' });
    expect(chat.kind === 'chat' && chat.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
  });
});
