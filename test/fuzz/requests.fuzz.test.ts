import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { safeFileName, MAX_FILE_NAME } from '../../src/domain/file-name.js';
import { maskIban, parseIban } from '../../src/domain/iban.js';
import { formatEuros, MAX_AMOUNT_CENTS, parseEuros } from '../../src/domain/money.js';
import { anyText, check } from './fuzz.js';

// Issue 26 (R31): the request form's validators against references written here another way, and invariants.

/** ISO 7064 mod 97-10 with BigInt, written independently of src/domain/iban.ts. */
const mod97 = (iban: string): bigint =>
  BigInt(
    [...(iban.slice(4) + iban.slice(0, 4))].map((c) => (/[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c)).join(''),
  ) % 97n;

/** A valid Spanish IBAN built from 20 random digits: check digits = 98 - mod97(ES00 + BBAN). */
const spanishIban = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 20, maxLength: 20 }).map((bban) => {
  const check = 98n - mod97(`ES00${bban}`);
  return `ES${String(check).padStart(2, '0')}${bban}`;
});

test('every IBAN built with ISO 7064 check digits is accepted, in any spacing and case (R31)', () => {
  check(
    fc.property(spanishIban, fc.boolean(), (iban, lower) => {
      const typed = (lower ? iban.toLowerCase() : iban).replace(/(.{4})/g, '$1 ');
      assert.deepEqual(parseIban(typed, 'iban'), { ok: true, value: iban });
      assert.equal(maskIban(iban).slice(-4), iban.slice(-4));
    }),
    300,
  );
});

test('changing any one digit of a valid IBAN makes it invalid (mod 97 catches every single substitution)', () => {
  check(
    fc.property(spanishIban, fc.nat(), fc.integer({ min: 1, max: 9 }), (iban, at, delta) => {
      const i = 2 + (at % (iban.length - 2));
      const digit = (Number(iban[i]) + delta) % 10;
      const changed = `${iban.slice(0, i)}${digit}${iban.slice(i + 1)}`;
      assert.equal(parseIban(changed, 'iban').ok, false, changed);
    }),
    300,
  );
});

test('parseIban never throws and accepts only what the reference accepts', () => {
  check(
    fc.property(anyText(40), (text) => {
      const r = parseIban(text, 'iban');
      if (r.ok) assert.equal(mod97(r.value), 1n);
    }),
    500,
  );
});

test('any amount in cents, written the Spanish way, parses back to itself (R31)', () => {
  check(
    fc.property(fc.integer({ min: 1, max: MAX_AMOUNT_CENTS }), (cents) => {
      assert.deepEqual(parseEuros(formatEuros(cents), 'amount'), { ok: true, value: cents });
      const plain = `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      assert.deepEqual(parseEuros(plain, 'amount'), { ok: true, value: cents });
    }),
    500,
  );
});

test('parseEuros never throws and never returns a non-integer, a negative or more than the maximum', () => {
  check(
    fc.property(fc.oneof(anyText(30), fc.double().map(String), fc.integer().map(String)), (text) => {
      const r = parseEuros(text, 'amount');
      if (r.ok) assert.ok(Number.isSafeInteger(r.value) && r.value > 0 && r.value <= MAX_AMOUNT_CENTS, text);
    }),
    1000,
  );
});

test('a safe file name has no separator, no invisible character, the right extension and a bounded length', () => {
  check(
    fc.property(anyText(300), fc.constantFrom('pdf', 'jpg', 'png'), (name, ext) => {
      const safe = safeFileName(name, ext);
      assert.ok(!/[/\\\p{Cc}\p{Cf}]/u.test(safe), JSON.stringify(safe));
      assert.ok(safe.endsWith(`.${ext}`));
      assert.ok([...safe].length <= MAX_FILE_NAME);
      assert.ok(!safe.startsWith('.'));
    }),
    1000,
  );
});
