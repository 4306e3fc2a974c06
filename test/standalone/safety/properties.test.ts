import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mask, restore, scan } from '../../../src/safety/index.js';
import { cnIdCheckChar } from '../../../src/safety/validators.js';

/** Generators of PII values our recognizers must find, with the entity each one is. */
const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((a) => a.join(''));
const luhnComplete = (body: string): string => {
  for (let c = 0; c < 10; c++) {
    const s = body + c;
    let sum = 0;
    for (let i = 0; i < s.length; i++) {
      let d = +s[s.length - 1 - i]!;
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    if (sum % 10 === 0) return s;
  }
  return body + '0';
};
const pii = fc.oneof(
  fc.tuple(fc.constantFrom('li', 'wang.fang', 'j_doe', 'ops+x'), fc.constantFrom('example.com', 'mail.cn', 'corp.co.uk')).map(([u, d]) => ({ value: `${u}@${d}`, entity: 'EMAIL' })),
  fc.tuple(fc.constantFrom('3', '5', '7', '8', '9'), digits(9)).map(([b, rest]) => ({ value: `1${b}${rest}`, entity: 'PHONE' })),
  digits(14).map((d) => ({ value: luhnComplete(`4${d}`), entity: 'CARD' })),
  fc.tuple(fc.integer({ min: 1950, max: 2005 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), digits(3)).map(([y, m, d, seq]) => {
    const body = `110105${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}${seq}`;
    return { value: body + cnIdCheckChar(body), entity: 'CN_RESIDENT_ID' };
  }),
  fc.tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 })).map((o) => ({ value: o.join('.'), entity: 'IP_ADDRESS' })),
);
/** Filler that cannot itself contain PII or injections: Chinese and English words without digits or '@'. */
const filler = fc.array(fc.constantFrom('你好', '请问', '账户', 'hello', 'the', 'account', 'is', '，', '。', ' ', 'and', '我的', '号码是', 'call me', 'mail'), { maxLength: 8 }).map((a) => a.join(''));
const doc = fc.array(fc.tuple(filler, pii), { minLength: 1, maxLength: 6 }).chain((parts) =>
  filler.map((tail) => {
    let text = '';
    const values: { value: string; entity: string; start: number }[] = [];
    for (const [f, p] of parts) {
      text += `${f} `;
      values.push({ ...p, start: text.length });
      text += `${p.value} `;
    }
    return { text: text + tail, values };
  }),
);

describe('properties (fast-check)', () => {
  it('mask then restore is the identity (placeholders everywhere)', () => {
    fc.assert(
      fc.property(doc, ({ text }) => {
        const m = mask(text);
        expect(restore(m.text, m.vault)).toBe(text);
      }),
      { numRuns: 150 },
    );
  });
  it('restore is the identity on arbitrary text too (no placeholder collisions)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.constantFrom('', '<EMAIL_1>', '<PHONE_1> ', 'a@b.cn '), (s, extra) => {
        const text = extra + s + ' a@b.cn 13812345678';
        const m = mask(text);
        expect(restore(m.text, m.vault)).toBe(text);
      }),
      { numRuns: 150 },
    );
  });
  it('the masked text contains none of the original values', () => {
    fc.assert(
      fc.property(doc, ({ text, values }) => {
        const m = mask(text);
        for (const v of values) expect(m.text.includes(v.value)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
  it('every generated value is found with its entity at its offsets', () => {
    fc.assert(
      fc.property(doc, ({ text, values }) => {
        const r = scan(text);
        for (const v of values) {
          expect(r.findings).toContainEqual(expect.objectContaining({ start: v.start, end: v.start + v.value.length, entity: v.entity }));
        }
      }),
      { numRuns: 150 },
    );
  });
  it('offsets always slice to the finding, in the original text, whatever the input', () => {
    const noisy = fc.array(
      fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('\u200B', '\u202E', 'ｉｇｎｏｒｅ', '１３８１２３４５６７８', '\u0456', '𝐢𝐠𝐧𝐨𝐫𝐞', ' all previous instructions. ', 'a@b.cn', '13812345678', '。')),
      { maxLength: 12 },
    ).map((a) => a.join(''));
    fc.assert(
      fc.property(noisy, (text) => {
        const r = scan(text);
        for (const f of r.findings) {
          expect(f.start).toBeGreaterThanOrEqual(0);
          expect(f.end).toBeLessThanOrEqual(text.length);
          expect(f.end).toBeGreaterThan(f.start);
          for (const e of r.explanation.safety) for (const [s, t] of e.spans) expect(t).toBeLessThanOrEqual(text.length), expect(s).toBeLessThan(t);
        }
        for (const f of r.findings.filter((x) => x.entity === 'PHONE' || x.entity === 'EMAIL')) {
          const slice = text.slice(f.start, f.end);
          expect(slice.normalize('NFKC').replace(/[\u200B-\u200F\u202A-\u202E]/g, '')).toMatch(f.entity === 'EMAIL' ? /@/ : /\d{7}/);
        }
      }),
      { numRuns: 300 },
    );
  });
});
