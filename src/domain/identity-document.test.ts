import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DOCUMENT_TYPES,
  isValidNie,
  isValidNif,
  maskDocument,
  nifCheckLetter,
  normaliseDocumentNumber,
  parseIdentityDocument,
} from './identity-document.js';

const err = (code: string, field = 'document_number') => ({ ok: false, errors: [{ field, code }] });

test('DOCUMENT_TYPES lists the three accepted types', () => {
  assert.deepEqual([...DOCUMENT_TYPES], ['NIF', 'NIE', 'PASSPORT']);
});

test('nifCheckLetter follows the mod-23 table', () => {
  assert.equal(nifCheckLetter(12345678), 'Z'); // 12345678 mod 23 = 14
  assert.equal(nifCheckLetter(0), 'T');
  assert.equal(nifCheckLetter(22), 'E');
  assert.equal(nifCheckLetter(23), 'T');
  assert.throws(() => nifCheckLetter(-1), RangeError);
  assert.throws(() => nifCheckLetter(1.5), RangeError);
});

test('normaliseDocumentNumber upper-cases and strips whitespace, hyphens and dots', () => {
  assert.equal(normaliseDocumentNumber(' 12.345.678-z '), '12345678Z');
  assert.equal(normaliseDocumentNumber('x 1234567\u00a0l'), 'X1234567L');
});

test('NIF: valid, lower-case and hyphenated input accepted', () => {
  for (const input of ['12345678Z', '12345678z', '12345678-Z', ' 12.345.678 z ']) {
    assert.deepEqual(
      parseIdentityDocument('NIF', input),
      { ok: true, value: { type: 'NIF', number: '12345678Z' } },
      input,
    );
  }
  assert.deepEqual(parseIdentityDocument('NIF', '00000000T'), {
    ok: true,
    value: { type: 'NIF', number: '00000000T' },
  });
});

test('NIF: wrong letter and bad shapes', () => {
  assert.deepEqual(parseIdentityDocument('NIF', '12345678A'), err('nif_letter'));
  for (const input of ['1234567Z', '123456789Z', '12345678', 'Z12345678', 'X1234567L', '1234567ZZ', '12345678Ñ']) {
    assert.deepEqual(parseIdentityDocument('NIF', input), err('nif_format'), input);
  }
});

test('NIE: X, Y and Z prefixes map to 0, 1 and 2', () => {
  // X1234567 -> 01234567 mod 23 = 19 -> L; Y -> 11234567 mod 23 = 10 -> X; Z -> 21234567 mod 23 = 1 -> R.
  assert.equal(nifCheckLetter(1234567), 'L');
  assert.equal(nifCheckLetter(11234567), 'X');
  assert.equal(nifCheckLetter(21234567), 'R');
  for (const [input, number] of [
    ['X1234567L', 'X1234567L'],
    ['Y1234567X', 'Y1234567X'],
    ['Z1234567R', 'Z1234567R'],
    ['x-1234567-l', 'X1234567L'],
    ['y 1234567 x', 'Y1234567X'],
  ]) {
    assert.deepEqual(parseIdentityDocument('NIE', input ?? ''), { ok: true, value: { type: 'NIE', number } }, input);
  }
});

test('NIE: wrong letters and bad shapes', () => {
  for (const input of ['X1234567A', 'Y1234567L', 'Z1234567X']) {
    assert.deepEqual(parseIdentityDocument('NIE', input), err('nie_letter'), input);
  }
  for (const input of ['W1234567L', 'X123456L', 'X12345678L', '12345678Z', 'X1234567']) {
    assert.deepEqual(parseIdentityDocument('NIE', input), err('nie_format'), input);
  }
});

test('PASSPORT: 6–20 ASCII letters/digits', () => {
  assert.deepEqual(parseIdentityDocument('PASSPORT', 'ab123456'), {
    ok: true,
    value: { type: 'PASSPORT', number: 'AB123456' },
  });
  assert.equal(parseIdentityDocument('PASSPORT', 'A12345').ok, true);
  assert.equal(parseIdentityDocument('PASSPORT', 'A'.repeat(20)).ok, true);
  assert.deepEqual(parseIdentityDocument('PASSPORT', 'A1234'), err('passport_format'));
  assert.deepEqual(parseIdentityDocument('PASSPORT', 'A'.repeat(21)), err('passport_format'));
  assert.deepEqual(parseIdentityDocument('PASSPORT', 'AB#12345'), err('passport_format'));
  assert.deepEqual(parseIdentityDocument('PASSPORT', 'AB/12345'), err('passport_format'));
  assert.deepEqual(parseIdentityDocument('PASSPORT', 'ÄB123456'), err('passport_format'));
});

test('document type: trimmed and case-insensitive; unknown types fail on document_type', () => {
  assert.equal(parseIdentityDocument(' nif ', '12345678Z').ok, true);
  assert.deepEqual(parseIdentityDocument('DNI', '12345678Z'), err('document_type_invalid', 'document_type'));
  assert.deepEqual(parseIdentityDocument('', '12345678Z'), err('document_type_invalid', 'document_type'));
});

test('required when empty after normalising, and custom field name', () => {
  assert.deepEqual(parseIdentityDocument('NIF', ''), err('required'));
  assert.deepEqual(parseIdentityDocument('NIE', ' - '), err('required'));
  assert.deepEqual(parseIdentityDocument('NIF', '12345678A', 'doc'), err('nif_letter', 'doc'));
});

test('too_long: over 40 raw characters, checked before normalising, and on 10,000 characters', () => {
  assert.deepEqual(parseIdentityDocument('PASSPORT', ' '.repeat(41)), {
    ok: false,
    errors: [{ field: 'document_number', code: 'too_long', params: { max: 40 } }],
  });
  const result = parseIdentityDocument('NIF', '1'.repeat(10_000));
  assert.deepEqual(result, {
    ok: false,
    errors: [{ field: 'document_number', code: 'too_long', params: { max: 40 } }],
  });
});

test('isValidNif / isValidNie', () => {
  assert.equal(isValidNif('12345678Z'), true);
  assert.equal(isValidNif('12345678-z'), true);
  assert.equal(isValidNif('12345678A'), false);
  assert.equal(isValidNif('X1234567L'), false);
  assert.equal(isValidNie('X1234567L'), true);
  assert.equal(isValidNie('z1234567r'), true);
  assert.equal(isValidNie('X1234567A'), false);
  assert.equal(isValidNie('12345678Z'), false);
  assert.equal(isValidNif('1'.repeat(10_000)), false);
});

test('maskDocument shows only the last 3 characters', () => {
  assert.equal(maskDocument('12345678Z'), '••••••78Z');
  assert.equal(maskDocument('X1234567L'), '••••••67L');
  assert.equal(maskDocument('AB1234'), '•••234');
  assert.equal(maskDocument('ABC'), '•••');
  assert.equal(maskDocument(''), '');
});

test('only ASCII letters are upper-cased: "ß", "ﬁ", "ı" and "ſ" are not turned into other letters (found by fuzzing, issue 9)', () => {
  assert.equal(normaliseDocumentNumber('xﬁzﬁ-ß'), 'XﬁZﬁß');
  assert.deepEqual(parseIdentityDocument('PASSPORT', 'XﬁZﬁ'), err('passport_format'));
  assert.deepEqual(parseIdentityDocument('PASSPORT', 'ab1234'), {
    ok: true,
    value: { type: 'PASSPORT', number: 'AB1234' },
  });
  assert.deepEqual(parseIdentityDocument('PASSPORT', 'ſtraße12'), err('passport_format'), 'not STRASSE12');
  assert.equal(isValidNie('ẋ1234567l'), false);
  assert.deepEqual(parseIdentityDocument('paſſport', 'AB1234'), err('document_type_invalid', 'document_type'));
});
