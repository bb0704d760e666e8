import { fail, ok } from './result.js';
import type { Result } from './result.js';
import type { ErrorCode } from './error-codes.js';

/** Identity documents accepted at registration (R3). */
export type DocumentType = 'NIF' | 'NIE' | 'PASSPORT';

/** All accepted document types, in display order. */
export const DOCUMENT_TYPES: readonly DocumentType[] = ['NIF', 'NIE', 'PASSPORT'];

/** Official check-letter table: the letter is CHECK_LETTERS[number mod 23]. */
const CHECK_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Raw input above this is rejected before any normalising work, so huge pastes fail fast. */
const MAX_RAW_LENGTH = 40;

/** NIE prefix letters stand in for a leading digit when computing the check letter. */
const NIE_PREFIX_DIGIT: Readonly<Record<string, string>> = { X: '0', Y: '1', Z: '2' };

/**
 * Upper-cases ASCII letters and strips whitespace, hyphens and dots, since people type "12.345.678-z" (R1 forgiving
 * input). Only a–z are upper-cased: String#toUpperCase turns "ß" into "SS", "ﬁ" into "FI" and "ı" into "I", so a
 * number typed with those would be accepted as different characters than the person typed.
 */
export function normaliseDocumentNumber(input: string): string {
  return upperAscii(input.replace(/[\s.-]+/gu, ''));
}

/** Upper-cases a–z only, leaving every other character as it is (shared by R1 references and R3 documents). */
export function upperAscii(value: string): string {
  return value.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}

/** Returns the NIF/NIE check letter for a non-negative integer (throws RangeError otherwise: a programming error). */
export function nifCheckLetter(digits: number): string {
  if (!Number.isSafeInteger(digits) || digits < 0)
    throw new RangeError(`nifCheckLetter: expected a non-negative integer, got ${digits}`);
  return CHECK_LETTERS.charAt(digits % 23);
}

/** Classifies an already-normalised NIF as valid or as failing on shape or on its check letter (R3). */
function checkNif(value: string): 'ok' | 'nif_format' | 'nif_letter' {
  const match = /^(\d{8})([A-Z])$/.exec(value);
  if (!match) return 'nif_format';
  const [, digits = '', letter] = match;
  return nifCheckLetter(Number(digits)) === letter ? 'ok' : 'nif_letter';
}

/** Classifies an already-normalised NIE as valid or as failing on shape or on its check letter (R3). */
function checkNie(value: string): 'ok' | 'nie_format' | 'nie_letter' {
  const match = /^([XYZ])(\d{7})([A-Z])$/.exec(value);
  if (!match) return 'nie_format';
  const [, prefix = '', digits = '', letter] = match;
  const prefixDigit = NIE_PREFIX_DIGIT[prefix] ?? '';
  return nifCheckLetter(Number(prefixDigit + digits)) === letter ? 'ok' : 'nie_letter';
}

/** True when the (raw or normalised) input is a NIF/DNI with a correct check letter (R3). */
export function isValidNif(number: string): boolean {
  return number.length <= MAX_RAW_LENGTH && checkNif(normaliseDocumentNumber(number)) === 'ok';
}

/** True when the (raw or normalised) input is an X/Y/Z NIE with a correct check letter (R3). */
export function isValidNie(number: string): boolean {
  return number.length <= MAX_RAW_LENGTH && checkNie(normaliseDocumentNumber(number)) === 'ok';
}

/** Narrows a trimmed, upper-cased form value to a known document type. */
function isDocumentType(value: string): value is DocumentType {
  return (DOCUMENT_TYPES as readonly string[]).includes(value);
}

/** Validates a document type and number per R3, returning the normalised number or field errors. */
export function parseIdentityDocument(
  type: string,
  number: string,
  field = 'document_number',
): Result<{ type: DocumentType; number: string }> {
  const docType = upperAscii(type.trim());
  if (!isDocumentType(docType)) return fail('document_type', 'document_type_invalid');
  // Length is checked on the raw input first so a 10,000-character paste is refused without regex work.
  if (number.length > MAX_RAW_LENGTH) return fail(field, 'too_long', { max: MAX_RAW_LENGTH });
  const value = normaliseDocumentNumber(number);
  if (value === '') return fail(field, 'required');

  let outcome: 'ok' | ErrorCode;
  switch (docType) {
    case 'NIF':
      outcome = checkNif(value);
      break;
    case 'NIE':
      outcome = checkNie(value);
      break;
    // Passports vary by issuing country, so R3 only bounds them to 6–20 ASCII letters/digits.
    case 'PASSPORT':
      outcome = /^[A-Z0-9]{6,20}$/.test(value) ? 'ok' : 'passport_format';
      break;
  }
  return outcome === 'ok' ? ok({ type: docType, number: value }) : fail(field, outcome);
}

/** Masks all but the last 3 characters so screens and logs never show a full document number (R7). */
export function maskDocument(number: string): string {
  const chars = Array.from(number);
  // With 3 or fewer characters "all but the last 3" would reveal everything, so mask it all instead.
  if (chars.length <= 3) return '•'.repeat(chars.length);
  return '•'.repeat(chars.length - 3) + chars.slice(-3).join('');
}
