import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { normaliseDocumentNumber } from '../../domain/identity-document.js';
import { recordAudit, type AuditContext } from '../../infra/audit/audit.repository.js';
import type { Captcha } from '../../infra/captcha/captcha.js';
import { dummyVerify, verifyPassword } from '../../infra/crypto/password-hash.js';
import type { Account, Database } from '../../infra/db/tables.js';
import type { Metrics } from '../../infra/metrics/metrics.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { addressKey, bucket, count, hit, reset } from '../../infra/rate-limit/rate-limit.js';
import { accountLockedEmail } from './sign-in.emails.js';

// R9 throttling. Every counter is keyed by the typed username, whether or not it is an account, so an attacker
// learns nothing from when the captcha or the pause appears; only a real account gets the lock email.
export const CAPTCHA_AFTER_FAILURES = 5;
export const LOCK_AFTER_FAILURES = 10;
export const LOCK_MS = 15 * 60_000;
export const MAX_FAILURES_PER_HOUR = 100;
export const MAX_FAILURES_PER_ADDRESS_PER_HOUR = 50;
const HOUR = 3_600_000;
const CONSECUTIVE_WINDOW = 24 * HOUR;

export type PasswordStepOutcome =
  | { kind: 'ok'; account: Account }
  | { kind: 'failed'; captcha: boolean }
  | { kind: 'captcha'; verdict: string }
  | { kind: 'locked' }
  | { kind: 'address_limited' }
  | { kind: 'disabled' };

export interface PasswordStepDeps {
  db: Kysely<Database>;
  clock: Clock;
  courier: Courier;
  captcha: Captcha;
  audit: AuditContext;
  metrics: Metrics;
}

const MAX_USERNAME = 40;

/** The username as R3 stores it; anything longer than a document could be is cut (and cannot match). */
export function normaliseUsername(input: string): string {
  return normaliseDocumentNumber(input.slice(0, MAX_USERNAME * 2)).slice(0, MAX_USERNAME + 1);
}

/** Rolls back the lock notice of a username that is no account's. */
class NoAccount extends Error {}

async function lockActive(db: Kysely<Database>, clock: Clock, username: string): Promise<boolean> {
  const row = await db
    .selectFrom('rate_limits')
    .select('bucket')
    .where('bucket', '=', bucket('signin-lock', username))
    .where('expires_at', '>', clock.now().toISOString())
    .executeTakeFirst();
  return row !== undefined;
}

async function setLock(db: Kysely<Database>, clock: Clock, username: string): Promise<void> {
  const now = clock.now();
  const until = new Date(now.getTime() + LOCK_MS).toISOString();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('rate_limits').where('bucket', '=', bucket('signin-lock', username)).execute();
    await trx.insertInto('rate_limits').values({ bucket: bucket('signin-lock', username), window_start: now.toISOString(), count: 1, expires_at: until }).execute();
  });
}

/** Lifts a lock and the failure count (after a successful sign-in or a password reset: R9, R11). */
export async function clearSignInThrottle(db: Kysely<Database>, username: string): Promise<void> {
  await reset(db, bucket('signin-lock', username));
  await reset(db, bucket('signin-fail', username));
  await db.updateTable('accounts').set({ locked_until: null, failed_logins: 0 }).where('username', '=', username).execute();
}

/**
 * R7 first step and R9: refuses while a lock or a limit holds, asks for the captcha after 5 failures in a row,
 * checks the password (or does the same hashing work for an unknown username), counts failures, and locks for
 * 15 minutes at the 10th, telling the member by email.
 */
export async function passwordStep(deps: PasswordStepDeps, rawUsername: string, password: string, captchaPayload: string | undefined): Promise<PasswordStepOutcome> {
  const { db, clock } = deps;
  const username = normaliseUsername(rawUsername);
  // Per-address counters use the address's /64 for IPv6, so stepping through one subscriber's block does not help.
  const ip = addressKey(deps.audit.ip ?? 'unknown');
  // R22: what was typed as a username is recorded only when it is one; people paste passwords into the wrong field.
  const account = username.length <= MAX_USERNAME ? await db.selectFrom('accounts').selectAll().where('username', '=', username).executeTakeFirst() : undefined;
  const subject = account?.username ?? null;

  const [addressFailures, hourly, consecutive, locked] = await Promise.all([
    count(db, clock, bucket('signin-ip', ip), HOUR),
    count(db, clock, bucket('signin-hour', username), HOUR),
    count(db, clock, bucket('signin-fail', username), CONSECUTIVE_WINDOW),
    lockActive(db, clock, username),
  ]);
  if (addressFailures >= MAX_FAILURES_PER_ADDRESS_PER_HOUR) {
    await recordAudit(db, clock, deps.audit, { event: 'signin.password', outcome: 'refused', actor: subject, details: { reason: 'address_limit' } });
    return { kind: 'address_limited' };
  }
  if (locked || hourly >= MAX_FAILURES_PER_HOUR) {
    await recordAudit(db, clock, deps.audit, { event: 'signin.password', outcome: 'refused', actor: subject, details: { reason: locked ? 'locked' : 'hourly_limit' } });
    return { kind: 'locked' };
  }
  if (consecutive >= CAPTCHA_AFTER_FAILURES) {
    const verdict = await deps.captcha.verify(captchaPayload);
    if (verdict !== 'ok') return { kind: 'captcha', verdict };
  }

  // R7: an unknown username costs the same hashing work, and gets the same answer, as a wrong password.
  const valid = account ? await verifyPassword(account.password_hash, password.slice(0, 1000)) : (await dummyVerify(password.slice(0, 1000)), false);
  if (valid && account) {
    if (account.status === 'disabled') {
      await recordAudit(db, clock, deps.audit, { event: 'signin.password', outcome: 'refused', actor: subject, accountId: account.id, details: { reason: 'disabled' } });
      return { kind: 'disabled' };
    }
    await recordAudit(db, clock, deps.audit, { event: 'signin.password', outcome: 'success', actor: subject, accountId: account.id });
    return { kind: 'ok', account };
  }

  const [failures] = await Promise.all([
    hit(db, clock, bucket('signin-fail', username), CONSECUTIVE_WINDOW),
    hit(db, clock, bucket('signin-hour', username), HOUR),
    hit(db, clock, bucket('signin-ip', ip), HOUR),
  ]);
  await recordAudit(db, clock, deps.audit, {
    event: 'signin.password',
    outcome: 'failure',
    actor: subject,
    accountId: account?.id ?? null,
    details: { reason: account ? 'wrong_password' : 'unknown_username', consecutive: failures },
  });
  if (failures >= LOCK_AFTER_FAILURES) {
    deps.metrics.lockouts.inc();
    await setLock(db, clock, username);
    // Only an account is told of its lock, but an unknown username runs the same statements in a transaction that
    // is then rolled back, so the 10th failure takes as long either way (R7: timing tells nothing).
    const until = new Date(clock.now().getTime() + LOCK_MS).toISOString();
    await db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('accounts').set({ locked_until: until, failed_logins: failures }).where('id', '=', account?.id ?? -1).execute();
        await deps.courier.email(trx, account?.email ?? 'nobody@invalid', account?.language ?? 'es', accountLockedEmail, { minutes: LOCK_MS / 60_000 });
        await recordAudit(trx, clock, deps.audit, { event: 'signin.locked', outcome: 'info', actor: subject, accountId: account?.id ?? null, details: { until } });
        if (!account) throw new NoAccount();
      })
      .catch((error: unknown) => {
        if (!(error instanceof NoAccount)) throw error;
      });
  }
  return { kind: 'failed', captcha: failures >= CAPTCHA_AFTER_FAILURES };
}
