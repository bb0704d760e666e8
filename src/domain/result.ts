import type { ErrorCode } from './error-codes.js';

/** One validation failure: the form field it belongs to, a stable code for i18n, and optional message params. */
export interface FieldError {
  field: string;
  code: ErrorCode;
  params?: Record<string, string | number>;
}

/** Outcome of parsing user input: either the normalised value or the field errors to show. */
export type Result<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Wraps a successfully parsed value. */
export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

/** Builds a single-error failure; params are omitted entirely when absent so results compare cleanly. */
export const fail = (field: string, code: ErrorCode, params?: FieldError['params']): Result<never> => ({
  ok: false,
  errors: [{ field, code, ...(params ? { params } : {}) }],
});
