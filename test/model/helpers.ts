import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Shared tiny models (never copied into the repo). */
export const modelsDir = process.env.ONRAMP_TEST_MODELS ?? path.resolve(repo, '../shared/models');
export const storiesPath = path.join(modelsDir, 'stories260K.gguf');
export const llama2TinyPath = path.join(modelsDir, 'llama-2-tiny-random.gguf');
/** Gitignored scratch folder for generated models. */
export const cacheDir = path.join(repo, '.cache', 'test');

/** Mixed English / Chinese / emoji / whitespace / special-looking text. */
export const TOKENIZER_CORPUS: readonly string[] = [
  '',
  ' ',
  'Hello world',
  ' Hello world',
  'Hello  world\n\nnew paragraph\twith tab',
  '   leading and trailing   ',
  '\n\n\n',
  '今天天气很好，我们去公园散步吧。',
  '混合 English 和中文 text 123',
  '🙂🚀👩‍👩‍👧‍👦 emoji ZWJ family and flags 🇫🇷🇯🇵',
  'naïve café résumé – “quotes” and ‘single’ — dash…',
  'Numbers: 3.14159, 1,000,000 and -42e10',
  'Code: function f(x) { return x * 2; } // comment',
  'URL https://example.com/path?q=1&x=%20 and email a.b@c.de',
  '<s> </s> <|im_start|>user\nhi<|im_end|>',
  'Русский текст и العربية و עברית',
  'ｆｕｌｌｗｉｄｔｈ　ｓｐａｃｅ',
  '日本語のテキスト、カタカナとひらがな。',
  'tabs\t\tand\r\nCRLF\r\n',
  'a'.repeat(200),
  '😀'.repeat(20),
];
