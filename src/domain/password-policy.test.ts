import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commonPasswordCount, isCommonPassword } from './common-passwords.js';
import { checkPassword, insurerPasswordPolicy, rulesOf } from './password-policy.js';
import type { PasswordPolicy, PersonalData } from './password-policy.js';

// R4, one rule broken at a time: each bad password below meets every other rule, so the test proves the rule itself.

const member: PersonalData = { username: '12345678Z', memberNumbers: ['AS1001'], birthDates: ['1990-05-17'] };

/** The rules a password fails for `member` under the insurer's policy. */
const unmet = (password: string, personal: PersonalData = member) =>
  checkPassword(password, personal)
    .rules.filter((status) => !status.met)
    .map((status) => status.rule);

test('insurerPasswordPolicy holds the R4 values and cannot be mutated', () => {
  assert.deepEqual(
    { ...insurerPasswordPolicy },
    {
      minLength: 8,
      maxLength: 64,
      requireDigit: true,
      requireUpper: true,
      requireLower: true,
      asciiAlphanumericOnly: true,
      historySize: 20,
      rejectCommon: true,
      rejectPersonalData: true,
    },
  );
  assert.ok(Object.isFrozen(insurerPasswordPolicy));
});

test('rulesOf lists the enforced rules in display order', () => {
  assert.deepEqual(rulesOf(), rulesOf(insurerPasswordPolicy));
  assert.deepEqual(rulesOf(insurerPasswordPolicy), [
    'length',
    'charset',
    'digit',
    'upper',
    'lower',
    'not_common',
    'no_personal_data',
  ]);
  const relaxed: PasswordPolicy = {
    ...insurerPasswordPolicy,
    requireDigit: false,
    requireUpper: false,
    requireLower: false,
    asciiAlphanumericOnly: false,
  };
  assert.deepEqual(rulesOf(relaxed), ['length', 'not_common', 'no_personal_data']);
});

test('a good password meets every rule, and the verdict lists each rule for the form', () => {
  const verdict = checkPassword('Tranvia7Lunes', member);
  assert.equal(verdict.ok, true);
  assert.deepEqual(
    verdict.rules,
    rulesOf(insurerPasswordPolicy).map((rule) => ({ rule, met: true })),
  );
  assert.deepEqual(unmet('Tranvia7Lunes', {}), []);
  assert.deepEqual(unmet('Tranvia7Lunes', { username: null }), []);
});

test('length: 8 and 64 characters accepted, 7 and 65 refused', () => {
  assert.deepEqual(unmet('Lun4Mar'), ['length']);
  assert.deepEqual(unmet('Lun4Mart'), []);
  assert.deepEqual(unmet('Lu4' + 'n'.repeat(61)), []);
  assert.deepEqual(unmet('Lu4' + 'n'.repeat(62)), ['length']);
  assert.deepEqual(unmet(''), ['length', 'digit', 'upper', 'lower']);
});

test('charset: only ASCII letters and digits', () => {
  for (const password of [
    'Montaña2024x',
    'Canción7Azul',
    'Pingüino7Mar',
    'Luna Azul 77',
    'Luna!Azul77',
    'Luna-Azul77',
    'LunaAzul77\t',
    'Luna\u00a0Azul77',
  ]) {
    assert.deepEqual(unmet(password), ['charset'], password);
  }
});

test('composition: a digit, an upper-case and a lower-case letter', () => {
  assert.deepEqual(unmet('LunaAzulMar'), ['digit']);
  assert.deepEqual(unmet('lunaazul77'), ['upper']);
  assert.deepEqual(unmet('LUNAAZUL77'), ['lower']);
});

test('common passwords are refused case-insensitively', () => {
  // Real entries of the list that satisfy every composition rule once capitalised.
  for (const password of ['Password1', 'PassWord1', 'Qwerty123', 'Abcd1234', 'Passw0rd']) {
    assert.deepEqual(unmet(password), ['not_common'], password);
  }
});

test('the common list has at least 10,000 entries, passwords and Spanish words', () => {
  assert.ok(commonPasswordCount() >= 10_000, `only ${commonPasswordCount()} entries`);
  for (const word of ['password1', 'qwerty123', '123456', 'contraseña', 'contrasena', 'corazón', 'corazon', 'madrid']) {
    assert.equal(isCommonPassword(word), true, word);
  }
  assert.equal(isCommonPassword('tranvia7lunes'), false);
});

test('an injected list is consulted with the lower-cased password', () => {
  const seen: string[] = [];
  const verdict = checkPassword('Tranvia7Lunes', member, insurerPasswordPolicy, (lowercased) => {
    seen.push(lowercased);
    return true;
  });
  assert.deepEqual(seen, ['tranvia7lunes']);
  assert.equal(verdict.ok, false);
});

test('personal data: username (NIF and NIE), case-insensitively', () => {
  assert.deepEqual(unmet('Abc12345678Z'), ['no_personal_data']);
  assert.deepEqual(unmet('Abc12345678z'), ['no_personal_data']);
  assert.deepEqual(unmet('Qx1234567lAb', { username: 'X1234567L' }), ['no_personal_data']);
  assert.deepEqual(unmet('Qx1234567lAb', { username: 'x-1234567-l' }), ['no_personal_data']);
});

test('personal data: every member number, normalised', () => {
  assert.deepEqual(unmet('Xas1001Yb'), ['no_personal_data']);
  assert.deepEqual(unmet('XyAS1001b'), ['no_personal_data']);
  assert.deepEqual(unmet('Xas2002Yb', { memberNumbers: ['AS1001', 'as-2002'] }), ['no_personal_data']);
});

test('personal data: birth date in each form a person would type', () => {
  const forms = {
    ddmmyyyy: '17051990',
    yyyymmdd: '19900517',
    ddmmyy: '170590',
    mmddyyyy: '05171990',
    yymmdd: '900517',
  };
  for (const [form, digits] of Object.entries(forms)) {
    assert.deepEqual(unmet(`Clave${digits}x`), ['no_personal_data'], form);
  }
  // Any of several birth dates (a person linked to several member records).
  assert.deepEqual(unmet('Clave010203x', { birthDates: ['2000-01-01', '2001-02-03'] }), ['no_personal_data']);
  // Other dates and digit runs are fine.
  assert.deepEqual(unmet('Clave17061990x'), []);
});

test('personal data: short and malformed values are ignored', () => {
  assert.deepEqual(unmet('Tranvia7Lunes', { username: 'Tra', memberNumbers: ['nes', 'A-7'] }), []);
  assert.deepEqual(unmet('Clave17051990x', { birthDates: ['17/05/1990', '1990-02-31', ''] }), []);
  assert.deepEqual(unmet('Tranvia7Lunes', { username: '', memberNumbers: [], birthDates: [] }), []);
});

test('a relaxed configuration drops the composition rules (ASVS 6.2.5) but keeps the rest', () => {
  const relaxed: PasswordPolicy = {
    ...insurerPasswordPolicy,
    requireDigit: false,
    requireUpper: false,
    requireLower: false,
    asciiAlphanumericOnly: false,
  };
  assert.equal(checkPassword('caballo correcto grapa batería', member, relaxed).ok, true);
  assert.equal(checkPassword('password', member, relaxed).ok, false);
  assert.equal(checkPassword('mi clave 17/05/1990', member, relaxed).ok, false);
  // Length counts characters, not UTF-16 units: seven emoji are too short.
  assert.equal(checkPassword('\u{1F600}'.repeat(7), {}, relaxed).ok, false);
  assert.equal(checkPassword('\u{1F600}'.repeat(8), {}, relaxed).ok, true);
});

test('a 10,000-character (or larger) paste is refused, and the rules only ever look at a bounded prefix', () => {
  // No timing here (tests never time): the work is bounded by construction, so check the bound itself. The
  // common-password lookup (the costliest rule) must never be handed more than the capped prefix.
  const seen: number[] = [];
  const spy = (lowercased: string) => {
    seen.push(lowercased.length);
    return false;
  };
  const huge = 'Aa1' + '9'.repeat(9_997);
  const verdict = checkPassword(huge, member, insurerPasswordPolicy, spy);
  const million = checkPassword('Aa1' + '1990'.repeat(250_000), member, insurerPasswordPolicy, spy);
  assert.equal(verdict.ok, false);
  assert.deepEqual(
    verdict.rules.find((status) => status.rule === 'length'),
    { rule: 'length', met: false },
  );
  assert.equal(million.ok, false);
  assert.ok(seen.length > 0 && seen.every((n) => n <= 1_024), `lookups of ${seen.join(', ')} characters`);
});
