import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { recordAudit, type AuditContext } from '../infra/audit/audit.repository.js';
import { hashToken } from '../infra/crypto/tokens.js';
import type { Account, Database } from '../infra/db/tables.js';
import { SIGN_IN_FLOW } from '../infra/flows/flow-store.js';
import type { Sessions } from '../infra/session/session.js';
import { forgetDevices, NOT_ME_PURPOSE } from './devices.js';
import { issueRecoveryLink, type RecoveryLinkDeps } from './recovery-links.js';
import { findAccount } from './accounts.js';

// R28 "this wasn't me": from the new-device email's link or from the security page. Everything an intruder could be
// holding is taken away in one transaction: every session, every sign-in waiting for its code, every passkey (one may
// be the intruder's), the devices the account trusted (so the intruder's next sign-in is reported again), and a
// recovery link goes to the member (R11).

export interface NotMeDeps extends RecoveryLinkDeps {
  sessions: Pick<Sessions, 'endAll'>;
}

/** A "this wasn't me" link that can still be used, with its account. */
export async function findNotMeLink(
  db: Kysely<Database>,
  clock: Clock,
  token: string,
): Promise<{ id: number; account: Account } | undefined> {
  if (token.length > 100) return undefined;
  const row = await db
    .selectFrom('one_time_tokens')
    .select(['id', 'account_id'])
    .where('purpose', '=', NOT_ME_PURPOSE)
    .where('token_hash', '=', hashToken(token))
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .where('expires_at', '>', clock.now().toISOString())
    .executeTakeFirst();
  if (!row?.account_id) return undefined;
  const account = await findAccount(db, row.account_id);
  return account ? { id: row.id, account } : undefined;
}

/**
 * Ends every session of the account (the caller's included), its pending sign-ins and known devices, voids its
 * other "wasn't me" links and sends a recovery link, all in the caller's transaction; audited (R22).
 */
export async function disownSignIns(
  trx: Kysely<Database>,
  deps: NotMeDeps,
  account: Account,
  audit: AuditContext,
  via: 'email-link' | 'security-page',
): Promise<void> {
  const now = deps.clock.now().toISOString();
  await deps.sessions.endAll(trx, account.id);
  await trx.deleteFrom('flows').where('account_id', '=', account.id).where('kind', '=', SIGN_IN_FLOW).execute();
  await forgetDevices(trx, account.id);
  // R27: an intruder who got in may have added a passkey, which would sign in again without the new password.
  const passkeys = await trx.deleteFrom('passkeys').where('account_id', '=', account.id).executeTakeFirst();
  await trx
    .updateTable('one_time_tokens')
    .set({ voided_at: now })
    .where('account_id', '=', account.id)
    .where('purpose', '=', NOT_ME_PURPOSE)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .execute();
  if (account.status === 'active') await issueRecoveryLink(trx, deps, account, account.language);
  await recordAudit(trx, deps.clock, audit, {
    event: 'signin.not_me',
    outcome: 'success',
    actor: account.username,
    accountId: account.id,
    details: { via, recovery_sent: account.status === 'active', passkeys_removed: Number(passkeys.numDeletedRows) },
  });
}

/** Uses a "this wasn't me" link once (atomic: a second click, or a second tab, finds it used) and disowns. */
export async function useNotMeLink(
  db: Kysely<Database>,
  deps: NotMeDeps,
  linkId: number,
  account: Account,
  audit: AuditContext,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const now = deps.clock.now().toISOString();
    const used = await trx
      .updateTable('one_time_tokens')
      .set({ used_at: now })
      .where('id', '=', linkId)
      .where('used_at', 'is', null)
      .where('voided_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) return false;
    await disownSignIns(trx, deps, account, audit, 'email-link');
    return true;
  });
}
