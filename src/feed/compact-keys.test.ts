import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { check } from '../../test/fuzz/fuzz.js';
import { CompactKeys } from './compact-keys.js';

// The import's whole-file duplicate and conflict checks (PRODUCT §2) rest on this structure: it must answer exactly as
// a Map would, whatever the keys (well-formed Unicode; a lone surrogate is stored as U+FFFD, as UTF-8 has no other
// way).

const key = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', 'ñ', '1'), maxLength: 4 }), // small alphabet: many repeats
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ minLength: 200, maxLength: 400 }), // longer than the scratch buffer
);

test('CompactKeys answers has/get/add exactly as a Map, across growth of the index and the arena', () => {
  check(
    fc.property(
      fc.array(fc.tuple(key, fc.uint8Array({ minLength: 3, maxLength: 3 })), { maxLength: 3000 }),
      (entries) => {
        const compact = new CompactKeys(3);
        const reference = new Map<string, Uint8Array>();
        for (const [k, v] of entries) {
          assert.equal(compact.has(k), reference.has(k));
          const added = compact.add(k, v);
          assert.equal(added, !reference.has(k));
          if (added) reference.set(k, v);
        }
        assert.equal(compact.size, reference.size);
        for (const [k, v] of reference) assert.deepEqual([...compact.get(k)!], [...v]);
        assert.equal(compact.get('\u0000not-there\u0000'), undefined);
      },
    ),
    60,
  );
});

test('CompactKeys as a set: a million member numbers in a few tens of megabytes', () => {
  const set = new CompactKeys();
  for (let i = 0; i < 1_000_000; i++) assert.equal(set.add(`SY${String(i).padStart(8, '0')}`), true);
  assert.equal(set.add('SY00000042'), false);
  assert.equal(set.has('SY00999999'), true);
  assert.equal(set.has('SY01000000'), false);
  assert.equal(set.size, 1_000_000);
  assert.ok(set.bytes < 40 * 2 ** 20, `${set.bytes} bytes`);
});

test('CompactKeys refuses a value of the wrong size', () => {
  const map = new CompactKeys(16);
  assert.throws(() => map.add('x'), RangeError);
  assert.throws(() => map.add('x', new Uint8Array(15)), RangeError);
  assert.equal(map.size, 0);
});
