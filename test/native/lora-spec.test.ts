import { describe, expect, it } from 'vitest';
import { normalizeLoraSelection, parseLoraSpec } from '../../src/engine/lora.js';
import { InvalidArgumentError } from '../../src/errors.js';

describe('parseLoraSpec', () => {
  it('parses name=path[:scale] and path[:scale]', () => {
    expect(parseLoraSpec('de=adapters/de.gguf:0.5')).toEqual({ name: 'de', path: 'adapters/de.gguf', scale: 0.5 });
    expect(parseLoraSpec('de=adapters/de.gguf')).toEqual({ name: 'de', path: 'adapters/de.gguf' });
    expect(parseLoraSpec('adapters/fr.gguf')).toEqual({ name: 'fr', path: 'adapters/fr.gguf' });
    expect(parseLoraSpec('/x/my adapter.gguf:-1e-1')).toEqual({ name: 'my_adapter', path: '/x/my adapter.gguf', scale: -0.1 });
    expect(parseLoraSpec('C:\\a\\b.gguf:2')).toEqual({ name: 'C__a_b', path: 'C:\\a\\b.gguf', scale: 2 });
    expect(parseLoraSpec('x=C:\\b.gguf')).toEqual({ name: 'x', path: 'C:\\b.gguf' });
    expect(parseLoraSpec('a=b=c.gguf:1')).toEqual({ name: 'a', path: 'b=c.gguf', scale: 1 });
  });
  it('rejects empty specs and paths', () => {
    expect(() => parseLoraSpec('')).toThrow(InvalidArgumentError);
    expect(() => parseLoraSpec('de=')).toThrow(InvalidArgumentError);
    expect(() => parseLoraSpec('de=:0.5')).toThrow(InvalidArgumentError);
  });
});

describe('normalizeLoraSelection', () => {
  it('accepts {name, scale?} lists', () => {
    expect(normalizeLoraSelection(undefined)).toEqual([]);
    expect(normalizeLoraSelection([{ name: 'a' }, { name: 'b', scale: 0 }])).toEqual([{ name: 'a' }, { name: 'b', scale: 0 }]);
  });
  it('names the bad field', () => {
    const bad: [unknown, string][] = [
      [{ name: 'a' }, 'lora'],
      [[1], 'lora[0]'],
      [[{ name: '' }], 'lora[0].name'],
      [[{ name: 'a' }, { name: 'a' }], 'lora[1].name'],
      [[{ name: 'a', scale: 'x' }], 'lora[0].scale'],
      [[{ name: 'a', scale: Infinity }], 'lora[0].scale'],
    ];
    for (const [v, param] of bad) {
      expect(() => normalizeLoraSelection(v)).toThrow(InvalidArgumentError);
      try {
        normalizeLoraSelection(v);
      } catch (e) {
        expect((e as InvalidArgumentError).param).toBe(param);
      }
    }
  });
});
