import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpanishPostalCode } from './postal-code.js';

test('R3: province prefixes 01–52 accepted, spaces forgiven', () => {
  for (const [input, value] of [['01000', '01000'], ['52999', '52999'], ['28001', '28001'], [' 28 001 ', '28001'], ['08\u00a0001', '08001']]) {
    assert.deepEqual(parseSpanishPostalCode(input ?? ''), { ok: true, value }, input);
  }
});

test('R3: bad prefixes, lengths and characters refused', () => {
  for (const input of ['53000', '00123', '99999', '1234', '123456', '28-001', '2800A', '２８００１']) {
    assert.deepEqual(parseSpanishPostalCode(input), { ok: false, errors: [{ field: 'postal_code', code: 'postal_code_invalid' }] }, input);
  }
});

test('required when empty; custom field name', () => {
  assert.deepEqual(parseSpanishPostalCode('  '), { ok: false, errors: [{ field: 'postal_code', code: 'required' }] });
  assert.deepEqual(parseSpanishPostalCode('53000', 'billing_postal_code'), { ok: false, errors: [{ field: 'billing_postal_code', code: 'postal_code_invalid' }] });
});
