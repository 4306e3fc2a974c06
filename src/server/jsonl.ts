import { InvalidArgumentError } from '../errors.js';

/** Longest accepted JSONL line (bytes). */
export const MAX_LINE_BYTES = 1_048_576;

/**
 * Splits a byte stream into non-empty lines, decoding each as strict UTF-8. A bad line yields an Error in its
 * place (so the caller answers that line with an error and carries on); the stream itself never throws for it.
 *
 * @example
 * for await (const line of readLines(req.body)) if (!(line instanceof Error)) JSON.parse(line)
 */
export async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string | Error> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let buf = Buffer.alloc(0);
  let skipping = false;
  const emit = (bytes: Buffer): string | Error | undefined => {
    try {
      const s = decoder.decode(bytes).replace(/\r$/, '');
      return s.trim() === '' ? undefined : s;
    } catch {
      return new InvalidArgumentError('line', 'not valid UTF-8');
    }
  };
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : Buffer.from(chunk);
    let nl: number;
    while ((nl = buf.indexOf(10)) >= 0) {
      const line = buf.subarray(0, nl);
      buf = buf.subarray(nl + 1);
      if (skipping) {
        skipping = false;
        continue;
      }
      const v = emit(line);
      if (v !== undefined) yield v;
    }
    if (buf.length > MAX_LINE_BYTES && !skipping) {
      yield new InvalidArgumentError('line', `longer than ${MAX_LINE_BYTES} bytes`);
      skipping = true;
      buf = Buffer.alloc(0);
    } else if (skipping) buf = Buffer.alloc(0);
  }
  if (buf.length && !skipping) {
    const v = emit(buf);
    if (v !== undefined) yield v;
  }
}
