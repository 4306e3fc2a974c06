import { describe, expect, it } from 'vitest';
import {
  cardBrand,
  cnIdCheckChar,
  cnResidentIdValid,
  ibanValid,
  luhnValid,
  parseIPv4,
  parseIPv6,
  shannonEntropy,
  usccCheckChar,
  usccValid,
} from '../../../src/safety/validators.js';

describe('luhn and card brands', () => {
  it.each([
    ['4111111111111111', 'visa'],
    ['5555555555554444', 'mastercard'],
    ['2223003122003222', 'mastercard'],
    ['378282246310005', 'amex'],
    ['6011111111111117', 'discover'],
    ['3530111333300000', 'jcb'],
    ['6200000000000005', 'unionpay'],
    ['30569309025904', 'diners'],
  ])('%s is a valid %s', (pan, brand) => {
    expect(luhnValid(pan)).toBe(true);
    expect(cardBrand(pan)).toBe(brand);
  });
  it.each(['4111111111111112', '5555555555554443', '378282246310006'])('%s fails Luhn', (pan) => expect(luhnValid(pan)).toBe(false));
  it('rejects unknown IIN or wrong length', () => {
    expect(cardBrand('9111111111111111')).toBeUndefined();
    expect(cardBrand('41111111111111')).toBeUndefined(); // visa with 14 digits
  });
});

describe('IBAN', () => {
  it.each(['GB82WEST12345698765432', 'GB82 WEST 1234 5698 7654 32', 'DE89370400440532013000', 'FR1420041010050500013M02606', 'NL91ABNA0417164300', 'gb82west12345698765432'])(
    '%s is valid',
    (iban) => expect(ibanValid(iban)).toBe(true),
  );
  it.each([
    ['GB83WEST12345698765432', 'wrong check digits'],
    ['GB82WEST1234569876543', 'wrong length for GB'],
    ['ZZ82WEST12345698765432', 'unknown country'],
    ['DE8937040044053201300', 'too short'],
  ])('%s is invalid (%s)', (iban) => expect(ibanValid(iban)).toBe(false));
});

describe('CN resident ID (GB 11643, MOD 11-2)', () => {
  it('computes the check character, including X', () => {
    expect(cnIdCheckChar('11010519491231002')).toBe('X');
    expect(cnIdCheckChar('44052418800101001')).toBe('4');
  });
  it.each(['11010519491231002X', '11010519491231002x', '440524188001010014', '110105491231002'])('%s is valid', (id) => expect(cnResidentIdValid(id)).toBe(true));
  it.each([
    ['110105194912310021', 'wrong check digit'],
    ['99010519491231002X', 'unknown province 99'],
    ['11010519490231002X', 'Feb 31 does not exist'],
    ['11010521001231002X', 'born in the future'],
    ['110105491331002', 'legacy with month 13'],
    ['1101051949123100', '16 digits'],
  ])('%s is invalid (%s)', (id) => expect(cnResidentIdValid(id)).toBe(false));
});

describe('CN unified social credit code (GB 32100-2015)', () => {
  it('validates the mod-31 check character', () => {
    expect(usccValid('91350100M000100Y43')).toBe(true);
    expect(usccCheckChar('91350100M000100Y4')).toBe('3');
  });
  it('accepts a generated code and rejects a corrupted one', () => {
    const body = '91110108MA01ABCD1';
    const code = body + usccCheckChar(body)!;
    expect(usccValid(code)).toBe(true);
    const other = code.slice(0, 17) + (code[17] === '0' ? '1' : '0');
    expect(usccValid(other)).toBe(false);
  });
  it.each(['91350100M000100Y44', '91350100M000100I43', 'Z1350100M000100Y43', '913501'])('%s is invalid', (c) => expect(usccValid(c)).toBe(false));
});

describe('IP parsing', () => {
  it.each(['0.0.0.0', '192.168.1.1', '255.255.255.255'])('IPv4 %s parses', (ip) => expect(parseIPv4(ip)).toHaveLength(4));
  it.each(['256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4.5', '1..2.3'])('IPv4 %s does not parse', (ip) => expect(parseIPv4(ip)).toBeUndefined());
  it.each([
    ['::1', [0, 0, 0, 0, 0, 0, 0, 1]],
    ['2001:db8::7', [0x2001, 0xdb8, 0, 0, 0, 0, 0, 7]],
    ['::ffff:1.2.3.4', [0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]],
    ['fe80::1%eth0', [0xfe80, 0, 0, 0, 0, 0, 0, 1]],
    ['1:2:3:4:5:6:7:8', [1, 2, 3, 4, 5, 6, 7, 8]],
  ])('IPv6 %s parses', (ip, groups) => expect(parseIPv6(ip)).toEqual(groups));
  it.each(['1:2:3:4:5:6:7:8:9', '1::2::3', '12345::1', 'g::1', '1:2:3:4:5:6:7', ':::'])('IPv6 %s does not parse', (ip) => expect(parseIPv6(ip)).toBeUndefined());
});

describe('entropy', () => {
  it('is 0 for a constant string and grows with variety', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('ab')).toBe(1);
    expect(shannonEntropy('Zx9#qL2!vT8m')).toBeGreaterThan(3);
  });
});
