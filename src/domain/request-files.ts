import { fail, ok } from './result.js';
import type { Result } from './result.js';

// R31: how many files a request carries and how much they may weigh, together. Each file's own cap (10 MB) is
// enforced while it streams (src/infra/files/upload.ts); this is the request's whole.

export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_REQUEST_BYTES = 25 * 1024 * 1024;
export const MAX_FILES_PER_REQUEST = 5;

/** 1-5 files, at most 25 MB together. */
export function checkRequestFiles(sizes: readonly number[], field: string): Result<void> {
  if (sizes.length === 0) return fail(field, 'files_required');
  if (sizes.length > MAX_FILES_PER_REQUEST) return fail(field, 'too_many_files', { max: MAX_FILES_PER_REQUEST });
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total > MAX_REQUEST_BYTES) return fail(field, 'request_too_large', { max: MAX_REQUEST_BYTES / 1024 / 1024 });
  return ok(undefined);
}
