import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACCESS_NOTE_MAX, parseAccessReason } from './data-access.js';

test('an access reason must be one of the list; "other" needs a note; the note is cleaned and capped (R36)', () => {
  assert.deepEqual(parseAccessReason({ access_reason: 'member_call' }), { ok: true, reason: 'member_call' });
  assert.deepEqual(parseAccessReason({}), { ok: false, error: 'access_reason_required' });
  assert.deepEqual(parseAccessReason({ access_reason: 'curiosity' }), { ok: false, error: 'access_reason_required' });
  assert.deepEqual(parseAccessReason({ access_reason: 'other', access_note: '  \u0000 ' }), {
    ok: false,
    error: 'access_reason_required',
  });
  const long = parseAccessReason({ access_reason: 'other', access_note: `a\u0007b${'x'.repeat(500)}` });
  assert.ok(long.ok);
  assert.equal(long.note?.startsWith('a b'), true);
  assert.equal(long.note?.length, ACCESS_NOTE_MAX);
});
