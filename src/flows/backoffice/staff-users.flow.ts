import type { Kysely } from 'kysely';
import { generateSecret, generateURI } from 'otplib';
import type { Clock } from '../../clock.js';
import { parseEmail } from '../../domain/email.js';
import type { FieldError } from '../../domain/result.js';
import { recordAudit, type AuditContext } from '../../infra/audit/audit.repository.js';
import { hashPassword } from '../../infra/crypto/password-hash.js';
import { randomToken } from '../../infra/crypto/tokens.js';
import type { Database, StaffUser } from '../../infra/db/tables.js';
import { findStaffByUsername, type StaffRole } from './staff.repository.js';
import type { SecretBox } from '../../infra/crypto/secret-box.js';
import type { Lang } from '../../infra/i18n/i18n.js';
import { sendPasswordLink, type StaffPasswordDeps } from './staff-password.flow.js';

// R23: creating staff users, by an administrator in the back office or by the CLI for the first administrator.

/** How a staff user appears as the actor of audit events (R22): `staff:<username>`. */
export const staffActor = (username: string): string => `staff:${username}`;

const USERNAME = /^[a-z0-9][a-z0-9._-]{2,39}$/;
const MAX_NAME = 100;

export interface NewStaff {
  username: string;
  displayName: string;
  email: string;
  role: StaffRole;
}

/** Checks the fields of a new staff user; the username is lower-cased (what people type at sign-in). */
export function parseNewStaff(input: {
  username: string;
  displayName: string;
  email: string;
  role: string;
}): { ok: true; value: NewStaff } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const username = input.username.trim().toLowerCase();
  if (username === '') errors.push({ field: 'username', code: 'required' });
  else if (!USERNAME.test(username)) errors.push({ field: 'username', code: 'staff_username_invalid' });
  const displayName = input.displayName.trim().replace(/\s+/g, ' ');
  if (displayName.length > MAX_NAME) errors.push({ field: 'displayName', code: 'too_long', params: { max: MAX_NAME } });
  const email = parseEmail(input.email);
  if (!email.ok) errors.push(...email.errors);
  if (input.role !== 'agent' && input.role !== 'admin') errors.push({ field: 'role', code: 'required' });
  if (errors.length || !email.ok) return { ok: false, errors };
  return {
    ok: true,
    value: { username, displayName: displayName || username, email: email.value, role: input.role as StaffRole },
  };
}

/** A generated password of 144 random bits (24 base64url characters): shown once, never stored in clear. */
export function generateStaffPassword(): string {
  return randomToken(18);
}

export type CreateStaffResult =
  { kind: 'created'; user: StaffUser; password?: string; totpUri?: string } | { kind: 'taken' };

/**
 * Creates a staff user, audited with the creator as actor (R22). Two ways, by who creates it (issue 15):
 *   - an administrator in the back office (`emailLink`): no password exists yet; the person is emailed a single-use
 *     link to choose their own, so the administrator never knows it, and enrols an app at the first sign-in;
 *   - the CLI's first administrator: a generated password returned once (for the terminal), to be changed at the
 *     first sign-in, and with `withTotp` a TOTP secret enrolled at once, its otpauth:// URI returned.
 */
export async function createStaffUser(
  deps: { db: Kysely<Database>; clock: Clock; audit: AuditContext; issuer: string; box: SecretBox },
  staff: NewStaff,
  by: { actor: string; withTotp?: boolean; emailLink?: { deps: StaffPasswordDeps; lang: Lang } },
): Promise<CreateStaffResult> {
  const { db, clock } = deps;
  if (await findStaffByUsername(db, staff.username)) return { kind: 'taken' };
  const password = by.emailLink ? undefined : generateStaffPassword();
  const passwordHash = await hashPassword(password ?? randomToken(32));
  const secret = by.withTotp ? generateSecret() : null;
  const now = clock.now().toISOString();
  const user = await db.transaction().execute(async (trx) => {
    // The unique index settles a race between two creations of the same username: the loser gets 'taken'.
    const row = await trx
      .insertInto('staff_users')
      .values({
        username: staff.username,
        display_name: staff.displayName,
        email: staff.email,
        role: staff.role,
        password_hash: passwordHash,
        password_must_change: password ? 1 : 0,
        totp_secret: secret ? deps.box.seal(secret) : null,
        totp_enabled_at: secret ? now : null,
        totp_last_step: null,
        status: 'active',
        locked_until: null,
        last_sign_in_at: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.column('username').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) return undefined;
    if (by.emailLink) await sendPasswordLink(trx, by.emailLink.deps, row, 'created', by.emailLink.lang);
    else
      await trx
        .insertInto('staff_password_history')
        .values({ staff_user_id: row.id, password_hash: passwordHash, created_at: now })
        .execute();
    await recordAudit(trx, clock, deps.audit, {
      event: 'staff.created',
      outcome: 'success',
      actor: by.actor,
      subject: staffActor(row.username),
      details: { role: row.role, totp: Boolean(secret), password: password ? 'generated' : 'emailed_link' },
    });
    return row;
  });
  if (!user) return { kind: 'taken' };
  return {
    kind: 'created',
    user,
    ...(password ? { password } : {}),
    ...(secret ? { totpUri: totpUri(deps.issuer, user.username, secret) } : {}),
  };
}

/** The otpauth:// address an authenticator app reads (from a QR code or pasted), labelled for the back office. */
export function totpUri(issuer: string, username: string, secret: string): string {
  return generateURI({ issuer: `${issuer} (back office)`, label: username, secret });
}
