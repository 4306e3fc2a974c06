import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/server/app.js';
import { loadOptionalLayers } from '../../../src/server/layers.js';

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('real task and safety layers behind the routes', () => {
  const layers = loadOptionalLayers({}, {});
  const app = createApp({ ...layers });

  it('scans and masks with the built-in policy, never echoing values into metrics', async () => {
    const scan = await (await app.request('/v1/safety/scan', json({ text: 'write to li.wei@example.com please' }))).json();
    const email = scan.findings.find((f: { entity: string }) => f.entity === 'EMAIL');
    expect(email).toMatchObject({ start: 9, end: 27 });
    expect(typeof email.ruleId).toBe('string');
    const mask = await (await app.request('/v1/safety/mask', json({ text: 'write to li.wei@example.com please' }))).json();
    expect(mask.text).not.toContain('li.wei@example.com');
    expect(mask).not.toHaveProperty('vault');
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toMatch(/onramp_safety_findings_total\{rule="[^"]+"\} [1-9]/);
    expect(metrics).not.toContain('example.com');
  });

  it('lists and describes the shipped task packs; running one without a model is a 503', async () => {
    const list = await (await app.request('/v1/tasks')).json();
    const ids = list.data.map((t: { id: string }) => t.id);
    expect(ids).toContain('sentiment-en');
    const one = await (await app.request('/v1/tasks/sentiment-en')).json();
    expect(one).toMatchObject({ id: 'sentiment-en', kind: 'classify' });
    expect(one.labels.length).toBeGreaterThan(1);
    expect((await app.request('/v1/tasks/sentiment-en', json({ input: 'great' }))).status).toBe(503);
    expect((await app.request('/v1/tasks/reload', { method: 'POST' })).status).toBe(200);
  });
});
