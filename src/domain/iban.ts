import { fail, ok } from './result.js';
import type { Result } from './result.js';

// R31: the account a reimbursement is paid into. An IBAN is checked as ISO 13616 says (country, length, mod-97
// check digits) so a typo is caught on the form, not by a returned transfer; and it is only ever shown masked.

/** IBAN length per country: the SEPA countries (EPC409-09) and a few neighbours members write from. */
const LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AT: 20,
  BE: 16,
  BG: 22,
  CH: 21,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  EE: 20,
  ES: 24,
  FI: 18,
  FR: 27,
  GB: 22,
  GI: 23,
  GR: 27,
  HR: 21,
  HU: 28,
  IE: 22,
  IS: 26,
  IT: 27,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MT: 31,
  NL: 18,
  NO: 15,
  PL: 28,
  PT: 25,
  RO: 24,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  VA: 22,
  AL: 28,
  AE: 23,
  MA: 28,
  TR: 26,
  UA: 29,
};

/** Longest input we read: an IBAN is at most 34 characters, spaces and a paste's noise make it longer. */
const MAX_INPUT = 64;

/** Upper-cases and drops whitespace (any Unicode space), hyphens and dots: "es91 2100-0418..." is the same IBAN. */
export function normaliseIban(input: string): string {
  return input.replace(/[\s.-]+/gu, '').replace(/[a-z]/g, (c) => c.toUpperCase());
}

/** ISO 7064 mod 97-10 over the rearranged IBAN (first four characters moved to the end, letters as 10..35). */
export function ibanRemainder(iban: string): number {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder;
}

/** Parses an IBAN typed by a member into its electronic form (no spaces, upper case), or says what is wrong. */
export function parseIban(input: string, field: string): Result<string> {
  if (input.length > MAX_INPUT) return fail(field, 'iban_invalid');
  const iban = normaliseIban(input);
  if (iban === '') return fail(field, 'required');
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]+$/.test(iban)) return fail(field, 'iban_invalid');
  const length = LENGTHS[iban.slice(0, 2)];
  if (length === undefined) return fail(field, 'iban_country', { country: iban.slice(0, 2) });
  if (iban.length !== length) return fail(field, 'iban_length', { expected: length, found: iban.length });
  if (ibanRemainder(iban) !== 1) return fail(field, 'iban_checksum');
  return ok(iban);
}

/** The IBAN for display: country code, then only the last four characters, in groups of four (R31). */
export function maskIban(iban: string): string {
  const clean = normaliseIban(iban);
  const hidden = `${clean.slice(0, 2)}${'•'.repeat(Math.max(0, clean.length - 6))}${clean.slice(-4)}`;
  return (hidden.match(/.{1,4}/gu) ?? []).join(' ');
}

/** Groups an IBAN in fours, the way it is printed on a bank statement (for the member's own confirmation). */
export function formatIban(iban: string): string {
  return (normaliseIban(iban).match(/.{1,4}/g) ?? []).join(' ');
}
