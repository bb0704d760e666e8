import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { recordAudit, type AuditContext } from '../../infra/audit/audit.repository.js';
import type { Captcha, CaptchaVerdict } from '../../infra/captcha/captcha.js';
import { dummyVerify, verifyPassword } from '../../infra/crypto/password-hash.js';
import type { Account, Database } from '../../infra/db/tables.js';
import type { Metrics } from '../../infra/metrics/metrics.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { beginAttempt, MEMBER_SIGN_IN } from '../../identity/sign-in-throttle.js';
import { trustedDevice } from '../../identity/devices.js';
import { MAX_USERNAME, normaliseUsername } from '../../identity/username.js';
export { normaliseUsername };
import { accountLockedEmail } from './sign-in.emails.js';
import { findAccountByUsername } from '../../identity/accounts.js';

// R9 throttling lives in src/identity/sign-in-throttle.ts; these are its member figures, for the pages and tests.
export const CAPTCHA_AFTER_FAILURES = MEMBER_SIGN_IN.captchaAfter!;
export const LOCK_AFTER_FAILURES = MEMBER_SIGN_IN.lockAfter;
export const LOCK_MS = MEMBER_SIGN_IN.lockMs;
export const MAX_FAILURES_PER_HOUR = MEMBER_SIGN_IN.maxPerHour!;
export const MAX_FAILURES_PER_ADDRESS_PER_HOUR = MEMBER_SIGN_IN.maxPerAddressPerHour;

export type PasswordStepOutcome =
  | { kind: 'ok'; account: Account }
  | { kind: 'failed'; captcha: boolean }
  | { kind: 'captcha'; verdict: Exclude<CaptchaVerdict, 'ok'> }
  | { kind: 'locked' }
  | { kind: 'address_limited' }
  | { kind: 'disabled' }
  | { kind: 'closed' };

export interface PasswordStepDeps {
  db: Kysely<Database>;
  clock: Clock;
  courier: Courier;
  captcha: Captcha;
  audit: AuditContext;
  metrics: Metrics;
  /** This browser's device cookie hash, if it brings one (R9: a known browser keeps its own allowance). */
  deviceHash?: string | undefined;
}

/** Rolls back the pause notice of a username that is no account's. */
class NoAccount extends Error {}

/** A pause just taken (R9): until when, whether it is the first in 24 hours (then emailed), whose it is. */
export interface PauseTaken {
  until: string;
  email: boolean;
  /** A known browser's own pause: strangers' browsers are not paused by it, so the account's lock fields stay. */
  device: boolean;
}

/**
 * R9: the one attempt that paused sign-in records it, and tells the member when it is the day's first pause. The
 * email says which step failed: wrong codes after a right password mean someone has the password. For a username
 * that is no account's, the same statements run in a transaction that is rolled back, so the pausing failure takes as
 * long either way (R7).
 */
export async function notifyPause(
  deps: Pick<PasswordStepDeps, 'db' | 'clock' | 'courier' | 'audit' | 'metrics'>,
  account: Account | undefined,
  streak: number,
  pause: PauseTaken,
  step: 'password' | 'code',
): Promise<void> {
  deps.metrics.lockouts.inc();
  const { until } = pause;
  await deps.db
    .transaction()
    .execute(async (trx) => {
      if (!pause.device)
        await trx
          .updateTable('accounts')
          .set({ locked_until: until, failed_logins: streak })
          .where('id', '=', account?.id ?? -1)
          .execute();
      if (pause.email)
        await deps.courier.email(
          trx,
          account?.email ?? 'nobody@invalid',
          account?.language ?? 'es',
          accountLockedEmail,
          { minutes: LOCK_MS / 60_000, step },
        );
      await recordAudit(trx, deps.clock, deps.audit, {
        event: 'signin.locked',
        outcome: 'info',
        actor: account?.username ?? null,
        accountId: account?.id ?? null,
        details: { until, step, emailed: pause.email, own_device: pause.device },
      });
      if (!account) throw new NoAccount();
    })
    .catch((error: unknown) => {
      if (!(error instanceof NoAccount)) throw error;
    });
}

/**
 * R7 first step and R9: counts the attempt first (src/identity/sign-in-throttle.ts), refuses while a pause or a
 * limit holds, asks for the captcha after 5 failures in a row, checks the password (or does the same hashing work
 * for an unknown username), and pauses sign-in for 15 minutes at the 10th failure in a row, telling the member once.
 */
export async function passwordStep(
  deps: PasswordStepDeps,
  rawUsername: string,
  password: string,
  captchaPayload: string | undefined,
): Promise<PasswordStepOutcome> {
  const { db, clock } = deps;
  const username = normaliseUsername(rawUsername);
  // R22: what was typed as a username is recorded only when it is one; people paste passwords into the wrong field.
  const account = username.length <= MAX_USERNAME ? await findAccountByUsername(db, username) : undefined;
  const subject = account?.username ?? null;

  const device = await trustedDevice(db, clock, username, deps.deviceHash);
  const ip = deps.audit.ip ?? 'unknown';
  const gate = await beginAttempt(db, clock, MEMBER_SIGN_IN, username, { ip, device }, () =>
    deps.captcha.verify(captchaPayload, ip),
  );
  if (gate.kind === 'captcha') return gate;
  if (gate.kind !== 'open') {
    const reason =
      gate.kind === 'address_limited' ? 'address_limit' : gate.kind === 'paused' ? 'locked' : 'hourly_limit';
    await recordAudit(db, clock, deps.audit, {
      event: 'signin.password',
      outcome: 'refused',
      actor: subject,
      details: { reason },
    });
    return gate.kind === 'address_limited' ? { kind: 'address_limited' } : { kind: 'locked' };
  }
  const attempt = gate.attempt;

  // R7: an unknown username costs the same hashing work, and gets the same answer, as a wrong password.
  const valid = account
    ? await verifyPassword(account.password_hash, password.slice(0, 1000))
    : (await dummyVerify(password.slice(0, 1000)), false);
  if (valid && account) {
    await attempt.withdraw();
    if (account.status === 'disabled') {
      await recordAudit(db, clock, deps.audit, {
        event: 'signin.password',
        outcome: 'refused',
        actor: subject,
        accountId: account.id,
        details: { reason: 'disabled' },
      });
      return { kind: 'disabled' };
    }
    // R36: a closed account is blocked; said only after the right password, so it tells a stranger nothing.
    if (account.status === 'closed') {
      await recordAudit(db, clock, deps.audit, {
        event: 'signin.password',
        outcome: 'refused',
        actor: subject,
        accountId: account.id,
        details: { reason: 'closed' },
      });
      return { kind: 'closed' };
    }
    await recordAudit(db, clock, deps.audit, {
      event: 'signin.password',
      outcome: 'success',
      actor: subject,
      accountId: account.id,
    });
    return { kind: 'ok', account };
  }

  const { paused, until, email } = await attempt.failed();
  await recordAudit(db, clock, deps.audit, {
    event: 'signin.password',
    outcome: 'failure',
    actor: subject,
    accountId: account?.id ?? null,
    details: { reason: account ? 'wrong_password' : 'unknown_username', consecutive: attempt.streak },
  });
  if (paused) await notifyPause(deps, account, attempt.streak, { until, email, device: !!device }, 'password');
  return { kind: 'failed', captcha: attempt.streak >= CAPTCHA_AFTER_FAILURES };
}
