import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Db } from '../../src/infra/db/database.js';

/**
 * No half-written rows (issue 9, R5, R25): every account has a password-history entry and a linked member record,
 * and every queued message has a recipient and a body. Used after fuzzed requests and after injected faults.
 */
export async function assertNoHalfWrittenRows(db: Db, note = ''): Promise<void> {
  const k = db.kysely;
  const orphanAccounts = await k
    .selectFrom('accounts')
    .select(['accounts.id', 'accounts.username'])
    .where((eb) =>
      eb.or([
        eb.not(
          eb.exists(
            eb
              .selectFrom('password_history')
              .select(sql`1`.as('x'))
              .whereRef('password_history.account_id', '=', 'accounts.id'),
          ),
        ),
        eb.not(
          eb.exists(
            eb
              .selectFrom('members')
              .select(sql`1`.as('x'))
              .whereRef('members.account_id', '=', 'accounts.id'),
          ),
        ),
      ]),
    )
    .execute();
  assert.deepEqual(orphanAccounts, [], `accounts without a password history or a linked member ${note}`);
  const emptyMessages = await k
    .selectFrom('outbox')
    .select(['id', 'channel', 'template'])
    .where((eb) =>
      eb.or([
        eb('recipient', '=', ''),
        eb('body_text', '=', ''),
        eb.and([eb('channel', '=', 'email'), eb.or([eb('subject', 'is', null), eb('subject', '=', '')])]),
      ]),
    )
    .execute();
  assert.deepEqual(emptyMessages, [], `outbox rows without a recipient, subject or body ${note}`);
}
