import type { Readable } from 'node:stream';

// R24: the bulk route reads NDJSON (one JSON value per line) as a stream. Memory stays bounded by one line, never
// the body: a line longer than maxLineBytes is reported and skipped without being kept, and the body stops being
// read once it passes maxBytes.

export type NdjsonItem =
  | { kind: 'line'; line: number; text: string }
  | { kind: 'line_too_long'; line: number }
  | { kind: 'too_large'; line: number };

export interface NdjsonLimits {
  maxLineBytes: number;
  maxBytes: number;
}

const NEWLINE = 0x0a;

/** Splits a byte stream into its lines (1-based numbers, blank lines skipped but counted), decoding each as UTF-8. */
export async function* ndjsonLines(
  input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  limits: NdjsonLimits,
): AsyncGenerator<NdjsonItem> {
  // Invalid UTF-8 decodes to U+FFFD, which the feed rules refuse (parseFeedRow), so no garbled value is stored.
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let parts: Buffer[] = [];
  let partBytes = 0;
  let tooLong = false;
  let line = 0;
  let total = 0;

  const finish = (): NdjsonItem | undefined => {
    line++;
    const wasTooLong = tooLong;
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, partBytes);
    parts = [];
    partBytes = 0;
    tooLong = false;
    if (wasTooLong) return { kind: 'line_too_long', line };
    let text = decoder.decode(bytes);
    if (line === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return text.trim() === '' ? undefined : { kind: 'line', line, text };
  };

  // Leaving the loop early (the body passed its limit) must not destroy the request: the client is still owed its
  // 413, sent before the connection closes.
  const readable = input as Partial<Readable>;
  const source = typeof readable.iterator === 'function' ? readable.iterator({ destroyOnReturn: false }) : input;
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    total += buffer.length;
    if (total > limits.maxBytes) {
      yield { kind: 'too_large', line: line + 1 };
      return;
    }
    let start = 0;
    while (start < buffer.length) {
      const end = buffer.indexOf(NEWLINE, start);
      // A run of empty lines costs a count each and nothing more (a body of newlines must stay cheap to refuse).
      if (end === start && partBytes === 0 && !tooLong) {
        while (start < buffer.length && buffer[start] === NEWLINE) {
          line++;
          start++;
        }
        continue;
      }
      const stop = end === -1 ? buffer.length : end;
      if (!tooLong) {
        parts.push(buffer.subarray(start, stop));
        partBytes += stop - start;
        if (partBytes > limits.maxLineBytes) {
          tooLong = true;
          parts = [];
          partBytes = 0;
        }
      }
      if (end === -1) break;
      const item = finish();
      if (item) yield item;
      start = end + 1;
    }
  }
  if (partBytes > 0 || tooLong) {
    const item = finish();
    if (item) yield item;
  }
}
