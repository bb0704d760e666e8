import { fail, ok } from './result.js';
import type { Result } from './result.js';

/** Validates a Spanish postal code per R3: 5 digits whose province prefix is 01–52; spaces are forgiven (R1). */
export function parseSpanishPostalCode(input: string, field = 'postal_code'): Result<string> {
  const value = input.replace(/\s+/gu, '');
  if (value === '') return fail(field, 'required');
  const match = /^(\d{2})\d{3}$/.exec(value);
  // R3: the first two digits are the province code, 01 (Álava) to 52 (Melilla); 00 and 53+ do not exist.
  const province = Number(match?.[1]);
  if (!match || province < 1 || province > 52) return fail(field, 'postal_code_invalid');
  return ok(value);
}
