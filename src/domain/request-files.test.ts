import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRequestFiles, MAX_REQUEST_BYTES } from './request-files.js';

// R31: 1-5 files a request, 25 MB together.

const MB = 1024 * 1024;

test('a request carries one to five files, 25 MB together at most', () => {
  assert.deepEqual(checkRequestFiles([MB], 'files'), { ok: true, value: undefined });
  assert.deepEqual(checkRequestFiles([10 * MB, 10 * MB, 5 * MB], 'files'), { ok: true, value: undefined });
  assert.deepEqual(checkRequestFiles([], 'files'), { ok: false, errors: [{ field: 'files', code: 'files_required' }] });
  assert.deepEqual(checkRequestFiles([1, 1, 1, 1, 1, 1], 'files'), {
    ok: false,
    errors: [{ field: 'files', code: 'too_many_files', params: { max: 5 } }],
  });
  assert.deepEqual(checkRequestFiles([10 * MB, 10 * MB, MAX_REQUEST_BYTES - 20 * MB + 1], 'files'), {
    ok: false,
    errors: [{ field: 'files', code: 'request_too_large', params: { max: 25 } }],
  });
});
