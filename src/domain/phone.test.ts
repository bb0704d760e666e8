import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskPhone, parseMobile } from './phone.js';

const err = (code: string, field = 'mobile') => ({ ok: false, errors: [{ field, code }] });

test('empty mobile is fine: the field is optional (R3)', () => {
  assert.deepEqual(parseMobile(''), { ok: true, value: undefined });
  assert.deepEqual(parseMobile('   '), { ok: true, value: undefined });
});

test('Spanish mobiles in the usual spellings normalise to E.164', () => {
  for (const input of [
    '600 123 456',
    '600123456',
    '+34600123456',
    '+34 600 123 456',
    '0034 600123456',
    '600-123-456',
    '600.123.456',
    '(+34) 600 123 456',
    '711 234 567',
    '６００１２３４５６',
  ]) {
    assert.deepEqual(
      parseMobile(input),
      { ok: true, value: input.startsWith('7') ? '+34711234567' : '+34600123456' },
      input,
    );
  }
});

test('foreign mobiles accepted, including shared fixed/mobile ranges', () => {
  assert.deepEqual(parseMobile('+44 7400 123456'), { ok: true, value: '+447400123456' });
  assert.deepEqual(parseMobile('+33 6 12 34 56 78'), { ok: true, value: '+33612345678' });
  assert.deepEqual(parseMobile('+1 212 555 0123'), { ok: true, value: '+12125550123' }); // FIXED_LINE_OR_MOBILE
});

test('R3: valid non-mobile numbers are refused with phone_not_mobile', () => {
  for (const input of ['+34 912 345 678', '912345678', '+34 900 123 456', '+34 803 123 456']) {
    assert.deepEqual(parseMobile(input), err('phone_not_mobile'), input);
  }
});

test('garbage, too short/long, extensions and embedded text are phone_invalid', () => {
  for (const input of [
    'abc',
    '600123',
    '6001234567',
    '+',
    '++34600123456',
    '600123456abc',
    'call 600123456',
    '+34 600 123 456 ext 5',
    '600123456;ext=1',
    '600123456+',
    '+34 (0) 600123456',
  ]) {
    assert.deepEqual(parseMobile(input), err('phone_invalid'), input);
  }
  assert.deepEqual(parseMobile('6'.repeat(31), 'phone'), err('phone_invalid', 'phone'));
  assert.deepEqual(parseMobile('6'.repeat(10_000)), err('phone_invalid'));
});

test('maskPhone shows only the last 3 digits (R7)', () => {
  assert.equal(maskPhone('+34600123789'), '•••• ••• 789');
  assert.equal(maskPhone('+447400123456'), '•••• ••• 456');
  assert.equal(maskPhone('+12'), '•••• ••• •••');
});
