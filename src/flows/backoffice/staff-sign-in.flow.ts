import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { recordAudit, type AuditContext } from '../../infra/audit/audit.repository.js';
import { dummyVerify, verifyPassword } from '../../infra/crypto/password-hash.js';
import type { Database, StaffUser } from '../../infra/db/tables.js';
import { bucket, hit } from '../../infra/rate-limit/rate-limit.js';
import {
  beginAttempt,
  clearThrottle,
  signInPaused,
  STAFF_SIGN_IN,
  type Attempt,
  type Gate,
} from '../../identity/sign-in-throttle.js';
import { findStaffByUsername } from './staff.repository.js';
import { staffActor } from './staff-users.flow.js';
export { matchTotp } from '../../identity/totp.js';

// R23 staff sign-in: password, then an authenticator code, always. Throttling as R9 for members but tighter
// (staff accounts open every member's data): every counter is keyed by the typed username, known or not, so the
// answers and the lock reveal nothing about which usernames exist. Wrong authenticator codes count as failures too,
// so someone who has the password cannot guess codes across restarted sign-ins.

export const STAFF_LOCK_AFTER_FAILURES = STAFF_SIGN_IN.lockAfter;
export const STAFF_LOCK_MS = STAFF_SIGN_IN.lockMs;
export const STAFF_FAILURES_PER_ADDRESS_PER_HOUR = STAFF_SIGN_IN.maxPerAddressPerHour;
/** Wrong codes within one sign-in before it starts over (and each counts toward the lock). */
export const STAFF_MAX_WRONG_CODES = 5;
const HOUR = 3_600_000;
const MAX_USERNAME = 40;

export interface StaffSignInDeps {
  db: Kysely<Database>;
  clock: Clock;
  audit: AuditContext;
}

export type StaffPasswordOutcome =
  | { kind: 'ok'; user: StaffUser }
  | { kind: 'failed' }
  | { kind: 'locked' }
  | { kind: 'address_limited' }
  | { kind: 'disabled' };

/**
 * A staff username as stored: trimmed and lower-case; anything longer than a username may be is cut (and cannot match).
 */
export function normaliseStaffUsername(input: string): string {
  return input
    .trim()
    .toLowerCase()
    .slice(0, MAX_USERNAME + 1);
}

/** Counts one sign-in attempt (a password or a code) for the typed username before it is checked (R9, R23). */
export function beginStaffAttempt(deps: StaffSignInDeps, username: string): Promise<Gate> {
  return beginAttempt(deps.db, deps.clock, STAFF_SIGN_IN, username, { ip: deps.audit.ip ?? 'unknown' });
}

/** Records a refusal by the throttle (a pause or the address limit). */
export async function recordStaffRefusal(
  deps: StaffSignInDeps,
  user: StaffUser | undefined,
  gate: Exclude<Gate, { kind: 'open' }>,
  factor: 'password' | 'totp' | 'passkey',
): Promise<void> {
  const reason = gate.kind === 'address_limited' ? 'address_limit' : 'locked';
  await recordAudit(deps.db, deps.clock, deps.audit, {
    event: 'staff.signin',
    outcome: 'refused',
    actor: user ? staffActor(user.username) : null,
    details: { factor, reason },
  });
}

/**
 * A failed attempt (a wrong password, an unknown username or a wrong code): its counts stay, it is recorded, and the
 * one attempt that reached the 5th failure in a row pauses the username for 15 minutes (temporary, never permanent).
 */
export async function recordStaffFailure(
  deps: StaffSignInDeps,
  user: StaffUser | undefined,
  attempt: Attempt,
  reason: string,
  factor: 'password' | 'totp' | 'passkey',
): Promise<{ paused: boolean }> {
  const { db, clock } = deps;
  const { paused, until } = await attempt.failed();
  await recordAudit(db, clock, deps.audit, {
    event: 'staff.signin',
    outcome: 'failure',
    actor: user ? staffActor(user.username) : null,
    details: { factor, reason, consecutive: attempt.streak },
  });
  if (user)
    await db
      .updateTable('staff_users')
      .set({ failed_logins: attempt.streak, ...(paused ? { locked_until: until } : {}) })
      .where('id', '=', user.id)
      .execute();
  if (paused && user) {
    await recordAudit(db, clock, deps.audit, {
      event: 'staff.locked',
      outcome: 'info',
      actor: staffActor(user.username),
      subject: staffActor(user.username),
      details: { until },
    });
  }
  return { paused };
}

/** True while the username is paused (after repeated failures). */
export function staffLocked(deps: StaffSignInDeps, username: string): Promise<boolean> {
  return signInPaused(deps.db, deps.clock, STAFF_SIGN_IN, username);
}

/**
 * First step: the attempt is counted first; refused while the address limit or a pause holds; then the password is
 * checked, or the same argon2id work done for an unknown username, so both get the same answer in about the same time.
 */
export async function staffPasswordStep(
  deps: StaffSignInDeps,
  rawUsername: string,
  password: string,
): Promise<StaffPasswordOutcome> {
  const { db, clock } = deps;
  const username = normaliseStaffUsername(rawUsername);
  const user = username.length <= MAX_USERNAME && username !== '' ? await findStaffByUsername(db, username) : undefined;
  const actor = user ? staffActor(user.username) : null;
  const gate = await beginStaffAttempt(deps, username);
  if (gate.kind !== 'open') {
    await recordStaffRefusal(deps, user, gate, 'password');
    return { kind: gate.kind === 'address_limited' ? 'address_limited' : 'locked' };
  }
  const typed = password.slice(0, 1000);
  const valid = user ? await verifyPassword(user.password_hash, typed) : (await dummyVerify(typed), false);
  if (!valid || !user) {
    await recordStaffFailure(deps, user, gate.attempt, user ? 'wrong_password' : 'unknown_username', 'password');
    return { kind: 'failed' };
  }
  await gate.attempt.withdraw();
  if (user.status !== 'active') {
    await recordAudit(db, clock, deps.audit, {
      event: 'staff.signin',
      outcome: 'refused',
      actor,
      details: { factor: 'password', reason: 'disabled' },
    });
    return { kind: 'disabled' };
  }
  await recordAudit(db, clock, deps.audit, {
    event: 'staff.signin',
    outcome: 'success',
    actor,
    details: { factor: 'password' },
  });
  return { kind: 'ok', user };
}

/** Counts one code try in a sign-in before checking it, atomically; true when it is one too many. */
export async function codeTriesExhausted(deps: StaffSignInDeps, flowId: string): Promise<boolean> {
  return (await hit(deps.db, deps.clock, bucket('staff-totp-try', flowId), HOUR)) > STAFF_MAX_WRONG_CODES;
}

/** Forgets a username's failure streak and lifts its lock (after a sign-in, or an administrator's password reset). */
export async function clearStaffThrottle(db: Kysely<Database>, username: string): Promise<void> {
  await clearThrottle(db, STAFF_SIGN_IN, username);
}

/** Both steps passed: the failure streak and any lock are cleared, the sign-in recorded. */
export async function staffSignedIn(
  deps: StaffSignInDeps,
  user: StaffUser,
  enrolled: boolean,
  factor: 'totp' | 'passkey' = 'totp',
): Promise<void> {
  const { db, clock } = deps;
  const now = clock.now().toISOString();
  await clearStaffThrottle(db, user.username);
  await db
    .updateTable('staff_users')
    .set({ failed_logins: 0, locked_until: null, last_sign_in_at: now })
    .where('id', '=', user.id)
    .execute();
  await recordAudit(db, clock, deps.audit, {
    event: 'staff.signin',
    outcome: 'success',
    actor: staffActor(user.username),
    details: { factor, enrolled },
  });
}
