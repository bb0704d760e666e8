import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Brand } from '../../config.js';
import { maskEmail } from '../../domain/email.js';
import { maskPhone } from '../../domain/phone.js';
import { matchTotp } from '../../identity/totp.js';
import { codeDigest, codeMatches, countCodeTry } from '../../infra/crypto/one-time-code.js';
import type { SecretBox } from '../../infra/crypto/secret-box.js';
import { sixDigitCode } from '../../infra/crypto/tokens.js';
import type { Account, Database } from '../../infra/db/tables.js';
import { translator } from '../../infra/i18n/i18n.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { bucket, hit } from '../../infra/rate-limit/rate-limit.js';
import { stepUpCodeEmail } from './requests.emails.js';

// R31, money safety: paying a refund into an IBAN the account has never been paid into asks for the second factor
// again, so a stolen session (a cookie, an unlocked computer) cannot send the member's refund elsewhere. The factor is
// the one the member chose for sign-in (R7): the authenticator app's code, or a six-digit code sent by SMS or email.
// The code is bound to this form and this IBAN (its stored digest is keyed with both), so a code asked for one
// account cannot confirm another, and it is single use, valid 10 minutes, five tries; at most five codes an hour.

export const STEP_UP_TTL_MS = 10 * 60_000;
export const MAX_STEP_UP_TRIES = 5;
export const MAX_STEP_UP_SENDS_PER_HOUR = 5;
const HOUR_MS = 60 * 60_000;
const PURPOSE = 'request-stepup';

export type StepUpChannel = 'email' | 'sms' | 'totp';

export interface StepUpDeps {
  db: Kysely<Database>;
  clock: Clock;
  courier: Courier;
  brand: Brand;
  box: SecretBox;
  secretKey: string;
}

/** The factor asked: the member's preferred one where the account has it, the account's email otherwise. */
export function stepUpChannel(account: Account): { channel: StepUpChannel; masked: string } {
  if (account.preferred_channel === 'totp' && account.totp_secret && account.totp_enabled_at)
    return { channel: 'totp', masked: '' };
  if (account.preferred_channel === 'sms' && account.mobile)
    return { channel: 'sms', masked: maskPhone(account.mobile) };
  return { channel: 'email', masked: maskEmail(account.email) };
}

/** What the code proves: this account, this form (its one-time token) and this IBAN. */
export function stepUpBinding(accountId: number, formToken: string, iban: string): string {
  const ibanHash = createHash('sha256').update(iban).digest('hex');
  return `${PURPOSE}:${accountId}:${formToken}:${ibanHash}`;
}

/** Sends a new code (voiding the account's older ones); nothing to send for an app. */
export async function sendStepUp(
  deps: StepUpDeps,
  account: Account,
  binding: string,
): Promise<'sent' | 'app' | 'limited'> {
  const { channel } = stepUpChannel(account);
  if (channel === 'totp') return 'app';
  const sends = await hit(deps.db, deps.clock, bucket('request-stepup-send', String(account.id)), HOUR_MS);
  if (sends > MAX_STEP_UP_SENDS_PER_HOUR) return 'limited';
  const now = deps.clock.now();
  const code = sixDigitCode();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('one_time_tokens')
      .set({ voided_at: now.toISOString() })
      .where('account_id', '=', account.id)
      .where('purpose', '=', PURPOSE)
      .where('used_at', 'is', null)
      .where('voided_at', 'is', null)
      .execute();
    const destination = channel === 'sms' ? account.mobile! : account.email;
    await trx
      .insertInto('one_time_tokens')
      .values({
        purpose: PURPOSE,
        token_hash: codeDigest(deps.secretKey, binding, code),
        account_id: account.id,
        flow_id: null,
        channel,
        destination,
        expires_at: new Date(now.getTime() + STEP_UP_TTL_MS).toISOString(),
        created_at: now.toISOString(),
      })
      .execute();
    if (channel === 'sms')
      await deps.courier.sms(
        trx,
        destination,
        account.language,
        'request-stepup-code',
        translator(account.language)('sms.requestStepUp', { brand: deps.brand.name, code }),
      );
    else await deps.courier.email(trx, destination, account.language, stepUpCodeEmail, { code });
  });
  return 'sent';
}

export type StepUpResult =
  | { kind: 'ok' }
  | { kind: 'wrong'; remaining: number }
  | { kind: 'expired' }
  | { kind: 'exhausted' }
  | { kind: 'none' };

/** Checks the member's answer for this binding. */
export async function checkStepUp(
  deps: StepUpDeps,
  account: Account,
  binding: string,
  answer: string,
): Promise<StepUpResult> {
  const code = answer.replace(/[\s-]+/g, '').slice(0, 12);
  const { channel } = stepUpChannel(account);
  const now = deps.clock.now();
  if (channel === 'totp') {
    // Tries counted first, atomically, per account and hour: parallel guesses share one count.
    const tries = await hit(deps.db, deps.clock, bucket('request-stepup-totp', String(account.id)), HOUR_MS);
    if (tries > MAX_STEP_UP_TRIES) return { kind: 'exhausted' };
    const step = await matchTotp(deps.box.open(account.totp_secret!), code, now, account.totp_last_step);
    if (step !== undefined) {
      const claimed = await deps.db
        .updateTable('accounts')
        .set({ totp_last_step: step })
        .where('id', '=', account.id)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 1) return { kind: 'ok' };
    }
    const remaining = MAX_STEP_UP_TRIES - tries;
    return remaining <= 0 ? { kind: 'exhausted' } : { kind: 'wrong', remaining };
  }
  const token = await deps.db
    .selectFrom('one_time_tokens')
    .selectAll()
    .where('account_id', '=', account.id)
    .where('purpose', '=', PURPOSE)
    .where('voided_at', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!token) return { kind: 'none' };
  const iso = now.toISOString();
  if (token.expires_at <= iso) return { kind: 'expired' };
  if (token.used_at !== null)
    // The same form sent again with the code that confirmed it (a double click, a burst): the code proved this very
    // form and IBAN, and the form's token makes it one request; any other answer finds no live code.
    return codeMatches(deps.secretKey, binding, code, token.token_hash) ? { kind: 'ok' } : { kind: 'none' };
  const tries = await countCodeTry(deps.db, token.id);
  if (tries === undefined) return { kind: 'none' };
  const matches = codeMatches(deps.secretKey, binding, code, token.token_hash);
  if (tries > MAX_STEP_UP_TRIES) return matches ? { kind: 'none' } : { kind: 'exhausted' };
  if (!matches) {
    const remaining = MAX_STEP_UP_TRIES - tries;
    if (remaining > 0) return { kind: 'wrong', remaining };
    await deps.db.updateTable('one_time_tokens').set({ voided_at: iso }).where('id', '=', token.id).execute();
    return { kind: 'exhausted' };
  }
  await deps.db
    .updateTable('one_time_tokens')
    .set({ used_at: iso })
    .where('id', '=', token.id)
    .where('used_at', 'is', null)
    .execute();
  return { kind: 'ok' };
}
