import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseReference, parseReference } from './reference-number.js';

test('R1: normalising strips whitespace (incl. Unicode), hyphens and dots and upper-cases', () => {
  assert.equal(normaliseReference('  ab-12.34 5 '), 'AB12345');
  assert.equal(normaliseReference('ab\u00a012\u2009cd\u3000ef\tgh\n'), 'AB12CDEFGH');
  assert.equal(normaliseReference('pol-2024.000.123'), 'POL2024000123');
});

test('parseReference accepts messy input and returns the canonical form', () => {
  assert.deepEqual(parseReference(' m-0012.345 ', 'member_number'), { ok: true, value: 'M0012345' });
});

test('parseReference: required when nothing is left after normalising', () => {
  assert.deepEqual(parseReference('', 'member_number'), {
    ok: false,
    errors: [{ field: 'member_number', code: 'required' }],
  });
  assert.deepEqual(parseReference(' - . ', 'policy_number'), {
    ok: false,
    errors: [{ field: 'policy_number', code: 'required' }],
  });
});

test('parseReference: too_long above 32 normalised characters, 32 is fine', () => {
  assert.deepEqual(parseReference('A'.repeat(32), 'f'), { ok: true, value: 'A'.repeat(32) });
  assert.deepEqual(parseReference('A'.repeat(33), 'f'), {
    ok: false,
    errors: [{ field: 'f', code: 'too_long', params: { max: 32 } }],
  });
  // Separators do not count towards the limit.
  assert.equal(parseReference('AAAA-'.repeat(8), 'f').ok, true);
});

test('parseReference: invalid_format for anything but A-Z0-9', () => {
  for (const input of ['AB/12', 'AB_12', 'ÁB12', 'AB12!', '１２３']) {
    assert.deepEqual(
      parseReference(input, 'f'),
      { ok: false, errors: [{ field: 'f', code: 'invalid_format' }] },
      input,
    );
  }
});

test('parseReference: 10,000-character input is refused', () => {
  const result = parseReference('A'.repeat(10_000), 'f');
  assert.equal(result.ok, false);
});

test('R1: only ASCII letters are upper-cased, so "ﬁ" and "ß" never match "FI" or "SS" (found by fuzzing, issue 9)', () => {
  assert.equal(normaliseReference('as-ﬁ1'), 'ASﬁ1');
  assert.deepEqual(parseReference('ﬁ', 'member_number'), {
    ok: false,
    errors: [{ field: 'member_number', code: 'invalid_format' }],
  });
  assert.deepEqual(parseReference('pol-ß1', 'policy_number'), {
    ok: false,
    errors: [{ field: 'policy_number', code: 'invalid_format' }],
  });
  assert.deepEqual(parseReference('as 10.01', 'member_number'), { ok: true, value: 'AS1001' });
});
