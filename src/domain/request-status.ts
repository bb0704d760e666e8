import { isFutureDate, parseIsoDate } from './calendar.js';
import type { ErrorCode } from './error-codes.js';
import { formatEuros } from './money.js';
import type { RequestType } from './request-reference.js';
import type { FieldError, Result } from './result.js';

// R31: the statuses a request goes through, and what each step must carry. Any transition not listed is refused,
// whoever asks (member, staff, core system); the repository applies the result under a compare-and-set on the
// request's version, so two concurrent changes cannot both win.
//
//   received -> in_review -> needs_info -> in_review (the member answers) ...
//   in_review -> approved | partially_approved | rejected (reason)
//   reimbursement: approved | partially_approved -> paid (amount, date)
//   authorization: approved | partially_approved carry number, validity dates and provider

export type RequestStatus =
  'received' | 'in_review' | 'needs_info' | 'approved' | 'partially_approved' | 'rejected' | 'paid';

export const REQUEST_STATUSES: readonly RequestStatus[] = [
  'received',
  'in_review',
  'needs_info',
  'approved',
  'partially_approved',
  'rejected',
  'paid',
];

/** The data a transition may carry; amounts in cents, dates as YYYY-MM-DD. */
export interface TransitionFields {
  /** Why: required for rejected and partially_approved. */
  reason?: string;
  /** The question the member must answer (needs_info). */
  message?: string;
  /** The member's answer (needs_info -> in_review). */
  answer?: string;
  amount_approved?: number;
  amount_paid?: number;
  paid_on?: string;
  authorization_number?: string;
  valid_from?: string;
  valid_until?: string;
  provider?: string;
}

export type TransitionField = keyof TransitionFields;

/** What a transition needs to know about the request it changes. */
export interface RequestState {
  type: RequestType;
  status: RequestStatus;
  /** Reimbursements: the amount claimed, in cents. */
  amount_claimed: number | null;
  /** Set when it was approved (partially or not). */
  amount_approved: number | null;
}

const DECIDED = ['approved', 'partially_approved', 'rejected'] as const;

/** The statuses a request of `type` may move to from `from`. */
export function nextStatuses(type: RequestType, from: RequestStatus): readonly RequestStatus[] {
  switch (from) {
    case 'received':
      return ['in_review'];
    case 'in_review':
      return ['needs_info', ...DECIDED];
    case 'needs_info':
      return ['in_review'];
    case 'approved':
    case 'partially_approved':
      return type === 'reimbursement' ? ['paid'] : [];
    case 'rejected':
    case 'paid':
      return [];
  }
}

/**
 * The fields a transition must carry, or undefined when the transition is not allowed. Optional fields are not
 * listed (an approved reimbursement's amount_approved defaults to the amount claimed).
 */
export function requiredFields(
  type: RequestType,
  from: RequestStatus,
  to: RequestStatus,
): TransitionField[] | undefined {
  if (!nextStatuses(type, from).includes(to)) return undefined;
  const decision =
    type === 'authorization' ? (['authorization_number', 'valid_from', 'valid_until', 'provider'] as const) : [];
  switch (to) {
    case 'needs_info':
      return ['message'];
    case 'in_review':
      return from === 'needs_info' ? ['answer'] : [];
    case 'approved':
      return [...decision];
    case 'partially_approved':
      return type === 'reimbursement' ? ['amount_approved', 'reason'] : [...decision, 'reason'];
    case 'rejected':
      return ['reason'];
    case 'paid':
      return ['amount_paid', 'paid_on'];
    default:
      return [];
  }
}

/** Which fields each transition may carry at all: anything else sent with it is refused. */
function allowedFields(type: RequestType, from: RequestStatus, to: RequestStatus): TransitionField[] {
  const required = requiredFields(type, from, to) ?? [];
  if (to === 'approved' && type === 'reimbursement') return ['amount_approved'];
  return required;
}

const MAX_TEXT = 2000;
const MAX_SHORT = 100;

/** The change to store: the new status and its checked fields (amount_approved filled in for full approvals). */
export interface CheckedTransition {
  to: RequestStatus;
  fields: TransitionFields;
}

/** Checks one transition of R31's graph and its fields; `today` is Europe/Madrid's date (payment not in the future). */
export function checkTransition(
  request: RequestState,
  to: RequestStatus,
  fields: TransitionFields,
  today: string,
): Result<CheckedTransition> {
  const required = requiredFields(request.type, request.status, to);
  if (required === undefined)
    return {
      ok: false,
      errors: [{ field: 'status', code: 'transition_forbidden', params: { from: request.status, to } }],
    };
  const errors: FieldError[] = [];
  const add = (field: string, code: ErrorCode, params?: Record<string, string | number>) =>
    errors.push({ field, code, ...(params ? { params } : {}) });
  const allowed = allowedFields(request.type, request.status, to);
  for (const [key, value] of Object.entries(fields))
    if (value !== undefined && !allowed.includes(key as TransitionField)) add(key, 'unknown_field');
  for (const key of required) if (fields[key] === undefined || fields[key] === '') add(key, 'required');

  const out: TransitionFields = {};
  for (const key of ['reason', 'message', 'answer'] as const) {
    const v = fields[key];
    if (v === undefined || !allowed.includes(key)) continue;
    const t = v.trim();
    if (t === '') add(key, 'required');
    else if (t.length > MAX_TEXT) add(key, 'too_long', { max: MAX_TEXT });
    else out[key] = t;
  }
  for (const key of ['authorization_number', 'provider'] as const) {
    const v = fields[key];
    if (v === undefined || !allowed.includes(key)) continue;
    const t = v.trim();
    if (t === '') add(key, 'required');
    else if (t.length > MAX_SHORT) add(key, 'too_long', { max: MAX_SHORT });
    else out[key] = t;
  }
  for (const key of ['valid_from', 'valid_until', 'paid_on'] as const) {
    const v = fields[key];
    if (v === undefined || !allowed.includes(key)) continue;
    if (parseIsoDate(v) === undefined) add(key, 'date_invalid');
    else out[key] = v;
  }
  if (out.valid_from && out.valid_until && out.valid_until < out.valid_from) add('valid_until', 'before_start');
  if (out.paid_on && isFutureDate(out.paid_on, today)) add('paid_on', 'date_in_future');

  const cents = (key: 'amount_approved' | 'amount_paid', max: number | null) => {
    const v = fields[key];
    if (v === undefined || !allowed.includes(key)) return;
    if (!Number.isSafeInteger(v)) add(key, 'amount_invalid');
    else if (v <= 0) add(key, 'amount_not_positive');
    else if (max !== null && v > max) add(key, 'amount_too_high', { max: formatEuros(max) });
    else out[key] = v;
  };
  if (to === 'approved' || to === 'partially_approved') cents('amount_approved', request.amount_claimed);
  if (to === 'partially_approved' && request.type === 'reimbursement' && out.amount_approved !== undefined) {
    // "Partially" means less than claimed; the full amount is an approval.
    if (request.amount_claimed !== null && out.amount_approved >= request.amount_claimed)
      add('amount_approved', 'amount_too_high', { max: formatEuros(request.amount_claimed - 1) });
  }
  if (to === 'approved' && request.type === 'reimbursement' && out.amount_approved === undefined)
    out.amount_approved = request.amount_claimed ?? undefined;
  if (to === 'paid') cents('amount_paid', request.amount_approved);

  if (errors.length > 0) return { ok: false, errors: dedupe(errors) };
  return { ok: true, value: { to, fields: out } };
}

/** One error per field (a missing field is not also "required" twice). */
function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => (seen.has(e.field) ? false : (seen.add(e.field), true)));
}
