// R31: every request gets a reference a member can read out on the phone: a prefix by type, the year it was sent
// in, and that type's sequence number in the year (`REE-2026-000123`, `AUT-2026-000045`). The sequence is counted
// in the database (src/infra/requests/request-sequence.ts); this file only writes and reads the text.

export type RequestType = 'reimbursement' | 'authorization';

export const REQUEST_TYPES: readonly RequestType[] = ['reimbursement', 'authorization'];

const PREFIX: Readonly<Record<RequestType, string>> = { reimbursement: 'REE', authorization: 'AUT' };

/** The reference prefix of a type of request. */
export const referencePrefix = (type: RequestType): string => PREFIX[type];

/** Writes a request's reference; six digits at least, more only past the millionth request of a year. */
export function formatRequestReference(type: RequestType, year: number, sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1)
    throw new RangeError(`request sequence must be >= 1: ${sequence}`);
  if (!Number.isSafeInteger(year) || year < 2000 || year > 2999)
    throw new RangeError(`request year out of range: ${year}`);
  return `${PREFIX[type]}-${year}-${String(sequence).padStart(6, '0')}`;
}

/** Reads a reference as a member may type it (lower case, spaces), or undefined when it is not one. */
export function parseRequestReference(
  input: string,
): { type: RequestType; year: number; sequence: number; reference: string } | undefined {
  const m = /^(REE|AUT)[\s-]*(2\d{3})[\s-]*(\d{6,9})$/.exec(input.trim().toUpperCase());
  if (!m) return undefined;
  const type = m[1] === 'REE' ? 'reimbursement' : 'authorization';
  const sequence = Number(m[3]);
  if (sequence < 1) return undefined;
  const year = Number(m[2]);
  return { type, year, sequence, reference: formatRequestReference(type, year, sequence) };
}
