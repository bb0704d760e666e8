import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatEuros, MAX_AMOUNT_CENTS, parseEuros, parseServiceDate } from './money.js';

// R31: amounts typed in euros become integer cents; absurd ones are refused with a clear code.

const cents = (input: string) => {
  const r = parseEuros(input, 'amount');
  return r.ok ? r.value : r.errors[0]!.code;
};

test('Spanish and international ways of writing an amount', () => {
  assert.equal(cents('1.234,56'), 123456);
  assert.equal(cents('1234,56'), 123456);
  assert.equal(cents('1234.56'), 123456);
  assert.equal(cents('1,234.56'), 123456);
  assert.equal(cents('1.234'), 123400, 'a dot grouping three digits is the Spanish thousands mark');
  assert.equal(cents('12.345'), 1234500);
  assert.equal(cents('80,5'), 8050);
  assert.equal(cents('80'), 8000);
  assert.equal(cents(' 45,00 € '), 4500);
  assert.equal(cents('€45'), 4500);
  assert.equal(cents('0,01'), 1);
  assert.equal(cents('1\u00a0234,56'), 123456);
});

test('1e9, -5, three decimals, zero, too much and junk are refused with their code', () => {
  assert.equal(cents('1e9'), 'amount_invalid');
  assert.equal(cents('-5'), 'amount_not_positive');
  assert.equal(cents('−5'), 'amount_not_positive');
  assert.equal(cents('0'), 'amount_not_positive');
  assert.equal(cents('0,00'), 'amount_not_positive');
  assert.equal(cents('12,345'), 'amount_decimals');
  assert.equal(cents('12.3456'), 'amount_decimals');
  assert.equal(cents('1000000000'), 'amount_too_high');
  assert.equal(cents('99999999999999999999'), 'amount_too_high');
  assert.equal(cents('100.000,01'), 'amount_too_high');
  assert.equal(cents('100.000,00'), MAX_AMOUNT_CENTS);
  assert.equal(cents('12,3,4'), 'amount_invalid');
  assert.equal(cents('1.2.3'), 'amount_invalid');
  assert.equal(cents('1,234,56'), 'amount_invalid');
  assert.equal(cents('Infinity'), 'amount_invalid');
  assert.equal(cents('0x10'), 'amount_invalid');
  assert.equal(cents(''), 'required');
  assert.equal(cents('1'.repeat(40)), 'amount_invalid');
  assert.deepEqual(parseEuros('1000000000', 'amount'), {
    ok: false,
    errors: [{ field: 'amount', code: 'amount_too_high', params: { max: '100.000,00 €' } }],
  });
});

test('formatEuros writes cents the Spanish way in Spanish and the English way in English', () => {
  assert.equal(formatEuros(123456), '1.234,56 €');
  assert.equal(formatEuros(5), '0,05 €');
  assert.equal(formatEuros(100000000), '1.000.000,00 €');
  // In English, the English way (R31, both languages).
  assert.equal(formatEuros(123456, 'en'), '€1,234.56');
  assert.equal(formatEuros(5, 'en'), '€0.05');
  assert.equal(formatEuros(100000000, 'en'), '€1,000,000.00');
});

test('the date of service is a real date, not after today (Madrid)', () => {
  assert.deepEqual(parseServiceDate('05/12/2026', 'service_date', '2026-12-05'), { ok: true, value: '2026-12-05' });
  assert.deepEqual(parseServiceDate('2026-12-06', 'service_date', '2026-12-05'), {
    ok: false,
    errors: [{ field: 'service_date', code: 'date_in_future' }],
  });
  assert.equal(
    (parseServiceDate('31/02/2026', 'd', '2026-12-05') as { ok: false; errors: { code: string }[] }).errors[0]!.code,
    'date_invalid',
  );
});
