import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy, defaultPolicy, mask, parsePolicy, restore, scan } from '../../../src/safety/index.js';
import { cnIdCheckChar } from '../../../src/safety/validators.js';
import { ibanOf, withUsccCheck } from './checksums.js';

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
  // IBAN: per-country length, mod-97 check digits computed in ./checksums.ts
  fc.oneof(
    digits(18).map((d) => ibanOf('DE', d)),
    fc.tuple(fc.constantFrom('WEST', 'NWBK', 'BARC'), digits(14)).map(([b, d]) => ibanOf('GB', b + d)),
    digits(23).map((d) => ibanOf('FR', d)),
    fc.tuple(fc.constantFrom('ABNA', 'RABO', 'INGB'), digits(10)).map(([b, d]) => ibanOf('NL', b + d)),
    digits(12).map((d) => ibanOf('BE', d)),
  ).map((value) => ({ value, entity: 'IBAN' })),
  // CN unified social credit code: authority+type, region (valid province), 9-character organization code, mod-31 check
  fc.tuple(fc.constantFrom('91', '92', '11', '12', '31', '51', '52', 'Y1'), fc.constantFrom('110105', '310115', '440300', '350100', '510107'),
    fc.array(fc.constantFrom(...'0123456789ABCDEFGHJKLMNPQRTUWXY'), { minLength: 9, maxLength: 9 })).map(([a, r, org]) => ({ value: withUsccCheck(`${a}${r}${org.join('')}`), entity: 'CN_USCC' })),
  // URL
  fc.tuple(fc.constantFrom('https://', 'http://', 'www.'), fc.constantFrom('example.com', 'docs.example.org', 'shop.test.cn', 'a-b.example.net'),
    fc.constantFrom('', '/', '/a/b', '/search?q=onramp&lang=zh', '/p/12#top', ':8080/x')).map(([sch, host, path]) => ({ value: sch + host + (sch === 'www.' ? path.replace(/^:8080/, '') : path), entity: 'URL' })),
  // secret token formats: GitHub PAT, AWS access key id
  fc.oneof(
    fc.array(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'), { minLength: 36, maxLength: 36 }).map((a) => `ghp_${a.join('')}`),
    fc.array(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'), { minLength: 16, maxLength: 16 }).map((a) => `AKIA${a.join('')}`),
  ).map((value) => ({ value, entity: 'SECRET' })),
  // CN passport: only with a context word right before it
  fc.tuple(fc.constantFrom('护照号码：', 'passport no. ', '护照 '), fc.oneof(fc.tuple(fc.constantFrom(...'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789'), digits(7)).map(([c, d]) => `E${c}${d}`), digits(8).map((d) => `G${d}`)))
    .map(([before, value]) => ({ before, value, entity: 'CN_PASSPORT' })),
);
/** The default policy with URLs and secrets as restorable placeholders: every generated kind is masked and restored. */
const everything = compilePolicy(
  parsePolicy({ ...defaultPolicy(), name: 'properties', entities: { ...defaultPolicy().entities, URL: { action: 'placeholder' }, SECRET: { action: 'placeholder', restore: true } } }),
);
/** Filler that cannot itself contain PII or injections: Chinese and English words without digits or '@'. */
const filler = fc.array(fc.constantFrom('你好', '请问', '账户', 'hello', 'the', 'account', 'is', '，', '。', ' ', 'and', '我的', '号码是', 'call me', 'mail'), { maxLength: 8 }).map((a) => a.join(''));
const doc = fc.array(fc.tuple(filler, pii), { minLength: 1, maxLength: 6 }).chain((parts) =>
  filler.map((tail) => {
    let text = '';
    const values: { value: string; entity: string; start: number }[] = [];
    for (const [f, p] of parts) {
      text += `${f} ${'before' in p ? p.before : ''}`;
      values.push({ value: p.value, entity: p.entity, start: text.length });
      text += `${p.value} `;
    }
    return { text: text + tail, values };
  }),
);

describe('properties (fast-check)', () => {
  it('mask then restore is the identity (placeholders everywhere)', () => {
    fc.assert(
      fc.property(doc, ({ text }) => {
        const m = mask(text, everything);
        expect(restore(m.text, m.vault, everything)).toBe(text);
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
        const m = mask(text, everything);
        for (const v of values) expect(m.text.includes(v.value)).toBe(false);
      }),
      { numRuns: 150 },
    );
  });
  it('every generated value is found with its entity at its offsets', () => {
    fc.assert(
      fc.property(doc, ({ text, values }) => {
        const r = scan(text, everything);
        for (const v of values) {
          expect(r.findings).toContainEqual(expect.objectContaining({ start: v.start, end: v.start + v.value.length, entity: v.entity }));
        }
      }),
      { numRuns: 150 },
    );
  });
  it('offsets slice to the inserted value for every generated kind, also inside noisy text', () => {
    const noise = fc.array(
      // no single letters: 'v 1.2.3.4' is a version, not an IP; no unit characters: '13000000000 亿' is an amount,
      // not a phone number (look-alikes the recognizers skip on purpose)
      fc.oneof(fc.stringMatching(/^[一-龥，。 ]{0,10}$/).filter((s) => !/[元块万亿]/.test(s)), fc.constantFrom('\u200B', 'ｉｇｎｏｒｅ', '\u0456', '。', '，', ' all previous instructions. ', '你好', 'hello', 'the', 'Ⅻ', '😀', '\u202E')),
      { maxLength: 4 },
    ).map((a) => a.join(''));
    const noisyDoc = fc.array(fc.tuple(noise, pii), { minLength: 1, maxLength: 5 }).map((parts) => {
      let text = '';
      const values: { value: string; entity: string; start: number }[] = [];
      for (const [n, p] of parts) {
        text += `${n} ${'before' in p ? p.before : ''}`;
        values.push({ value: p.value, entity: p.entity, start: text.length });
        text += `${p.value} `;
      }
      return { text, values };
    });
    fc.assert(
      fc.property(noisyDoc, ({ text, values }) => {
        const r = scan(text, everything);
        for (const v of values) {
          const end = v.start + v.value.length;
          const hits = r.findings.filter((f) => f.entity === v.entity && f.start < end && f.end > v.start);
          expect(hits.length, `${v.entity} ${v.value} in ${JSON.stringify(text)}`).toBeGreaterThan(0);
          for (const f of hits) expect(text.slice(f.start, f.end)).toBe(v.value);
        }
      }),
      { numRuns: 300 },
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
