import { isFutureDate, parseIsoDate } from '../domain/calendar.js';
import { parseOptionalEmail } from '../domain/email.js';
import { parseIdentityDocument, type DocumentType } from '../domain/identity-document.js';
import { parseMobile } from '../domain/phone.js';
import { parseSpanishPostalCode } from '../domain/postal-code.js';
import { parseReference } from '../domain/reference-number.js';
import type { FieldError, Result } from '../domain/result.js';

/** The member feed's columns, in the core system's order (PRODUCT §2). */
export const FEED_COLUMNS = [
  'policy_number',
  'policy_status',
  'scheme',
  'product',
  'policy_start',
  'policy_end',
  'member_number',
  'role',
  'first_name',
  'last_name',
  'date_of_birth',
  'document_type',
  'document_number',
  'email',
  'mobile',
  'address_line',
  'postal_code',
  'city',
  'province',
  'country',
  'language',
  'guardian_member_numbers',
] as const;
export type FeedColumn = (typeof FEED_COLUMNS)[number];
export type RawFeedRow = Record<FeedColumn, string>;

/** One validated feed row: a policy and one member on it. */
export interface FeedRow {
  policy: {
    policyNumber: string;
    status: 'active' | 'cancelled';
    scheme: 'local' | 'international' | 'expatriate';
    product: string;
    startDate: string;
    endDate: string | null;
  };
  member: {
    memberNumber: string;
    role: 'holder' | 'dependent';
    firstName: string;
    lastName: string;
    dateOfBirth: string;
    documentType: DocumentType | null;
    documentNumber: string | null;
    email: string | null;
    mobile: string | null;
    addressLine: string | null;
    postalCode: string | null;
    city: string | null;
    province: string | null;
    country: string;
    language: 'es' | 'en';
  };
  guardianMemberNumbers: string[];
}

const MAX_FIELD = 200;

function oneOf<T extends string>(
  values: readonly T[],
  input: string,
  field: string,
  errors: FieldError[],
): T | undefined {
  if ((values as readonly string[]).includes(input)) return input as T;
  errors.push({ field, code: input === '' ? 'required' : 'not_allowed', params: { allowed: values.join('|') } });
  return undefined;
}

function text(input: string, field: string, errors: FieldError[], required: boolean, max = 100): string | null {
  const value = input.trim().replace(/\s+/g, ' ');
  if (value === '') {
    if (required) errors.push({ field, code: 'required' });
    return null;
  }
  if (value.length > max) {
    errors.push({ field, code: 'too_long', params: { max } });
    return null;
  }
  // Control characters never belong in a name or an address, and would break emails and the card.
  if (/\p{Cc}/u.test(value)) {
    errors.push({ field, code: 'invalid_characters' });
    return null;
  }
  return value;
}

function date(input: string, field: string, errors: FieldError[], required: boolean): string | null {
  const value = input.trim();
  if (value === '') {
    if (required) errors.push({ field, code: 'required' });
    return null;
  }
  const iso = parseIsoDate(value);
  if (!iso) errors.push({ field, code: 'date_invalid' });
  return iso ?? null;
}

function take<T>(result: Result<T>, errors: FieldError[]): T | undefined {
  if (result.ok) return result.value;
  errors.push(...result.errors);
  return undefined;
}

/** The policy columns of a feed row: a policy on its own (the JSON API's policy upsert) has these fields. */
export const POLICY_COLUMNS = [
  'policy_number',
  'policy_status',
  'scheme',
  'product',
  'policy_start',
  'policy_end',
] as const satisfies readonly FeedColumn[];
export type RawPolicyRow = Pick<RawFeedRow, (typeof POLICY_COLUMNS)[number]>;

function policyFields(raw: RawPolicyRow, errors: FieldError[]) {
  const policyNumber = take(parseReference(raw.policy_number, 'policy_number'), errors);
  const status = oneOf(['active', 'cancelled'] as const, raw.policy_status.trim(), 'policy_status', errors);
  const scheme = oneOf(['local', 'international', 'expatriate'] as const, raw.scheme.trim(), 'scheme', errors);
  const product = text(raw.product, 'product', errors, true, 120);
  const startDate = date(raw.policy_start, 'policy_start', errors, true);
  const endDate = date(raw.policy_end, 'policy_end', errors, false);
  if (startDate && endDate && endDate < startDate) errors.push({ field: 'policy_end', code: 'before_start' });

  return { policyNumber, status, scheme, product, startDate, endDate };
}

function checkEncodingAndLength(raw: Partial<RawFeedRow>, columns: readonly FeedColumn[], errors: FieldError[]): void {
  for (const column of columns) {
    const value = raw[column] ?? '';
    // A byte sequence that was not UTF-8 decodes to U+FFFD: such a row is refused whole, never stored garbled.
    if (value.includes('\uFFFD')) errors.push({ field: column, code: 'not_utf8' });
    else if (value.length > MAX_FIELD) errors.push({ field: column, code: 'too_long', params: { max: MAX_FIELD } });
  }
}

/** Validates a policy's columns exactly as a feed row's (PRODUCT §2). */
export function parseFeedPolicy(raw: RawPolicyRow): Result<FeedRow['policy']> {
  const errors: FieldError[] = [];
  checkEncodingAndLength(raw, POLICY_COLUMNS, errors);
  if (errors.length) return { ok: false, errors };
  const { policyNumber, status, scheme, product, startDate, endDate } = policyFields(raw, errors);
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      policyNumber: policyNumber!,
      status: status!,
      scheme: scheme!,
      product: product!,
      startDate: startDate!,
      endDate,
    },
  };
}

/** Validates one feed row field by field; `today` is the insurer's civil date (no birth date may lie after it). */
export function parseFeedRow(raw: RawFeedRow, today: string): Result<FeedRow> {
  const errors: FieldError[] = [];
  checkEncodingAndLength(raw, FEED_COLUMNS, errors);
  if (errors.length) return { ok: false, errors };

  const { policyNumber, status, scheme, product, startDate, endDate } = policyFields(raw, errors);

  const memberNumber = take(parseReference(raw.member_number, 'member_number'), errors);
  const role = oneOf(['holder', 'dependent'] as const, raw.role.trim(), 'role', errors);
  const firstName = text(raw.first_name, 'first_name', errors, true);
  const lastName = text(raw.last_name, 'last_name', errors, true);
  const dateOfBirth = date(raw.date_of_birth, 'date_of_birth', errors, true);
  if (dateOfBirth && isFutureDate(dateOfBirth, today)) errors.push({ field: 'date_of_birth', code: 'date_in_future' });

  let documentType: DocumentType | null = null;
  let documentNumber: string | null = null;
  const rawType = raw.document_type.trim();
  if (rawType !== '' || raw.document_number.trim() !== '') {
    const doc = take(parseIdentityDocument(rawType, raw.document_number), errors);
    if (doc) ({ type: documentType, number: documentNumber } = doc);
  }

  const email = take(parseOptionalEmail(raw.email), errors) ?? null;
  const mobile = take(parseMobile(raw.mobile), errors) ?? null;
  const country = raw.country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) errors.push({ field: 'country', code: 'country_invalid' });
  let postalCode: string | null = null;
  if (raw.postal_code.trim() !== '') {
    postalCode =
      country === 'ES'
        ? (take(parseSpanishPostalCode(raw.postal_code), errors) ?? null)
        : text(raw.postal_code, 'postal_code', errors, false, 10);
  }
  const addressLine = text(raw.address_line, 'address_line', errors, false, 200);
  const city = text(raw.city, 'city', errors, false);
  const province = text(raw.province, 'province', errors, false);
  const language = oneOf(['es', 'en'] as const, raw.language.trim().toLowerCase(), 'language', errors);

  const guardianMemberNumbers: string[] = [];
  for (const part of raw.guardian_member_numbers.split(';')) {
    if (part.trim() === '') continue;
    const guardian = take(parseReference(part, 'guardian_member_numbers'), errors);
    if (guardian === undefined) continue;
    if (guardian === memberNumber) errors.push({ field: 'guardian_member_numbers', code: 'guardian_is_self' });
    else if (!guardianMemberNumbers.includes(guardian)) guardianMemberNumbers.push(guardian);
  }

  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    value: {
      policy: {
        policyNumber: policyNumber!,
        status: status!,
        scheme: scheme!,
        product: product!,
        startDate: startDate!,
        endDate,
      },
      member: {
        memberNumber: memberNumber!,
        role: role!,
        firstName: firstName!,
        lastName: lastName!,
        dateOfBirth: dateOfBirth!,
        documentType,
        documentNumber,
        email,
        mobile,
        addressLine,
        postalCode,
        city,
        province,
        country,
        language: language!,
      },
      guardianMemberNumbers,
    },
  };
}
