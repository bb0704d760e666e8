import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { checkPassword } from '../../domain/password-policy.js';
import type { FieldError } from '../../domain/result.js';
import { hashPassword, matchesAnyHash } from '../../infra/crypto/password-hash.js';
import { hashToken, randomToken } from '../../infra/crypto/tokens.js';
import type { Database, StaffUser } from '../../infra/db/tables.js';
import type { Lang } from '../../infra/i18n/i18n.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { insurerPasswordPolicy } from '../../domain/password-policy.js';
import { endStaffSessions } from './staff.repository.js';
import { staffPasswordLinkEmail, type StaffLinkReason } from './staff-password.emails.js';

// Issue 15 item 5 (R23, ASVS 6.4.1): staff passwords belong to their owners.
//   - The CLI's first administrator gets a generated password, printed once, that must be changed at the first
//     sign-in (password_must_change) before any other back-office page opens.
//   - A user an administrator creates, a password reset and an authenticator reset all leave the account with no
//     usable password and email the owner a single-use 24-hour link to choose one (only its hash is stored). So an
//     administrator never knows a colleague's password, and cannot enrol an app in their name after a reset: the
//     new app needs the owner's new password.
//   - Every new password follows R4 (the username stands in for the personal data) and the history of 20.

export const STAFF_LINK_TTL_MS = 24 * 3_600_000;

export interface StaffPasswordDeps {
  clock: Clock;
  courier: Courier;
  publicUrl: string;
}

/**
 * Cancels the user's password (a hash of 256 random bits nobody knows, so sign-in runs as for any wrong password),
 * ends their sessions, voids earlier links and emails a new one. Run it in a transaction.
 */
export async function sendPasswordLink(
  trx: Kysely<Database>,
  deps: StaffPasswordDeps,
  user: StaffUser,
  reason: StaffLinkReason,
  lang: Lang,
): Promise<void> {
  const now = deps.clock.now();
  const iso = now.toISOString();
  const token = randomToken();
  await trx
    .updateTable('staff_users')
    .set({ password_hash: await hashPassword(randomToken(32)), password_must_change: 0, updated_at: iso })
    .where('id', '=', user.id)
    .execute();
  await endStaffSessions(trx, user.id, iso);
  await trx
    .updateTable('staff_password_links')
    .set({ voided_at: iso })
    .where('staff_user_id', '=', user.id)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .execute();
  await trx
    .insertInto('staff_password_links')
    .values({
      staff_user_id: user.id,
      token_hash: hashToken(token),
      expires_at: new Date(now.getTime() + STAFF_LINK_TTL_MS).toISOString(),
      created_at: iso,
    })
    .execute();
  await deps.courier.email(trx, user.email, lang, staffPasswordLinkEmail, {
    link: `${deps.publicUrl}/backoffice/password/set/${token}`,
    username: user.username,
    reason,
  });
}

/** The link's row while it can still set a password: unused, not voided, not expired. */
export function findUsableLink(db: Kysely<Database>, clock: Clock, where: { token: string } | { id: number }) {
  let q = db
    .selectFrom('staff_password_links')
    .selectAll()
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .where('expires_at', '>', clock.now().toISOString());
  q = 'token' in where ? q.where('token_hash', '=', hashToken(where.token)) : q.where('id', '=', where.id);
  return q.executeTakeFirst();
}

/** Takes the link, once: true for the one request that does (two tabs submitting at once cannot both). */
export async function useLink(trx: Kysely<Database>, clock: Clock, linkId: number): Promise<boolean> {
  const now = clock.now().toISOString();
  const used = await trx
    .updateTable('staff_password_links')
    .set({ used_at: now })
    .where('id', '=', linkId)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1;
}

/** R4 for a staff password: the rules (the username as personal data), the confirmation, and the last 20 passwords. */
export async function checkNewStaffPassword(
  db: Kysely<Database>,
  user: StaffUser,
  password: string,
  confirmation: string,
) {
  const verdict = checkPassword(password, { username: user.username });
  const errors: FieldError[] = [];
  if (!verdict.ok) errors.push({ field: 'password', code: 'password_rules' });
  else if (await inStaffHistory(db, user, password)) errors.push({ field: 'password', code: 'password_reused' });
  if (password !== confirmation) errors.push({ field: 'password_confirmation', code: 'password_mismatch' });
  return { rules: verdict.rules, errors };
}

async function inStaffHistory(db: Kysely<Database>, user: StaffUser, password: string): Promise<boolean> {
  const rows = await db
    .selectFrom('staff_password_history')
    .select('password_hash')
    .where('staff_user_id', '=', user.id)
    .orderBy('id', 'desc')
    .limit(insurerPasswordPolicy.historySize)
    .execute();
  return matchesAnyHash(password, [user.password_hash, ...rows.map((r) => r.password_hash)]);
}

/** Stores the owner's new password and its history entry; the must-change mark, failures and lock are cleared. */
export async function storeStaffPassword(
  trx: Kysely<Database>,
  clock: Clock,
  staffId: number,
  hash: string,
): Promise<void> {
  const now = clock.now().toISOString();
  await trx
    .updateTable('staff_users')
    .set({ password_hash: hash, password_must_change: 0, failed_logins: 0, locked_until: null, updated_at: now })
    .where('id', '=', staffId)
    .execute();
  await trx
    .insertInto('staff_password_history')
    .values({ staff_user_id: staffId, password_hash: hash, created_at: now })
    .execute();
}
