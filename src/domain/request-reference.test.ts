import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRequestReference, parseRequestReference } from './request-reference.js';

// R31: REE-2026-000123, AUT-2026-000045.

test('references carry the type prefix, the year and a six-digit sequence', () => {
  assert.equal(formatRequestReference('reimbursement', 2026, 123), 'REE-2026-000123');
  assert.equal(formatRequestReference('authorization', 2026, 45), 'AUT-2026-000045');
  assert.equal(formatRequestReference('authorization', 2027, 1_234_567), 'AUT-2027-1234567');
  assert.throws(() => formatRequestReference('reimbursement', 2026, 0), RangeError);
  assert.throws(() => formatRequestReference('reimbursement', 2026, 1.5), RangeError);
});

test('a reference typed by a member is read back; anything else is not a reference', () => {
  assert.deepEqual(parseRequestReference(' ree 2026 000123 '), {
    type: 'reimbursement',
    year: 2026,
    sequence: 123,
    reference: 'REE-2026-000123',
  });
  assert.equal(parseRequestReference('AUT-2026-000045')?.reference, 'AUT-2026-000045');
  for (const bad of ['XYZ-2026-000001', 'REE-2026-12', 'REE-2026-000000', 'REE-1999-000001', 'REE-2026-000001x', ''])
    assert.equal(parseRequestReference(bad), undefined, bad);
});
