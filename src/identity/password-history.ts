import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { insurerPasswordPolicy } from '../domain/password-policy.js';
import { matchesAnyHash } from '../infra/crypto/password-hash.js';
import type { Database } from '../infra/db/tables.js';
import { SIGN_IN_FLOW } from '../infra/flows/flow-store.js';

/**
 * R4: the new password may be neither the current one nor any of the ones before it, up to the policy's history
 * size (20, the current included). The comparisons run on libuv's thread pool, all at once (R11, R12, PRODUCT §5).
 */
export async function isInHistory(
  db: Kysely<Database>,
  accountId: number,
  password: string,
  size = insurerPasswordPolicy.historySize,
): Promise<boolean> {
  const rows = await db
    .selectFrom('password_history')
    .select('password_hash')
    .where('account_id', '=', accountId)
    .orderBy('id', 'desc')
    .limit(size)
    .execute();
  return matchesAnyHash(
    password,
    rows.map((r) => r.password_hash),
  );
}

/**
 * Stores a new password hash and its history entry, lifts any sign-in lock (R9, R11) and ends the account's pending
 * sign-ins. Run it in a transaction.
 */
export async function storePassword(
  trx: Kysely<Database>,
  clock: Clock,
  accountId: number,
  hash: string,
): Promise<void> {
  const now = clock.now().toISOString();
  await trx
    .updateTable('accounts')
    .set({ password_hash: hash, password_changed_at: now, updated_at: now, locked_until: null, failed_logins: 0 })
    .where('id', '=', accountId)
    .execute();
  await trx
    .insertInto('password_history')
    .values({ account_id: accountId, password_hash: hash, created_at: now })
    .execute();
  // A sign-in that got past the old password (waiting for its code) must not finish with it (issue 15).
  await trx.deleteFrom('flows').where('account_id', '=', accountId).where('kind', '=', SIGN_IN_FLOW).execute();
}

/** What R4 forbids a password to contain, for an existing account: its username, member numbers and birth dates. */
export async function personalDataOf(db: Kysely<Database>, account: { id: number; username: string }) {
  const members = await db
    .selectFrom('members')
    .select(['member_number', 'date_of_birth'])
    .where('account_id', '=', account.id)
    .execute();
  return {
    username: account.username,
    memberNumbers: members.map((m) => m.member_number),
    birthDates: members.map((m) => m.date_of_birth),
  };
}
