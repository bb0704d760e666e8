import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { verifyPassword } from '../infra/crypto/password-hash.js';
import type { Account, Database } from '../infra/db/tables.js';
import { bucket, count, hit, limitReached, type Limit } from '../infra/rate-limit/rate-limit.js';

const HOUR = 3_600_000;

/** Wrong passwords asked again per account per hour, across every form that asks (contact, app, passkeys). */
export const PASSWORD_FAILURES: Limit = { windowMs: HOUR, max: 5 };

/**
 * The password asked again (R15). A stolen session must not become a password oracle: after 5 wrong passwords in
 * an hour the account's tries are refused. Each try is counted before the (slow) check by one atomic upsert and
 * each right one after it, so wrong = tries − rights holds even for parallel guesses, which cannot share a count.
 */
export async function checkPassword(db: Kysely<Database>, clock: Clock, account: Account, password: string): Promise<'ok' | 'wrong' | 'missing' | 'locked'> {
  const tries = bucket('contact-pw-try', String(account.id));
  const rights = bucket('contact-pw-ok', String(account.id));
  const windowMs = PASSWORD_FAILURES.windowMs;
  if (!password) {
    const [n, good] = await Promise.all([count(db, clock, tries, windowMs), count(db, clock, rights, windowMs)]);
    return limitReached(n - good, PASSWORD_FAILURES) ? 'locked' : 'missing';
  }
  const [n, good] = await Promise.all([hit(db, clock, tries, windowMs), count(db, clock, rights, windowMs)]);
  if (limitReached(n - 1 - good, PASSWORD_FAILURES)) return 'locked';
  if (!(await verifyPassword(account.password_hash, password.slice(0, 1000)))) return 'wrong';
  await hit(db, clock, rights, windowMs);
  return 'ok';
}
