import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv, isLoopback, loadServeConfig, parseDuration, parseSize } from '../../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'onramp-config-'));

describe('serve config', () => {
  it('has secure defaults', async () => {
    const c = await loadServeConfig({ env: {} });
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8787, apiKeys: [], insecure: false, cors: [], bodyLimit: 1048576, timeoutMs: 120000, rateLimit: 0 });
    expect(c.model).toBeUndefined();
  });

  it('layers file < env < flags, resolving file paths against the file', async () => {
    const file = join(dir, 'onramp.yaml');
    writeFileSync(file, 'port: 9000\nhost: 127.0.0.2\nmodel: models/m.gguf\nbodyLimit: 2mb\ntimeoutMs: 30s\nlora:\n  - de=ad/de.gguf:0.5\ncors: [https://a.example]\n');
    const c = await loadServeConfig({ file, env: { ONRAMP_PORT: '9100', ONRAMP_API_KEYS: 'key-aaaaaaaa,key-bbbbbbbb' }, flags: { port: 9200 } });
    expect(c.port).toBe(9200);
    expect(c.host).toBe('127.0.0.2');
    expect(c.model).toBe(join(dir, 'models/m.gguf'));
    expect(c.bodyLimit).toBe(2 * 1024 * 1024);
    expect(c.timeoutMs).toBe(30000);
    expect(c.lora).toEqual([{ name: 'de', path: join(dir, 'ad/de.gguf'), scale: 0.5 }]);
    expect(c.apiKeys).toEqual(['key-aaaaaaaa', 'key-bbbbbbbb']);
    expect(c.cors).toEqual(['https://a.example']);
  });

  it('reads JSON config and an API key file', async () => {
    const keys = join(dir, 'keys.txt');
    writeFileSync(keys, '# ops keys\nkey-cccccccc\n\nkey-dddddddd\n');
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ apiKeyFile: 'keys.txt', rateLimit: 60 }));
    const c = await loadServeConfig({ file, env: {} });
    expect(c.apiKeys).toEqual(['key-cccccccc', 'key-dddddddd']);
    expect(c.rateLimit).toBe(60);
  });

  it('names the file and field of a bad setting', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ port: 'eighty' }));
    await expect(loadServeConfig({ file, env: {} })).rejects.toMatchObject({ code: 'CONFIG', field: 'port', file });
    writeFileSync(file, JSON.stringify({ prot: 1 }));
    await expect(loadServeConfig({ file, env: {} })).rejects.toMatchObject({ code: 'CONFIG' });
    writeFileSync(file, '{not json');
    await expect(loadServeConfig({ file, env: {} })).rejects.toMatchObject({ code: 'CONFIG', file });
    await expect(loadServeConfig({ env: { ONRAMP_PORT: 'x' } })).rejects.toMatchObject({ code: 'CONFIG', field: 'ONRAMP_PORT' });
    await expect(loadServeConfig({ flags: { apiKeys: ['short'] }, env: {} })).rejects.toMatchObject({ code: 'CONFIG', field: 'apiKeys.0' });
  });

  it('parses env vars, sizes, durations and loopback hosts', () => {
    expect(configFromEnv({ ONRAMP_INSECURE: 'true', ONRAMP_CORS: 'https://a, https://b', ONRAMP_TIMEOUT: '2m', ONRAMP_BODY_LIMIT: '512kb' })).toEqual({
      insecure: true,
      cors: ['https://a', 'https://b'],
      timeoutMs: 120000,
      bodyLimit: 524288,
    });
    expect(parseSize('1mb')).toBe(1048576);
    expect(parseSize(10)).toBe(10);
    expect(() => parseSize('lots')).toThrow();
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('[::1]')).toBe(true);
    expect(isLoopback('0.0.0.0')).toBe(false);
    expect(isLoopback('10.0.0.1')).toBe(false);
  });
});
