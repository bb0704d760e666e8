import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { fail, ok } from './result.js';
import type { Result } from './result.js';

/** Anything longer than this is not a phone number someone typed. */
const MAX_INPUT_LENGTH = 30;

/** Numbers without a country code are read as Spanish (R3). */
const DEFAULT_REGION = 'ES';

/** Validates the optional mobile per R3 and returns it in E.164; empty input means "no mobile". */
export function parseMobile(input: string, field = 'mobile'): Result<string | undefined> {
  if (input.length > MAX_INPUT_LENGTH) return fail(field, 'phone_invalid');
  // NFKC turns full-width digits (typed with some IMEs) into ASCII ones: R1 forgiving input.
  const value = input.normalize('NFKC').trim();
  if (value === '') return ok(undefined);
  // libphonenumber extracts numbers from surrounding text ("call 600123456 pls"), so restrict the
  // characters up front: digits, one leading + (optionally inside "(+34)"), and spacing/grouping punctuation.
  if (!/^\(?\+?[\d\s().-]+$/u.test(value)) return fail(field, 'phone_invalid');

  // The /max metadata is needed: the smaller bundles cannot tell mobile from fixed-line ranges.
  const phone = parsePhoneNumberFromString(value, DEFAULT_REGION);
  if (!phone || !phone.isValid() || phone.ext) return fail(field, 'phone_invalid');
  // R3 wants a mobile; some countries (e.g. US/CA) share ranges, so FIXED_LINE_OR_MOBILE must pass too.
  const type = phone.getType();
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return fail(field, 'phone_not_mobile');
  return ok(phone.number);
}

/** Masks an E.164 number to its last 3 digits, e.g. "•••• ••• 789" (R7). */
export function maskPhone(e164: string): string {
  const digits = e164.replace(/\D/g, '');
  // With 3 or fewer digits the tail would be the whole number, so show nothing.
  const tail = digits.length > 3 ? digits.slice(-3) : '•••';
  return `•••• ••• ${tail}`;
}

/** A stored E.164 number as people read it (+34 600 11 22 33); what the library cannot parse is shown as stored. */
export const formatMobile = (e164: string) => parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;

/**
 * A phone number as written for people ("+34 900 000 000", "900 000 000") in E.164 for a tel: address (R18), or
 * undefined when it is not a valid number. Numbers without a country code are read as Spanish.
 */
export function dialable(phone: string): string | undefined {
  if (phone.length > MAX_INPUT_LENGTH || !/^\(?\+?[\d\s().-]+$/u.test(phone.trim())) return undefined;
  const parsed = parsePhoneNumberFromString(phone, DEFAULT_REGION);
  return parsed?.isValid() && !parsed.ext ? parsed.number : undefined;
}
