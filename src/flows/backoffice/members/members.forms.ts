import { formText } from '../../../infra/web/form.js';
import type { ContactCorrectionInput, ReasonInput, UsernameChangeInput } from './member-actions.flow.js';

// The member pages' form fields read into the actions' inputs, so a route is: read, call, render (R23).
// Every value is length-checked by the action itself; here a missing or non-text field simply reads as empty.

/** A member id from the URL; anything but a plain positive integer is no member. */
export function parseMemberId(raw: unknown): number | undefined {
  if (typeof raw !== 'string' || !/^[1-9]\d{0,9}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id <= 2_147_483_647 ? id : undefined;
}

/** The confirming POST of a review page or of a simple action's page carries confirm=yes. */
export const isConfirmed = (body: unknown) => formText(body, 'confirm') === 'yes';

export const usernameChangeInput = (memberId: number, body: unknown): UsernameChangeInput => ({
  memberId,
  expectedUsername: formText(body, 'expected_username'),
  documentType: formText(body, 'document_type'),
  documentNumber: formText(body, 'document_number'),
  reason: formText(body, 'reason'),
});

export const contactCorrectionInput = (memberId: number, body: unknown): ContactCorrectionInput => ({
  memberId,
  email: formText(body, 'email'),
  mobile: formText(body, 'mobile'),
  addressLine: formText(body, 'address_line'),
  postalCode: formText(body, 'postal_code'),
  city: formText(body, 'city'),
  province: formText(body, 'province'),
  country: formText(body, 'country'),
  reason: formText(body, 'reason'),
});

export const reasonInput = (memberId: number, body: unknown): ReasonInput => ({
  memberId,
  reason: formText(body, 'reason'),
});

const FIELDS = [
  'expected_username',
  'document_type',
  'document_number',
  'email',
  'mobile',
  'address_line',
  'postal_code',
  'city',
  'province',
  'country',
  'reason',
] as const;

/** The typed values to show back in a form after an error (each cut to a sane length for the page). */
export function formValues(body: unknown): Record<string, string> {
  return Object.fromEntries(FIELDS.map((f) => [f, formText(body, f).slice(0, 600)]));
}
