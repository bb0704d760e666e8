import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { hashToken, randomToken } from '../infra/crypto/tokens.js';
import type { Database } from '../infra/db/tables.js';
import type { Lang } from '../infra/i18n/i18n.js';
import type { Courier } from '../infra/outbox/courier.js';
import { recoveryEmail } from './recovery-links.emails.js';
import { lockAccount } from './accounts.js';

/** The one_time_tokens purpose of password recovery links (R11). */
export const RECOVERY_PURPOSE = 'recovery';

/** R11: a recovery link is valid 24 hours. */
export const RECOVERY_LINK_TTL_MS = 24 * 3_600_000;

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

export interface RecoveryLinkDeps {
  clock: Clock;
  courier: Courier;
  publicUrl: string;
}

/**
 * Issues a recovery link (R11) and queues its email, in the caller's transaction: every earlier unused link of the
 * account is voided, a new ≥128-bit token is stored only as its hash, valid 24 hours, single use. With no target
 * (an unknown username: see POST /recovery/send) the very same statements run, for a caller that rolls them back.
 * Used by password recovery and by "this wasn't me" (R28), so both send the same link under the same rules.
 */
export async function issueRecoveryLink(
  trx: Kysely<Database>,
  deps: RecoveryLinkDeps,
  target: { id: number; email: string; language: Lang } | undefined,
  lang: Lang,
): Promise<void> {
  const token = randomToken();
  const now = deps.clock.now();
  await lockAccount(trx, target?.id ?? -1);
  await voidRecoveryLinks(trx, target?.id ?? -1, now.toISOString());
  await trx
    .insertInto('one_time_tokens')
    .values({
      purpose: RECOVERY_PURPOSE,
      token_hash: hashToken(token),
      account_id: target?.id ?? null,
      channel: 'email',
      destination: target?.email ?? null,
      expires_at: new Date(now.getTime() + RECOVERY_LINK_TTL_MS).toISOString(),
      created_at: now.toISOString(),
    })
    .execute();
  await deps.courier.email(trx, target?.email ?? 'nobody@invalid', target?.language ?? lang, recoveryEmail, {
    link: `${deps.publicUrl}/recovery/reset/${token}`,
  });
}
