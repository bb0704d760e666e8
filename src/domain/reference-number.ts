import { upperAscii } from './identity-document.js';
import { fail, ok } from './result.js';
import type { Result } from './result.js';

/** Longest member/policy number we store; anything longer is a paste accident, not a reference. */
const MAX_LENGTH = 32;

/** Upper-cases and strips whitespace, hyphens and dots, because R1 says references are compared in that form. */
export function normaliseReference(input: string): string {
  // \s with the u flag covers Unicode whitespace (NBSP, thin space, ideographic space...) that R1 must strip too.
  // Only a–z are upper-cased (see upperAscii): "ß" must not become "SS" and match another reference.
  return upperAscii(input.replace(/[\s.-]+/gu, ''));
}

/** Parses a member or policy number into its R1 canonical form, or explains why it cannot be one. */
export function parseReference(input: string, field: string): Result<string> {
  const value = normaliseReference(input);
  if (value === '') return fail(field, 'required');
  if (value.length > MAX_LENGTH) return fail(field, 'too_long', { max: MAX_LENGTH });
  // Only ASCII letters and digits survive R1 normalisation; anything else cannot match a real reference.
  if (!/^[A-Z0-9]+$/.test(value)) return fail(field, 'invalid_format');
  return ok(value);
}
