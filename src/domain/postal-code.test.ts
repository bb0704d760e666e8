import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePostalCode, parseSpanishPostalCode } from './postal-code.js';

test('R3: province prefixes 01–52 accepted, spaces forgiven', () => {
  for (const [input, value] of [
    ['01000', '01000'],
    ['52999', '52999'],
    ['28001', '28001'],
    [' 28 001 ', '28001'],
    ['08\u00a0001', '08001'],
  ]) {
    assert.deepEqual(parseSpanishPostalCode(input ?? ''), { ok: true, value }, input);
  }
});

test('R3: bad prefixes, lengths and characters refused', () => {
  for (const input of ['53000', '00123', '99999', '1234', '123456', '28-001', '2800A', '２８００１']) {
    assert.deepEqual(
      parseSpanishPostalCode(input),
      { ok: false, errors: [{ field: 'postal_code', code: 'postal_code_invalid' }] },
      input,
    );
  }
});

test('required when empty; custom field name', () => {
  assert.deepEqual(parseSpanishPostalCode('  '), { ok: false, errors: [{ field: 'postal_code', code: 'required' }] });
  assert.deepEqual(parseSpanishPostalCode('53000', 'billing_postal_code'), {
    ok: false,
    errors: [{ field: 'billing_postal_code', code: 'postal_code_invalid' }],
  });
});

test('addresses abroad: each country its own shape; Spain keeps R3 (issue 16)', () => {
  assert.deepEqual(parsePostalCode('28013', 'ES'), { ok: true, value: '28013' });
  assert.equal(parsePostalCode('75001', 'ES').ok, false, 'a French code is no Spanish one');
  assert.deepEqual(parsePostalCode('', 'ES'), { ok: false, errors: [{ field: 'postal_code', code: 'required' }] });
  assert.deepEqual(parsePostalCode('75001', 'FR'), { ok: true, value: '75001' });
  assert.deepEqual(parsePostalCode('1000 001', 'PT'), { ok: true, value: '1000-001' });
  assert.deepEqual(parsePostalCode('ad500', 'AD'), { ok: true, value: 'AD500' });
  assert.deepEqual(parsePostalCode('sw1a 1aa', 'GB'), { ok: true, value: 'SW1A 1AA' });
  assert.deepEqual(parsePostalCode('', 'FR'), { ok: true, value: null }, 'optional abroad');
  assert.deepEqual(parsePostalCode('7500', 'FR'), {
    ok: false,
    errors: [{ field: 'postal_code', code: 'postal_code_country', params: { country: 'FR' } }],
  });
  assert.deepEqual(
    parsePostalCode('D02 X285', 'IE'),
    { ok: true, value: 'D02 X285' },
    'unknown shapes: letters, digits, spaces, hyphens',
  );
  assert.equal(parsePostalCode('<b>', 'IE').ok, false);
});
