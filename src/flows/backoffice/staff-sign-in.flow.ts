import type { Kysely } from 'kysely';
import { verify } from 'otplib';
import type { Clock } from '../../clock.js';
import { recordAudit, type AuditContext } from '../../infra/audit/audit.repository.js';
import { dummyVerify, verifyPassword } from '../../infra/crypto/password-hash.js';
import type { Database, StaffUser } from '../../infra/db/tables.js';
import { bucket, count, hit, reset } from '../../infra/rate-limit/rate-limit.js';
import { findStaffByUsername } from './staff.repository.js';
import { staffActor } from './staff-users.flow.js';

// R23 staff sign-in: password, then an authenticator code, always. Throttling as R9 for members but tighter
// (staff accounts open every member's data): every counter is keyed by the typed username, known or not, so the
// answers and the lock reveal nothing about which usernames exist. Wrong authenticator codes count as failures too,
// so someone who has the password cannot guess codes across restarted sign-ins.

export const STAFF_LOCK_AFTER_FAILURES = 5;
export const STAFF_LOCK_MS = 15 * 60_000;
export const STAFF_FAILURES_PER_ADDRESS_PER_HOUR = 50;
/** Wrong codes within one sign-in before it starts over (and each counts toward the lock). */
export const STAFF_MAX_WRONG_CODES = 5;
const HOUR = 3_600_000;
const FAILURE_WINDOW = 24 * HOUR;
const MAX_USERNAME = 40;

export interface StaffSignInDeps {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditContext;
}

export type StaffPasswordOutcome = { kind: 'ok'; user: StaffUser } | { kind: 'failed' } | { kind: 'locked' } | { kind: 'address_limited' } | { kind: 'disabled' };

/** A staff username as stored: trimmed and lower-case; anything longer than a username may be is cut (and cannot match). */
export function normaliseStaffUsername(input: string): string {
  return input.trim().toLowerCase().slice(0, MAX_USERNAME + 1);
}

async function lockActive(db: Kysely<Database>, clock: Clock, username: string): Promise<boolean> {
  const row = await db.selectFrom('rate_limits').select('bucket').where('bucket', '=', bucket('staff-lock', username)).where('expires_at', '>', clock.now().toISOString()).executeTakeFirst();
  return row !== undefined;
}

/**
 * Counts one failure (a wrong password, an unknown username or a wrong code) for the typed username and the client
 * address, records it, and at the 5th in a row locks the username for 15 minutes (temporary, never permanent).
 */
export async function recordStaffFailure(deps: StaffSignInDeps, username: string, user: StaffUser | undefined, reason: string, factor: 'password' | 'totp'): Promise<void> {
  const { db, clock } = deps;
  const [failures] = await Promise.all([hit(db, clock, bucket('staff-fail', username), FAILURE_WINDOW), hit(db, clock, bucket('staff-ip', deps.audit.ip ?? 'unknown'), HOUR)]);
  await recordAudit(db, clock, deps.audit, {
    event: 'staff.signin',
    outcome: 'failure',
    actor: user ? staffActor(user.username) : null,
    details: { factor, reason, consecutive: failures },
  });
  if (user) await db.updateTable('staff_users').set({ failed_logins: failures }).where('id', '=', user.id).execute();
  if (failures < STAFF_LOCK_AFTER_FAILURES) return;
  const now = clock.now();
  const until = new Date(now.getTime() + STAFF_LOCK_MS).toISOString();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('rate_limits').where('bucket', '=', bucket('staff-lock', username)).execute();
    await trx.insertInto('rate_limits').values({ bucket: bucket('staff-lock', username), window_start: now.toISOString(), count: 1, expires_at: until }).execute();
    if (user) {
      await trx.updateTable('staff_users').set({ locked_until: until }).where('id', '=', user.id).execute();
      await recordAudit(trx, clock, deps.audit, { event: 'staff.locked', outcome: 'info', actor: staffActor(user.username), subject: staffActor(user.username), details: { until } });
    }
  });
  // The streak that caused the lock is spent: after the lock, five more tries.
  await reset(db, bucket('staff-fail', username));
}

/** True while the username is locked (after repeated failures). */
export function staffLocked(deps: StaffSignInDeps, username: string): Promise<boolean> {
  return lockActive(deps.db, deps.clock, username);
}

/**
 * First step: refuses while the address limit or a lock holds, then checks the password, or does the same argon2id
 * work for an unknown username, so both get the same answer in about the same time.
 */
export async function staffPasswordStep(deps: StaffSignInDeps, rawUsername: string, password: string): Promise<StaffPasswordOutcome> {
  const { db, clock } = deps;
  const username = normaliseStaffUsername(rawUsername);
  const user = username.length <= MAX_USERNAME && username !== '' ? await findStaffByUsername(db, username) : undefined;
  const actor = user ? staffActor(user.username) : null;
  const [addressFailures, locked] = await Promise.all([count(db, clock, bucket('staff-ip', deps.audit.ip ?? 'unknown'), HOUR), lockActive(db, clock, username)]);
  if (addressFailures >= STAFF_FAILURES_PER_ADDRESS_PER_HOUR) {
    await recordAudit(db, clock, deps.audit, { event: 'staff.signin', outcome: 'refused', actor, details: { factor: 'password', reason: 'address_limit' } });
    return { kind: 'address_limited' };
  }
  if (locked) {
    await recordAudit(db, clock, deps.audit, { event: 'staff.signin', outcome: 'refused', actor, details: { factor: 'password', reason: 'locked' } });
    return { kind: 'locked' };
  }
  const typed = password.slice(0, 1000);
  const valid = user ? await verifyPassword(user.password_hash, typed) : (await dummyVerify(typed), false);
  if (!valid || !user) {
    await recordStaffFailure(deps, username, user, user ? 'wrong_password' : 'unknown_username', 'password');
    return { kind: 'failed' };
  }
  if (user.status !== 'active') {
    await recordAudit(db, clock, deps.audit, { event: 'staff.signin', outcome: 'refused', actor, details: { factor: 'password', reason: 'disabled' } });
    return { kind: 'disabled' };
  }
  await recordAudit(db, clock, deps.audit, { event: 'staff.signin', outcome: 'success', actor, details: { factor: 'password' } });
  return { kind: 'ok', user };
}

/**
 * The RFC 6238 time step an authenticator code matches (one 30-second step of drift either way), later than
 * `afterStep` when given; undefined for anything else. Same otplib use as the members' factor (totp-factor.ts).
 */
export async function matchTotp(secret: string, answer: string, now: Date, afterStep: number | null): Promise<number | undefined> {
  const token = answer.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const result = await verify({ secret, token, epoch: Math.floor(now.getTime() / 1000), epochTolerance: 30, ...(afterStep !== null ? { afterTimeStep: afterStep } : {}) });
  // otplib's TOTP result carries the matched time step (its shared result type does not say so).
  return result.valid ? (result as { timeStep?: number }).timeStep : undefined;
}

/** Counts one code try in a sign-in before checking it, atomically; true when it is one too many. */
export async function codeTriesExhausted(deps: StaffSignInDeps, flowId: string): Promise<boolean> {
  return (await hit(deps.db, deps.clock, bucket('staff-totp-try', flowId), HOUR)) > STAFF_MAX_WRONG_CODES;
}

/** Forgets a username's failure streak and lifts its lock (after a sign-in, or an administrator's password reset). */
export async function clearStaffThrottle(db: Kysely<Database>, username: string): Promise<void> {
  await reset(db, bucket('staff-fail', username));
  await reset(db, bucket('staff-lock', username));
}

/** Both steps passed: the failure streak and any lock are cleared, the sign-in recorded. */
export async function staffSignedIn(deps: StaffSignInDeps, user: StaffUser, enrolled: boolean): Promise<void> {
  const { db, clock } = deps;
  const now = clock.now().toISOString();
  await clearStaffThrottle(db, user.username);
  await db.updateTable('staff_users').set({ failed_logins: 0, locked_until: null, last_sign_in_at: now }).where('id', '=', user.id).execute();
  await recordAudit(db, clock, deps.audit, { event: 'staff.signin', outcome: 'success', actor: staffActor(user.username), details: { factor: 'totp', enrolled } });
}
