import type { Kysely } from 'kysely';
import type { Database } from '../infra/db/tables.js';

/** The one_time_tokens purpose of password recovery links (R11). */
export const RECOVERY_PURPOSE = 'recovery';

/**
 * Voids every unused recovery link of an account (R11): when a new one is sent, and when the account's email
 * changes, so a link still sitting in the old mailbox no longer sets a password (issue 15).
 */
export async function voidRecoveryLinks(db: Kysely<Database>, accountId: number, now: string): Promise<void> {
  await db
    .updateTable('one_time_tokens')
    .set({ voided_at: now })
    .where('account_id', '=', accountId)
    .where('purpose', '=', RECOVERY_PURPOSE)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .execute();
}
