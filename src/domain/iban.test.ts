import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIban, maskIban, parseIban } from './iban.js';

// R31: IBANs are checked as ISO 13616 says (mod 97, per-country length) and shown masked.

const VALID = [
  'ES9121000418450200051332',
  'DE89370400440532013000',
  'GB82WEST12345698765432',
  'NL91ABNA0417164300',
  'FR1420041010050500013M02606',
  'BE68539007547034',
  'NO9386011117947',
  'MT84MALT011000012345MTLCAST001S',
  'PT50000201231234567890154',
];

test('published example IBANs are accepted and come back in electronic form', () => {
  for (const iban of VALID) assert.deepEqual(parseIban(iban, 'iban'), { ok: true, value: iban }, iban);
});

test('input is forgiving: spaces, no-break spaces, hyphens, lower case', () => {
  assert.deepEqual(parseIban(' es91 2100 0418 4502 0005 1332 ', 'iban'), { ok: true, value: VALID[0] });
  assert.deepEqual(parseIban('ES91\u00a02100-0418-4502-0005-1332', 'iban'), { ok: true, value: VALID[0] });
});

test('a wrong digit, a swap of two digits, a wrong length, an unknown country and junk each get their code', () => {
  const code = (input: string) => {
    const r = parseIban(input, 'iban');
    return r.ok ? 'ok' : r.errors[0]!.code;
  };
  assert.equal(code('ES9121000418450200051333'), 'iban_checksum');
  assert.equal(code('ES9121000418450200053132'), 'iban_checksum', 'two digits swapped');
  assert.equal(code('ES91210004184502000513'), 'iban_length');
  assert.deepEqual(parseIban('ES912100041845020005133', 'iban'), {
    ok: false,
    errors: [{ field: 'iban', code: 'iban_length', params: { expected: 24, found: 23 } }],
  });
  assert.equal(code('XX9121000418450200051332'), 'iban_country');
  assert.equal(code('US12 3456 7890'), 'iban_country');
  assert.equal(code('2100 0418 4502 0005 1332'), 'iban_invalid');
  assert.equal(code('ES91 2100 0418 4502 0005 133!'), 'iban_invalid');
  assert.equal(code(''), 'required');
  assert.equal(code('   '), 'required');
  assert.equal(code('E'.repeat(100)), 'iban_invalid');
});

test('the mask shows the country and the last four characters only', () => {
  assert.equal(maskIban(VALID[0]!), 'ES•• •••• •••• •••• •••• 1332');
  assert.equal(maskIban('NO9386011117947'), 'NO•• •••• •••7 947');
  for (const iban of VALID) {
    const masked = maskIban(iban).replace(/ /g, '');
    assert.equal(masked.length, iban.length);
    assert.equal(masked.slice(0, 2), iban.slice(0, 2));
    assert.equal(masked.slice(-4), iban.slice(-4));
    assert.match(masked.slice(2, -4), /^•+$/u, 'nothing else of the account shows');
  }
  assert.equal(formatIban('es9121000418450200051332'), 'ES91 2100 0418 4502 0005 1332');
});
