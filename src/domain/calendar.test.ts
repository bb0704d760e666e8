import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addDays, ageOn, isFutureDate, isMinorOn, parseDateInput, parseIsoDate, todayIn } from './calendar.js';

const invalid = (field = 'birth_date') => ({ ok: false, errors: [{ field, code: 'date_invalid' }] });

test('parseIsoDate accepts real dates only', () => {
  assert.equal(parseIsoDate('1990-05-17'), '1990-05-17');
  assert.equal(parseIsoDate('2024-02-29'), '2024-02-29');
  assert.equal(parseIsoDate('2000-02-29'), '2000-02-29');
  assert.equal(parseIsoDate('1900-01-01'), '1900-01-01');
  assert.equal(parseIsoDate('2999-12-31'), '2999-12-31');
  for (const input of [
    '2023-02-29',
    '1900-02-29',
    '1990-02-31',
    '1990-04-31',
    '1990-13-01',
    '1990-00-10',
    '1990-01-00',
    '1899-12-31',
    '3000-01-01',
    '1990-1-1',
    ' 1990-01-01',
    '1990-01-01T00:00',
    '19900101',
    '',
  ]) {
    assert.equal(parseIsoDate(input), undefined, input);
  }
});

test('parseDateInput: both formats and all separators (R1)', () => {
  const cases: Array<[string, string]> = [
    ['17/05/1990', '1990-05-17'],
    ['7/5/1990', '1990-05-07'],
    ['07-05-1990', '1990-05-07'],
    ['7.5.1990', '1990-05-07'],
    ['1990-05-07', '1990-05-07'],
    ['  17/05/1990 ', '1990-05-17'],
    ['29/02/2024', '2024-02-29'],
  ];
  for (const [input, expected] of cases)
    assert.deepEqual(parseDateInput(input, 'birth_date'), { ok: true, value: expected }, input);
});

test('parseDateInput: impossible or unparseable dates', () => {
  for (const input of [
    '31/02/1990',
    '29/02/2023',
    '32/01/1990',
    '01/13/1990',
    '17/05/90',
    '1/2-1990',
    '05/17/1990',
    '1990/05/17',
    'yesterday',
    '17 05 1990',
    '0/1/1990',
  ]) {
    assert.deepEqual(parseDateInput(input, 'birth_date'), invalid(), input);
  }
});

test('parseDateInput: required and too long', () => {
  assert.deepEqual(parseDateInput('   ', 'd'), { ok: false, errors: [{ field: 'd', code: 'required' }] });
  assert.deepEqual(parseDateInput('1'.repeat(31), 'd'), invalid('d'));
  const start = performance.now();
  assert.deepEqual(parseDateInput('1/'.repeat(5_000), 'd'), invalid('d'));
  assert.ok(performance.now() - start < 50);
});

test('todayIn gives the civil date in the zone, around midnight UTC', () => {
  assert.equal(todayIn('Europe/Madrid', new Date('2026-11-26T23:30:00Z')), '2026-11-27');
  assert.equal(todayIn('UTC', new Date('2026-11-26T23:30:00Z')), '2026-11-26');
  assert.equal(todayIn('Europe/Madrid', new Date('2026-11-26T22:59:59Z')), '2026-11-26'); // CET = UTC+1
  assert.equal(todayIn('Europe/Madrid', new Date('2026-07-01T21:59:59Z')), '2026-07-01'); // CEST = UTC+2
  assert.equal(todayIn('Europe/Madrid', new Date('2026-07-01T22:00:00Z')), '2026-07-02');
  assert.equal(todayIn('Atlantic/Canary', new Date('2026-12-31T23:30:00Z')), '2026-12-31');
  assert.equal(todayIn('Europe/Madrid', new Date('2026-12-31T23:30:00Z')), '2027-01-01');
  assert.throws(() => todayIn('Not/AZone', new Date()), RangeError);
});

test('ageOn counts completed years; 18 on the 18th birthday', () => {
  assert.equal(ageOn('2008-11-27', '2026-11-26'), 17);
  assert.equal(ageOn('2008-11-27', '2026-11-27'), 18);
  assert.equal(ageOn('2008-11-27', '2026-11-28'), 18);
  assert.equal(ageOn('1990-05-17', '2026-01-01'), 35);
  assert.equal(ageOn('2026-01-01', '2026-01-01'), 0);
  assert.equal(ageOn('2026-05-01', '2026-04-01'), -1);
});

test('ageOn: 29 February birthdays reach the age on 1 March in non-leap years', () => {
  assert.equal(ageOn('2008-02-29', '2026-02-28'), 17);
  assert.equal(ageOn('2008-02-29', '2026-03-01'), 18);
  assert.equal(ageOn('2008-02-29', '2028-02-29'), 20);
  assert.equal(ageOn('2008-02-29', '2028-02-28'), 19);
});

test('ageOn rejects non-ISO dates as programming errors', () => {
  assert.throws(() => ageOn('27/11/2008', '2026-11-27'), RangeError);
  assert.throws(() => ageOn('2008-11-27', '2026-02-30'), RangeError);
});

test('isMinorOn flips on the 18th birthday', () => {
  assert.equal(isMinorOn('2008-11-27', '2026-11-26'), true);
  assert.equal(isMinorOn('2008-11-27', '2026-11-27'), false);
  assert.equal(isMinorOn('2008-02-29', '2026-02-28'), true);
  assert.equal(isMinorOn('2008-02-29', '2026-03-01'), false);
});

test('isFutureDate is strict', () => {
  assert.equal(isFutureDate('2026-11-28', '2026-11-27'), true);
  assert.equal(isFutureDate('2026-11-27', '2026-11-27'), false);
  assert.equal(isFutureDate('2025-12-31', '2026-01-01'), false);
  assert.throws(() => isFutureDate('28/11/2026', '2026-11-27'), RangeError);
});

test('addDays crosses months, years and leap days', () => {
  assert.equal(addDays('2026-11-27', 1), '2026-11-28');
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2024-02-28', 1), '2024-02-29');
  assert.equal(addDays('2023-02-28', 1), '2023-03-01');
  assert.equal(addDays('2026-03-01', -1), '2026-02-28');
  assert.equal(addDays('2026-03-29', 0), '2026-03-29'); // DST change day in Madrid: irrelevant to civil arithmetic
  assert.equal(addDays('2026-01-01', 365), '2027-01-01');
  assert.throws(() => addDays('2026-01-01', 0.5), RangeError);
});
