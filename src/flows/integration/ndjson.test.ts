import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ndjsonLines, type NdjsonItem } from './ndjson.js';

// R24: the bulk stream is read line by line with bounded memory.

async function collect(chunks: (string | Buffer)[], maxLineBytes = 64, maxBytes = 10_000): Promise<NdjsonItem[]> {
  const items: NdjsonItem[] = [];
  for await (const item of ndjsonLines(chunks, { maxLineBytes, maxBytes })) items.push(item);
  return items;
}

test('lines split across chunks, CRLF, a BOM, blank lines and a last line without a newline', async () => {
  const items = await collect(['\uFEFF{"a"', ':1}\r\n\n  \n{"b":2}\n{"c"', ':3}']);
  assert.deepEqual(items, [
    { kind: 'line', line: 1, text: '{"a":1}' },
    { kind: 'line', line: 4, text: '{"b":2}' },
    { kind: 'line', line: 5, text: '{"c":3}' },
  ]);
});

test('a multi-byte character split between chunks is decoded whole; bad bytes become U+FFFD', async () => {
  const word = Buffer.from('"Muñoz"\n', 'utf8');
  const cut = word.indexOf(0xc3) + 1;
  const items = await collect([word.subarray(0, cut), word.subarray(cut), Buffer.from([0x22, 0xff, 0x22, 0x0a])]);
  assert.deepEqual(items, [
    { kind: 'line', line: 1, text: '"Muñoz"' },
    { kind: 'line', line: 2, text: '"\uFFFD"' },
  ]);
});

test('a line past the line limit is reported without being kept, and reading goes on', async () => {
  const items = await collect(['{"x":"', 'y'.repeat(40), 'z'.repeat(40), '"}\n{"ok":1}\n', 'w'.repeat(100)]);
  assert.deepEqual(items, [
    { kind: 'line_too_long', line: 1 },
    { kind: 'line', line: 2, text: '{"ok":1}' },
    { kind: 'line_too_long', line: 3 },
  ]);
});

test('reading stops as soon as the body passes its limit', async () => {
  let pulled = 0;
  async function* endless() {
    for (;;) {
      pulled++;
      yield '{"n":1}\n'.repeat(10);
    }
  }
  const items: NdjsonItem[] = [];
  for await (const item of ndjsonLines(endless(), { maxLineBytes: 64, maxBytes: 1000 })) items.push(item);
  assert.deepEqual(items.at(-1), { kind: 'too_large', line: 121 });
  assert.equal(items.filter((i) => i.kind === 'line').length, 120);
  assert.equal(pulled, 13, 'no chunk read past the one that crossed the limit');
});
