import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chatRepl } from '../../../src/cli/commands/chat.js';
import { FakeEngine } from './fakes.js';

describe('onramp chat REPL', () => {
  it('streams replies, keeps the history, resets and exits', async () => {
    const engine = new FakeEngine({ reply: 'hi there' });
    const input = new PassThrough();
    const output = new PassThrough();
    let out = '';
    output.on('data', (d: Buffer) => (out += d.toString()));
    const prompts = (): number => out.split('> ').length - 1;
    const send = async (line: string): Promise<void> => {
      const before = prompts();
      input.write(`${line}\n`);
      for (let i = 0; i < 500 && prompts() <= before; i++) await new Promise((r) => setTimeout(r, 10));
    };
    const done = chatRepl(engine, { input, output, system: 'be brief', maxTokens: 16 });
    await send('hello');
    await send('again');
    expect(engine.lastMessages?.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(engine.lastMessages?.[2]).toEqual({ role: 'assistant', content: 'hi there' });
    await send('/reset');
    await send('fresh');
    expect(engine.lastMessages).toEqual([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'fresh' }]);
    input.write('/exit\n');
    await done;
    expect(out).toContain('hi there');
    expect(out).toContain('(history cleared)');
    expect(engine.lastOptions?.maxTokens).toBe(16);
  });
});
