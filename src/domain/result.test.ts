import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fail, ok } from './result.js';

test('ok wraps the value', () => {
  assert.deepEqual(ok(3), { ok: true, value: 3 });
});

test('fail omits params when absent and keeps them when given', () => {
  assert.deepEqual(fail('f', 'required'), { ok: false, errors: [{ field: 'f', code: 'required' }] });
  assert.deepEqual(fail('f', 'too_long', { max: 32 }), {
    ok: false,
    errors: [{ field: 'f', code: 'too_long', params: { max: 32 } }],
  });
});
