import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  contactCorrectionInput,
  formValues,
  isConfirmed,
  parseMemberId,
  reasonInput,
  usernameChangeInput,
} from './members.forms.js';

test('member ids from the URL: plain positive integers only', () => {
  assert.equal(parseMemberId('42'), 42);
  for (const bad of ['0', '-1', '1.5', '1e3', ' 7', 'abc', '99999999999', '2147483648', undefined, 7])
    assert.equal(parseMemberId(bad), undefined, String(bad));
});

test('form bodies become the actions’ inputs; anything missing or not text reads as empty', () => {
  const body = {
    expected_username: 'X1234567L',
    document_type: 'NIF',
    document_number: '12345678Z',
    reason: ['array'],
    confirm: 'yes',
  };
  assert.deepEqual(usernameChangeInput(3, body), {
    memberId: 3,
    expectedUsername: 'X1234567L',
    documentType: 'NIF',
    documentNumber: '12345678Z',
    reason: '',
  });
  assert.equal(isConfirmed(body), true);
  assert.equal(isConfirmed({ confirm: 'YES' }), false);
  assert.deepEqual(reasonInput(3, undefined), { memberId: 3, reason: '' });
  assert.equal(contactCorrectionInput(3, { email: 'a@b.es' }).email, 'a@b.es');
  assert.equal(formValues({ reason: 'r'.repeat(10_000) }).reason?.length, 600);
});
