import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { recordAudit, type AuditContext } from '../infra/audit/audit.repository.js';
import type { Database } from '../infra/db/tables.js';

// R36, LOPDGDD art. 32: a member closes their portal account. It is BLOCKED at once (status 'closed': no sign-in,
// sessions and OpenID grants ended, passkeys removed, pending codes and links voided, nothing more sent but the
// confirmation), KEPT blocked (customer service sees only "closed on <date>" and may reopen it on the member's
// request) for CLOSED_ACCOUNT_RETENTION_DAYS, then PURGED by purgeClosedAccounts: the portal account and everything
// hanging on it, one transaction per account. The member records (the insurer's contract data) stay, unlinked; the
// audit trail stays (append-only, kept for the insurer's own retention, docs/security.md).

const DAY = 86_400_000;

/** The last instant a closed account can still be reopened (and the earliest the purge removes it). */
export function blockedUntil(closedAt: string, retentionDays: number): string {
  return new Date(new Date(closedAt).getTime() + retentionDays * DAY).toISOString();
}

/**
 * Blocks an active account (run inside the caller's transaction, with its audit event and confirmation email).
 * False when it was no longer active (closed meanwhile by a second submit, or disabled): nothing is changed then.
 */
export async function closeAccount(trx: Kysely<Database>, clock: Clock, accountId: number): Promise<boolean> {
  const now = clock.now().toISOString();
  const closed = await trx
    .updateTable('accounts')
    .set({ status: 'closed', closed_at: now, updated_at: now, preferred_channel: null })
    .where('id', '=', accountId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (Number(closed.numUpdatedRows) !== 1) return false;
  await trx
    .updateTable('sessions')
    .set({ ended_at: now })
    .where('account_id', '=', accountId)
    .where('ended_at', 'is', null)
    .execute();
  await trx.deleteFrom('passkeys').where('account_id', '=', accountId).execute();
  await trx
    .updateTable('one_time_tokens')
    .set({ voided_at: now })
    .where('account_id', '=', accountId)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .execute();
  await trx.deleteFrom('flows').where('account_id', '=', accountId).execute();
  // R35: every app the member let sign them in loses its grant, codes and tokens, on every node at once.
  await trx.deleteFrom('oidc_payloads').where('account_id', '=', String(accountId)).execute();
  await withdrawWaitingMessages(trx, now, accountId);
  return true;
}

/**
 * R36, "no emails but the confirmation": messages still waiting in the outbox (an SMTP or SMS outage holds them for
 * hours) to the account's email or mobile are withdrawn: marked failed and blanked like a sent one (R29), so the
 * outbox's history still shows them. The outbox does not say whose a message is, so an address another live account
 * also has (a couple sharing one email) keeps its messages: they may be the other member's. A message a node is
 * sending at this moment (claimed, its lease running) is not stopped.
 */
async function withdrawWaitingMessages(trx: Kysely<Database>, now: string, accountId: number): Promise<void> {
  const account = await trx
    .selectFrom('accounts')
    .select(['email', 'mobile'])
    .where('id', '=', accountId)
    .executeTakeFirstOrThrow();
  const addresses = [
    ['email', account.email],
    ['sms', account.mobile],
  ] as const;
  for (const [channel, address] of addresses) {
    if (!address) continue;
    const column = channel === 'email' ? 'email' : 'mobile';
    const shared = await trx
      .selectFrom('accounts')
      .select('id')
      .where(column, '=', address)
      .where('id', '!=', accountId)
      .where('status', '!=', 'closed')
      .executeTakeFirst();
    if (shared) continue;
    await trx
      .updateTable('outbox')
      .set({
        status: 'failed',
        last_error: 'withdrawn: the account was closed (R36)',
        subject: null,
        body_text: '',
        body_html: null,
        locked_until: null,
        locked_by: null,
      })
      .where('channel', '=', channel)
      .where('recipient', '=', address)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
      .execute();
  }
}

/**
 * Customer service lifts the block on the member's request, within the retention (R36). False when the account is
 * not closed, or its retention has run out (the purge may be removing it now).
 */
export async function reopenAccount(
  trx: Kysely<Database>,
  clock: Clock,
  accountId: number,
  retentionDays: number,
): Promise<boolean> {
  const now = clock.now();
  const cutoff = new Date(now.getTime() - retentionDays * DAY).toISOString();
  const reopened = await trx
    .updateTable('accounts')
    .set({ status: 'active', closed_at: null, updated_at: now.toISOString() })
    .where('id', '=', accountId)
    .where('status', '=', 'closed')
    .where('closed_at', '>', cutoff)
    .executeTakeFirst();
  return Number(reopened.numUpdatedRows) === 1;
}

/** Accounts purged per run: a backlog is worked off over several runs, never in one long stretch. */
export const PURGE_BATCH = 100;

/**
 * Removes the closed accounts whose retention has run out, each in its own transaction. Safe on every node at once:
 * each transaction first claims its account with a conditional update that only one node's can match (PostgreSQL
 * makes the others wait on the row lock, then finds it gone; SQLite runs one writer at a time), so an account is
 * purged, and its `account.purged` event written, exactly once. Gives the number this call purged.
 */
export async function purgeClosedAccounts(
  db: Kysely<Database>,
  clock: Clock,
  retentionDays: number,
  audit: AuditContext = {},
): Promise<number> {
  const cutoff = new Date(clock.now().getTime() - retentionDays * DAY).toISOString();
  const due = await db
    .selectFrom('accounts')
    .select('id')
    .where('status', '=', 'closed')
    .where('closed_at', '<=', cutoff)
    .orderBy('closed_at')
    .limit(PURGE_BATCH)
    .execute();
  let purged = 0;
  for (const { id } of due) if (await purgeOne(db, clock, id, cutoff, audit)) purged++;
  return purged;
}

async function purgeOne(
  db: Kysely<Database>,
  clock: Clock,
  accountId: number,
  cutoff: string,
  audit: AuditContext,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .updateTable('accounts')
      .set({ updated_at: clock.now().toISOString() })
      .where('id', '=', accountId)
      .where('status', '=', 'closed')
      .where('closed_at', '<=', cutoff)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return false;
    // The requests sent from the portal and their files (the core system holds its own copy of each request, R31).
    const requestIds = (
      await trx.selectFrom('requests').select('id').where('account_id', '=', accountId).execute()
    ).map((r) => r.id);
    const fileIds = new Set<number>();
    if (requestIds.length) {
      for (const f of await trx
        .selectFrom('request_files')
        .select('file_id')
        .where('request_id', 'in', requestIds)
        .execute())
        fileIds.add(f.file_id);
      await trx.deleteFrom('request_files').where('request_id', 'in', requestIds).execute();
      await trx.deleteFrom('request_events').where('request_id', 'in', requestIds).execute();
      await trx.deleteFrom('requests').where('id', 'in', requestIds).execute();
    }
    for (const f of await trx.selectFrom('files').select('id').where('account_id', '=', accountId).execute())
      fileIds.add(f.id);
    if (fileIds.size) {
      // A file still attached to another account's request (none is, today) stays.
      const shared = new Set(
        (
          await trx
            .selectFrom('request_files')
            .select('file_id')
            .where('file_id', 'in', [...fileIds])
            .execute()
        ).map((r) => r.file_id),
      );
      const gone = [...fileIds].filter((id) => !shared.has(id));
      if (gone.length) await trx.deleteFrom('files').where('id', 'in', gone).execute();
    }
    for (const table of [
      'sessions',
      'one_time_tokens',
      'flows',
      'password_history',
      'passkeys',
      'known_devices',
    ] as const)
      await trx.deleteFrom(table).where('account_id', '=', accountId).execute();
    // The member records are the insurer's contract data: they stay, no longer linked to a portal account.
    await trx.updateTable('members').set({ account_id: null }).where('account_id', '=', accountId).execute();
    await trx.deleteFrom('accounts').where('id', '=', accountId).execute();
    // The trail keeps the fact, not the person: no username, no contact data.
    await recordAudit(trx, clock, audit, {
      event: 'account.purged',
      outcome: 'success',
      actor: 'system:purge',
      accountId,
      details: { requests: requestIds.length, files: fileIds.size },
    });
    return true;
  });
}
