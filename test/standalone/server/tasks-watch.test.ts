import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/server/app.js';
import { loadOptionalLayers } from '../../../src/server/layers.js';

/** `onramp serve --tasks dir` watches the folder: an edited pack is served without a restart or a reload call. */
const pack = (version: string, description: string, labels = ['yes', 'no']) =>
  JSON.stringify({ id: 'watched', version, kind: 'classify', description, prompt: { template: '{{text}} ->' }, labels });

const dir = mkdtempSync(join(tmpdir(), 'onramp-watch-'));
writeFileSync(join(dir, 'watched.json'), pack('1.0.0', 'first'));
const lines: Array<{ msg: string; tasks?: number; errors?: number }> = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
    done();
  },
});
const layers = loadOptionalLayers({ tasks: dir, debounceMs: 50 }, {}, pino({ level: 'info' }, sink));
const app = createApp({ ...layers });
afterAll(() => {
  layers.registry?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Polls the route until `ok` holds (the watcher fires after its debounce; fs events are not instantaneous). */
async function until<T>(path: string, ok: (status: number, body: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const res = await app.request(path);
    const body = (await res.json()) as T;
    if (ok(res.status, body)) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} never reached the expected state`);
}

describe('serve --tasks <dir> reloads packs on change', () => {
  it('watches by default when a folder is given; the built-in packs still load without one', () => {
    expect(layers.registry).toBeDefined();
    expect(lines.find((l) => l.msg === 'task packs loaded')).toMatchObject({ tasks: 1, watch: true });
    const builtin = loadOptionalLayers({}, {});
    expect(builtin.registry?.list().length).toBeGreaterThan(0);
    builtin.registry?.close();
  });

  it('serves an edited pack, a new pack and a removed pack, and logs each reload', async () => {
    type Task = { id: string; version: string; description: string; labels: string[] };
    expect(await (await app.request('/v1/tasks/watched')).json()).toMatchObject({ version: '1.0.0', description: 'first' });

    writeFileSync(join(dir, 'watched.json'), pack('1.1.0', 'second', ['yes', 'no', 'maybe']));
    const edited = await until<Task>('/v1/tasks/watched', (_s, b) => b.version === '1.1.0');
    expect(edited).toMatchObject({ description: 'second', labels: ['yes', 'no', 'maybe'] });
    expect(lines.some((l) => l.msg === 'task packs reloaded' && l.tasks === 1)).toBe(true);

    // A pack that becomes invalid keeps its last good version; the reload logs the skipped file.
    writeFileSync(join(dir, 'watched.json'), '{"id": "watched", "version": "oops"');
    await until<{ msg: string }>('/health', () => lines.some((l) => l.msg === 'task pack skipped'));
    expect(await (await app.request('/v1/tasks/watched')).json()).toMatchObject({ version: '1.1.0' });

    writeFileSync(join(dir, 'other.json'), pack('2.0.0', 'added').replace('"watched"', '"other"'));
    await until<Task>('/v1/tasks/other', (s) => s === 200);
    unlinkSync(join(dir, 'other.json'));
    const gone = await until<{ error: { code: string } }>('/v1/tasks/other', (s) => s === 404);
    expect(gone.error).toBeDefined();
  });
});
