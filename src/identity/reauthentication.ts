import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { verifyPassword } from '../infra/crypto/password-hash.js';
import type { Account, Database } from '../infra/db/tables.js';
import { bucket, count, limitReached, take, type Limit } from '../infra/rate-limit/rate-limit.js';

const HOUR = 3_600_000;

/** Wrong passwords asked again per account per hour, across every form that asks (contact, app, passkeys). */
export const PASSWORD_FAILURES: Limit = { windowMs: HOUR, max: 5 };

/**
 * The password asked again (R15). A stolen session must not become a password oracle: after 5 wrong passwords in
 * an hour the account's tries are refused. Each try is counted before the (slow) check by one atomic upsert (R9), so
 * parallel guesses get distinct counts; a right one, and one refused, give their count back. The count is the wrong
 * tries kept plus those still being checked: a burst of right passwords may be told to wait while five are in
 * flight, but leaves nothing behind (it locked the account for the hour before, issue 15).
 */
export async function checkPassword(
  db: Kysely<Database>,
  clock: Clock,
  account: Account,
  password: string,
): Promise<'ok' | 'wrong' | 'missing' | 'locked'> {
  const tries = bucket('contact-pw-try', String(account.id));
  const windowMs = PASSWORD_FAILURES.windowMs;
  if (!password) return limitReached(await count(db, clock, tries, windowMs), PASSWORD_FAILURES) ? 'locked' : 'missing';
  const slot = await take(db, clock, tries, windowMs);
  if (limitReached(slot.count - 1, PASSWORD_FAILURES)) {
    await slot.release();
    return 'locked';
  }
  if (!(await verifyPassword(account.password_hash, password.slice(0, 1000)))) return 'wrong';
  await slot.release();
  return 'ok';
}
