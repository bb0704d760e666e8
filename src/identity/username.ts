import { normaliseDocumentNumber } from '../domain/identity-document.js';

/** The longest username (a document number, R3) an account can have. */
export const MAX_USERNAME = 40;

/** The username as R3 stores it; anything longer than a document could be is cut (and cannot match). */
export function normaliseUsername(input: string): string {
  return normaliseDocumentNumber(input.slice(0, MAX_USERNAME * 2)).slice(0, MAX_USERNAME + 1);
}
