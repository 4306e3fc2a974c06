import { describe, expect, it } from 'vitest';
import { scan } from '../../../src/safety/index.js';
import { createSecretTokenRule } from '../../../src/safety/rules/secret-token.js';
import { ibanOf, usccWrongCheck, withUsccCheck } from './checksums.js';

/** Entities found (above the default threshold) with the exact substring each covers. */
function found(text: string): [string, string][] {
  return scan(text).findings.map((f) => [f.entity, text.slice(f.start, f.end)]);
}
const has = (text: string, entity: string, value: string) => expect(found(text)).toContainEqual([entity, value]);
const none = (text: string, entity: string) => expect(found(text).filter(([e]) => e === entity)).toEqual([]);

describe('email', () => {
  it.each([
    ['mail me at li.lei@example.cn please', 'li.lei@example.cn'],
    ['联系邮箱：zhang_san+tag@mail.example.com。', 'zhang_san+tag@mail.example.com'],
    ['<UtaKortig@jourrapide.com>', 'UtaKortig@jourrapide.com'],
  ])('finds %s', (text, value) => has(text, 'EMAIL', value));
  it.each(['user@localhost', 'a..b@example.com', '@example.com', 'name@example', 'version 1.2@3.4', 'foo@bar.123'])('ignores %s', (text) => none(text, 'EMAIL'));
});

describe('phone', () => {
  it.each([
    ['手机：13812345678', '13812345678'],
    ['我的电话是 +86 138 1234 5678。', '+86 138 1234 5678'],
    ['call 138-1234-5678 now', '138-1234-5678'],
    ['0086 13912345678', '0086 13912345678'],
    ['call +1 (415) 555-2671 tomorrow', '+1 (415) 555-2671'],
    ['office: (415) 555-2671 x123', '(415) 555-2671 x123'],
    ['London +44 20 7946 0958', '+44 20 7946 0958'],
    ['Paris +33 1 42 68 53 00', '+33 1 42 68 53 00'],
    ['座机 010-62751234', '010-62751234'],
    ['phone: 07700 900123', '07700 900123'],
  ])('finds %s', (text, value) => has(text, 'PHONE', value));
  it.each([
    ['date 2023-11-29', 'ISO date'],
    ['on 29.11.2023 we met', 'European date'],
    ['total ¥1,234,567.89', 'amount'],
    ['price $ 12 345 678', 'amount with spaces'],
    ['version 10.4.12 released', 'version'],
    ['订单号 2023112912345678', 'order number'],
    ['order no. 13812345678', 'order number shaped like a mobile'],
    ['Invoice #4521 8890 1123', 'invoice number'],
    ['we sold 12345678 units', 'bare digits without context'],
    ['ip 10.20.30.40', 'IPv4'],
    ['138123456789012', 'too many digits'],
    ['1111111', 'repeated digit'],
  ])('ignores %s (%s)', (text) => none(text, 'PHONE'));
});

describe('CN resident ID', () => {
  it.each([
    ['身份证号：11010519491231002X', '11010519491231002X'],
    ['ID 11010519491231002x.', '11010519491231002x'],
    ['旧身份证 110105491231002', '110105491231002'],
  ])('finds %s', (text, value) => has(text, 'CN_RESIDENT_ID', value));
  it.each([
    ['身份证号：110105194912310021', 'wrong check digit'],
    ['99010519491231002X', 'bad region'],
    ['11010519491331002X', 'month 13'],
    ['订单 110105194912310', 'order number, 15 digits without context'],
  ])('ignores %s (%s)', (text) => none(text, 'CN_RESIDENT_ID'));
});

describe('payment card', () => {
  it.each([
    ['card 4111 1111 1111 1111 expires', '4111 1111 1111 1111'],
    ['卡号：6200000000000005', '6200000000000005'],
    ['amex 3782-822463-10005', '3782-822463-10005'],
    ['pay with 5555555555554444.', '5555555555554444'],
    ['jcb 3530111333300000', '3530111333300000'],
  ])('finds %s', (text, value) => has(text, 'CARD', value));
  it.each([
    ['card 4111 1111 1111 1112', 'Luhn fails'],
    ['tracking 9400 1000 0000 0000 0000 00', 'not an IIN'],
    ['order 2023112912345678901', 'order number'],
    ['total 4111111111.11', 'amount'],
  ])('ignores %s (%s)', (text) => none(text, 'CARD'));
  it('keeps a UnionPay number that fails Luhn only next to a context word', () => {
    none('ref 6212345678901234', 'CARD');
    has('银联卡号 6212345678901234', 'CARD', '6212345678901234');
  });
});

describe('IBAN', () => {
  it.each([
    ['IBAN: GB82 WEST 1234 5698 7654 32', 'GB82 WEST 1234 5698 7654 32'],
    ['to DE89370400440532013000 today', 'DE89370400440532013000'],
    ['lower case gb42nawi04454264788619', 'gb42nawi04454264788619'],
  ])('finds %s', (text, value) => has(text, 'IBAN', value));
  it.each([
    // a short word after an IBAN whose BBAN is a multiple of four groups is not part of it
    ['IBAN BE71 0961 2345 6769 and more', 'BE71 0961 2345 6769'],
    ['pay BE71096123456769 the rest', 'BE71096123456769'],
    [`to ${ibanOf('NL', 'ABNA0417164300')} ok`, ibanOf('NL', 'ABNA0417164300')],
  ])('finds %s without the next word', (text, value) => has(text, 'IBAN', value));
  it.each(['GB83WEST12345698765432', 'XX82WEST12345698765432', 'SKU AB12CDEF3456GH'])('ignores %s', (text) => none(text, 'IBAN'));
});

describe('IP address', () => {
  it.each([
    ['from 192.168.1.20 today', '192.168.1.20'],
    ['host 2001:db8::7 is up', '2001:db8::7'],
    ['mapped ::ffff:10.0.0.1', '::ffff:10.0.0.1'],
    ['6e40:4041:c617:e898:c11:40d2:c669:2eb4', '6e40:4041:c617:e898:c11:40d2:c669:2eb4'],
  ])('finds %s', (text, value) => has(text, 'IP_ADDRESS', value));
  it.each(['version 1.2.3.4', 'v1.2.3.4', '999.1.1.1', '1.2.3', 'at 12:30:45', '1.2.3.4.5', 'sha 1:2:3'])('ignores %s', (text) => none(text, 'IP_ADDRESS'));
});

describe('URL', () => {
  it.each([
    ['see https://example.com/a?b=1.', 'https://example.com/a?b=1'],
    ['(www.example.org/path)', 'www.example.org/path'],
    ['访问 http://www.TruckInsider.uy/，谢谢', 'http://www.TruckInsider.uy/'],
    ['Www.Example.org is down', 'Www.Example.org'],
    ['HTTPS://EXAMPLE.COM/A', 'HTTPS://EXAMPLE.COM/A'],
  ])('finds %s', (text, value) => has(text, 'URL', value));
  it.each(['see example dot com', 'http://x', 'ftp://999'])('ignores %s', (text) => none(text, 'URL'));
});

describe('CN unified social credit code', () => {
  it('finds a valid code', () => has('统一社会信用代码：91350100M000100Y43', 'CN_USCC', '91350100M000100Y43'));
  // obviously fake organization codes, check character from the GB 32100-2015 algorithm in ./checksums.ts
  const valid = [
    withUsccCheck('91110108MA01C2XT8'), // enterprise, Beijing Haidian
    withUsccCheck('92440300L12345678'), // individual business, Shenzhen
    withUsccCheck('12310000425001337'), // public institution, Shanghai
    withUsccCheck('51350100MJ0000001'), // social organization, Fuzhou
    withUsccCheck('Y1510107MA6CBU4P1'), // other, Chengdu
    withUsccCheck('N2330100MA27XY123'), // rural collective, Hangzhou
  ];
  it.each(valid.map((c) => [c]))('finds %s with and without context', (code) => {
    has(`统一社会信用代码：${code}`, 'CN_USCC', code);
    has(`公司 ${code} 已登记`, 'CN_USCC', code);
    has(`tax id ${code.toLowerCase()}.`, 'CN_USCC', code.toLowerCase());
  });
  it.each([
    ...valid.map(usccWrongCheck), // wrong check character
    '91350100M000100Y44',
    '91350100M000100I43', // I is not in the alphabet
    withUsccCheck('91990000MA01C2XT8'), // right checksum, no province 99
    withUsccCheck('01110108MA01C2XT8'), // right checksum, no registration authority 0
  ])('ignores %s', (code) => none(`统一社会信用代码 ${code}`, 'CN_USCC'));
});

describe('CN passport', () => {
  it.each([
    ['护照号码：E12345678', 'E12345678'],
    ['passport no. G12345678', 'G12345678'],
  ])('finds %s with context', (text, value) => has(text, 'CN_PASSPORT', value));
  it('ignores the same shape without context', () => none('model E12345678 in stock', 'CN_PASSPORT'));
});

describe('US SSN', () => {
  it('finds a dashed SSN', () => has('SSN 078-05-1121', 'US_SSN', '078-05-1121'));
  it.each(['000-12-3456', '666-12-3456', '912-12-3456', '123-00-4567'])('ignores invalid %s', (s) => none(`ssn ${s}`, 'US_SSN'));
});

describe('secrets', () => {
  const ghp = `ghp_${'a1B2c3D4e5'.repeat(3)}abcdef`;
  it.each([
    ['aws AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
    [`token ${ghp}`, ghp],
    ['glpat-abcdefghij1234567890', 'glpat-abcdefghij1234567890'],
    ['slack xoxb-123456789012-abcdefABCDEF', 'xoxb-123456789012-abcdefABCDEF'],
    ['key AIzaSyA1234567890abcdefghijklmnopqrstuv', 'AIzaSyA1234567890abcdefghijklmnopqrstuv'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl'],
    ['db password: Zx9#qL2!vT8m', 'Zx9#qL2!vT8m'],
    ['密码：Zx9qL2vT8mWp', 'Zx9qL2vT8mWp'],
  ])('finds %s', (text, value) => has(text, 'SECRET', value));
  // obviously fake, format-valid values (FAKE/fake/0123... bodies); each must be found with exactly its value
  const azureKey = `${'FAKEfakeKEYkey0123456789+/'.repeat(3)}FAKEfake`; // 86 characters
  const sasSig = 'FAKEsig0123456789fakeSIGabcdefghijklmnopqr%2B%3D';
  const busKey = 'FAKEbusKEY0123456789fakeBUSkey0123456789abc=';
  const clientSecret = 'abc1Q~FAKEfake0123456789_FAKE.fake-FAKEf';
  const stripeSk = 'sk_live_FAKEfake0123456789FAKEfake';
  const stripeRk = 'rk_live_0123456789FAKEfakeFAKE0123';
  const openaiProj = 'sk-proj-FAKEfake0123456789FAKEfake0123456789FAKEfake_-xyz';
  const openaiLegacy = `sk-${'FAKEfake0123456789'.repeat(2)}FAKEfake0123`;
  const anthropic = `sk-ant-api03-${'FAKEfake0123456789-_'.repeat(4)}AA`;
  const gcpKeyId = '0123456789abcdef0123456789abcdef01234567';
  it.each([
    ['Azure storage account key', `DefaultEndpointsProtocol=https;AccountName=fakeacct;AccountKey=${azureKey}==;EndpointSuffix=core.windows.net`, `${azureKey}==`, 'azure-key'],
    ['Azure SAS signature', `sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01&sig=${sasSig}`, sasSig, 'azure-key'],
    ['Azure service bus SharedAccessKey', `Endpoint=sb://fake.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=${busKey}`, busKey, 'azure-key'],
    ['Azure AD client secret', `tenant app ${clientSecret}`, clientSecret, 'azure-client-secret'],
    ['Stripe live secret key', `stripe ${stripeSk}`, stripeSk, 'api-key'],
    ['Stripe live restricted key', `STRIPE_KEY="${stripeRk}"`, stripeRk, 'api-key'],
    ['OpenAI project key', `OPENAI_API_KEY=${openaiProj}`, openaiProj, 'api-key'],
    ['OpenAI legacy key', `key: ${openaiLegacy}`, openaiLegacy, 'api-key'],
    ['Anthropic key', `ANTHROPIC_API_KEY=${anthropic}`, anthropic, 'api-key'],
    ['GCP service-account key id', `{"type": "service_account", "private_key_id": "${gcpKeyId}", "client_email": "x@fake.iam.gserviceaccount.com"}`, gcpKeyId, 'gcp-key-id'],
  ])('finds a %s', (_kind, text, value, evidence) => {
    has(text, 'SECRET', value);
    // the format rule itself recognizes it (not only the key-word entropy rule), and names the kind
    const start = text.indexOf(value);
    expect(createSecretTokenRule().scan(text, { stage: 'input' })).toContainEqual(expect.objectContaining({ start, end: start + value.length, evidence }));
  });
  it('the trace never echoes the value', () => {
    const r = scan(`AZURE_CLIENT_SECRET=${clientSecret} ${stripeSk} "private_key_id": "${gcpKeyId}"`);
    expect(r.findings.filter((f) => f.entity === 'SECRET')).toHaveLength(3);
    expect(JSON.stringify(r.explanation)).not.toContain(clientSecret);
    expect(JSON.stringify(r.explanation)).not.toContain(gcpKeyId);
  });
  it.each([
    'sk_test_FAKEfake0123456789FAKEfake', // Stripe test keys are not live secrets
    'sk-short123', // too short for an OpenAI key
    `commit ${gcpKeyId}`, // 40 hex without the service-account field is a commit id
    'abc1Q~tooShort', // client secret too short
  ])('ignores %s', (text) => none(text, 'SECRET'));
  it('finds a PEM private key block', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----';
    has(`key:\n${pem}\nthanks`, 'SECRET', pem);
  });
  it.each(['password: example', 'the token is expired', 'my password is secret', 'eyJhbGciOi.notajwt', 'AKIA1234'])('ignores %s', (text) => none(text, 'SECRET'));
});
