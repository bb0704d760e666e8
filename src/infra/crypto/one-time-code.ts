import { createHmac } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/tables.js';
import { safeEqual } from './tokens.js';

// Six-digit codes sent by email or SMS (sign-in R7, contact changes R15), stored in one_time_tokens.

/**
 * A six-digit code is a small space: its stored form is keyed with the server secret and bound to what it proves
 * (a flow id, with a purpose prefix where a flow kind keeps its codes apart), so a copy of the database does not
 * yield the codes by trying a million values (R7: stored hashed).
 */
export function codeDigest(secretKey: string, binding: string, code: string): string {
  return createHmac('sha256', secretKey).update(`${binding}:${code}`).digest('hex');
}

/** Whether an answer is six digits whose digest under `binding` is the stored one (compared in constant time). */
export function codeMatches(secretKey: string, binding: string, answer: string, storedDigest: string): boolean {
  return /^\d{6}$/.test(answer) && safeEqual(storedDigest, codeDigest(secretKey, binding, answer));
}

/**
 * Counts one try at a stored code, before the comparison, by one atomic increment, so parallel guesses cannot share
 * a count. Returns the tries so far, or undefined when the code was used or voided meanwhile.
 */
export async function countCodeTry(db: Kysely<Database>, tokenId: number): Promise<number | undefined> {
  const bumped = await db
    .updateTable('one_time_tokens')
    .set({ attempts: sql`attempts + 1` })
    .where('id', '=', tokenId)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .returning('attempts')
    .executeTakeFirst();
  return bumped?.attempts;
}
