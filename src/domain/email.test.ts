import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskEmail, parseEmail, parseOptionalEmail } from './email.js';

const err = (code: string, field = 'email') => ({ ok: false, errors: [{ field, code }] });

test('trims and lower-cases only the domain', () => {
  assert.deepEqual(parseEmail('  Jane.Doe@Example.COM '), { ok: true, value: 'Jane.Doe@example.com' });
  assert.deepEqual(parseEmail('a+tag@sub.example.org'), { ok: true, value: 'a+tag@sub.example.org' });
});

test('implausible addresses are email_invalid', () => {
  for (const input of [
    'plainaddress',
    'a@b',
    'x@localhost',
    'a..b@example.com',
    'a b@example.com',
    '@example.com',
    'jane@',
    'jane@@example.com',
    'jane@exa mple.com',
    `${'a'.repeat(65)}@example.com`,
  ]) {
    assert.deepEqual(parseEmail(input), err('email_invalid'), input);
  }
  assert.equal(parseEmail(`${'a'.repeat(64)}@example.com`).ok, true);
});

test('required when empty; too_long above 254 characters', () => {
  assert.deepEqual(parseEmail(' '), err('required'));
  assert.deepEqual(parseEmail('', 'contact_email'), err('required', 'contact_email'));
  const domain = `${'b'.repeat(60)}.`.repeat(4); // 244 characters of 60-character labels
  const atLimit = `aaaaaa@${domain}com`; // 254 characters
  assert.equal(atLimit.length, 254);
  assert.deepEqual(parseEmail(atLimit), { ok: true, value: atLimit });
  assert.deepEqual(parseEmail(`a${atLimit}`), {
    ok: false,
    errors: [{ field: 'email', code: 'too_long', params: { max: 254 } }],
  });
  assert.equal(parseEmail('a'.repeat(10_000)).ok, false);
});

test('parseOptionalEmail: empty is ok(undefined), otherwise as parseEmail', () => {
  assert.deepEqual(parseOptionalEmail('  '), { ok: true, value: undefined });
  assert.deepEqual(parseOptionalEmail('J@Example.com', 'cc'), { ok: true, value: 'J@example.com' });
  assert.deepEqual(parseOptionalEmail('nope', 'cc'), err('email_invalid', 'cc'));
});

test('maskEmail keeps the first character and the domain (R7)', () => {
  assert.equal(maskEmail('jane.doe@example.com'), 'j•••@example.com');
  assert.equal(maskEmail('j@example.com'), 'j•••@example.com');
  assert.equal(maskEmail('no-at-sign'), '•••');
});
