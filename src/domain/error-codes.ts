/**
 * Every validation and refusal code the portal gives a form field or an API error (STYLE habit 4: errors are codes,
 * views make them text). A code is declared here once; the catalogs must give each one a text in both languages
 * (`field.<code>`, checked by the compiler) and may hold no text for a code not declared here (checked by a test), so
 * no code falls back silently to a generic message and no text is dead.
 *
 * Each code says what kind of refusal it is; `web/view.ts` (REPLY_STATUS) turns the kind into the HTTP status, so a
 * status is decided in one table, not at each route.
 */
/** What a refusal means to the one refused: fix the input, no such thing, the state does not allow it, wait. */
export type Refusal = 'invalid' | 'notFound' | 'conflict' | 'limited' | 'tooLarge';

export const ERROR_CODES = {
  access_reason_required: 'invalid',
  account_closed: 'conflict',
  already_disabled: 'conflict',
  not_reopenable: 'conflict',
  already_registered: 'conflict',
  amount_decimals: 'invalid',
  amount_invalid: 'invalid',
  amount_not_positive: 'invalid',
  amount_too_high: 'invalid',
  audit_time_invalid: 'invalid',
  before_start: 'invalid',
  captcha_invalid: 'invalid',
  captcha_limited: 'limited',
  captcha_missing: 'invalid',
  captcha_wait: 'invalid',
  channel_unavailable: 'invalid',
  code_expired: 'invalid',
  code_wrong: 'invalid',
  column_count: 'invalid',
  conflict: 'conflict',
  contact_same_email: 'invalid',
  contact_same_mobile: 'invalid',
  country_invalid: 'invalid',
  csv_unreadable: 'invalid',
  current_password_wrong: 'invalid',
  date_in_future: 'invalid',
  date_invalid: 'invalid',
  document_mismatch: 'invalid',
  document_other_person: 'conflict',
  document_taken: 'conflict',
  document_type_invalid: 'invalid',
  document_unchanged: 'invalid',
  duplicate_in_file: 'invalid',
  email_invalid: 'invalid',
  file_empty: 'invalid',
  file_too_large: 'tooLarge',
  file_truncated: 'invalid',
  file_type_mismatch: 'invalid',
  file_type_not_allowed: 'invalid',
  file_unreadable: 'invalid',
  files_required: 'invalid',
  guardian_is_self: 'invalid',
  guardian_unknown: 'invalid',
  header_invalid: 'invalid',
  iban_checksum: 'invalid',
  iban_country: 'invalid',
  iban_invalid: 'invalid',
  iban_length: 'invalid',
  image_too_large: 'tooLarge',
  invalid: 'invalid',
  invalid_characters: 'invalid',
  invalid_format: 'invalid',
  malformed_json: 'invalid',
  member_not_found: 'notFound',
  minor: 'conflict',
  nie_format: 'invalid',
  nie_letter: 'invalid',
  nif_format: 'invalid',
  nif_letter: 'invalid',
  no_email: 'conflict',
  not_allowed: 'invalid',
  not_an_object: 'invalid',
  not_disabled: 'conflict',
  not_local: 'conflict',
  not_locked: 'conflict',
  not_registered: 'conflict',
  not_utf8: 'invalid',
  nothing_changed: 'invalid',
  out_of_range: 'invalid',
  page_invalid: 'invalid',
  passkey_failed: 'invalid',
  passkey_limit: 'limited',
  passkey_name: 'invalid',
  passkey_not_found: 'notFound',
  passport_format: 'invalid',
  password_mismatch: 'invalid',
  password_reused: 'invalid',
  password_rules: 'invalid',
  password_tries: 'limited',
  phone_invalid: 'invalid',
  phone_not_mobile: 'invalid',
  policy_cancelled: 'conflict',
  policy_conflict: 'invalid',
  postal_code_country: 'invalid',
  postal_code_invalid: 'invalid',
  reason_required: 'invalid',
  request_bytes_limit: 'limited',
  request_limit: 'limited',
  request_not_found: 'notFound',
  request_too_large: 'tooLarge',
  required: 'invalid',
  resend_limit: 'limited',
  search_unusable: 'invalid',
  staff_username_invalid: 'invalid',
  staff_username_taken: 'conflict',
  stale_version: 'conflict',
  too_large: 'tooLarge',
  too_long: 'invalid',
  too_many_files: 'invalid',
  totp_code_wrong: 'invalid',
  transition_forbidden: 'conflict',
  unknown_field: 'invalid',
  wrong_type: 'invalid',
} as const satisfies Record<string, Refusal>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Whether a string from outside the type system (a schema keyword, a stored value) is a declared code. */
export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(ERROR_CODES, value);
}

const PRECEDENCE: readonly Refusal[] = ['notFound', 'limited', 'conflict', 'tooLarge', 'invalid'];

/** The refusal a set of errors answers with: the first kind among them of notFound, limited, conflict, tooLarge. */
export function refusalOf<E extends { code: ErrorCode }>(errors: readonly E[]): Refusal {
  return PRECEDENCE.find((kind) => errors.some((e) => ERROR_CODES[e.code] === kind)) ?? 'invalid';
}
