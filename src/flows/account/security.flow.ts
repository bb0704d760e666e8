import type { Kysely } from 'kysely';
import { generateSecret, generateURI } from 'otplib';
import { matchTotp } from '../../identity/totp.js';
import type { Clock } from '../../clock.js';
import { maskEmail } from '../../domain/email.js';
import { maskDocument } from '../../domain/identity-document.js';
import { maskPhone } from '../../domain/phone.js';
import type { Account, Database } from '../../infra/db/tables.js';
import { createFlowStore, type FlowStore } from '../../infra/flows/flow-store.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { bucket, hit } from '../../infra/rate-limit/rate-limit.js';
import type { Channel } from '../../identity/channels.js';
import { totpChangedEmail } from './security.emails.js';
import type { SecretBox } from '../../infra/crypto/secret-box.js';

// R7, R8, R13 security settings apart from HTTP: open sessions, the second-step channels and the authenticator app.

export const ENROL_TTL_MS = 10 * 60_000;
// R7: at most 5 wrong app codes while enrolling, as at sign-in; then the enrolment starts over with a new secret.
export const MAX_WRONG_ENROL_CODES = 5;
// R9 in spirit: the password asked before removing the app cannot be guessed at leisure from a stolen session.
export const MAX_PASSWORD_TRIES_PER_HOUR = 10;
const HOUR_MS = 3_600_000;

// R28 describes sign-ins' devices the same way: the function lives with the identity layer.
export { describeDevice } from '../../identity/device-label.js';

/** R8: the sessions that still open the area: not ended and within both deadlines; the last used first. */
export function openSessions(db: Kysely<Database>, accountId: number, now: string) {
  return db
    .selectFrom('sessions')
    .select(['id', 'ip', 'user_agent', 'created_at', 'last_seen_at'])
    .where('account_id', '=', accountId)
    .where('ended_at', 'is', null)
    .where('idle_expires_at', '>', now)
    .where('absolute_expires_at', '>', now)
    .orderBy('last_seen_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/**
 * R8: ends one of the account's sessions. The update is scoped to the account, so a session id of someone else ends
 * nothing and is answered 'not-own', whether or not it exists; 'gone' is the account's own, already ended.
 */
export async function endOwnSession(
  db: Kysely<Database>,
  accountId: number,
  sessionId: number,
  now: string,
): Promise<'ended' | 'gone' | 'not-own'> {
  const ended = await db
    .updateTable('sessions')
    .set({ ended_at: now })
    .where('id', '=', sessionId)
    .where('account_id', '=', accountId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  if (Number(ended.numUpdatedRows) === 1) return 'ended';
  const mine = await db
    .selectFrom('sessions')
    .select('id')
    .where('id', '=', sessionId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return mine ? 'gone' : 'not-own';
}

export interface ChannelOption {
  channel: Channel;
  masked: string;
}

/** The second-step channels this account has (R7): email always, SMS with a mobile, the app once enrolled. */
export function channelsOf(account: Account): ChannelOption[] {
  const out: ChannelOption[] = [{ channel: 'email', masked: maskEmail(account.email) }];
  if (account.mobile) out.push({ channel: 'sms', masked: maskPhone(account.mobile) });
  if (account.totp_secret && account.totp_enabled_at) out.push({ channel: 'totp', masked: '' });
  return out;
}

/**
 * What a pending enrolment holds: the secret stays here, not on the account, until a code proves the app holds it;
 * sealed (R29) like the account's, so a copy of the flows table yields no secret either.
 */
export interface Enrolment {
  secret: string;
}

/** The pending enrolments of an authenticator app, one per browser. */
export function totpEnrolments(clock: Clock, secureCookies: boolean): FlowStore<Enrolment> {
  return createFlowStore<Enrolment>(clock, {
    kind: 'totp-enrol',
    ttlMs: ENROL_TTL_MS,
    cookieName: 'totp-enrol',
    secureCookies,
  });
}

export const newEnrolment = (box: SecretBox): Enrolment => ({ secret: box.seal(generateSecret()) });

/** The enrolment QR, an image rendered on the server (no script), as a data URL. */
export async function enrolmentQr(issuer: string, account: Account, secret: string): Promise<string> {
  const uri = generateURI({ issuer, label: maskDocument(account.username), secret });
  // Loaded on first enrolment only: ~10 MB a node that never shows a QR code need not hold (issue 8).
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

/**
 * Counts one enrolment try before the check, atomically, so parallel guesses share one count; true when it is one too
 * many.
 */
export async function enrolTriesExhausted(db: Kysely<Database>, clock: Clock, flowId: string): Promise<boolean> {
  const tries = await hit(db, clock, bucket('totp-enrol', flowId), HOUR_MS);
  return tries > MAX_WRONG_ENROL_CODES;
}

/** The time step an app code matches for this secret (one 30-second step of drift either way), or undefined. */
export const matchEnrolCode = (secret: string, answer: string, now: Date): Promise<number | undefined> =>
  matchTotp(secret, answer, now, null);

/** Turns the app on with its sealed secret (R29) and tells the member (R22-style); false when it was already on. */
export async function enableTotp(
  db: Kysely<Database>,
  courier: Courier,
  account: Account,
  sealedSecret: string,
  step: number,
  now: string,
): Promise<boolean> {
  // The step just used is recorded, so the same code cannot open a sign-in afterwards (R7: single use).
  const set = await db
    .updateTable('accounts')
    .set({ totp_secret: sealedSecret, totp_enabled_at: now, totp_last_step: step, updated_at: now })
    .where('id', '=', account.id)
    .where('totp_enabled_at', 'is', null)
    .executeTakeFirst();
  if (Number(set.numUpdatedRows) !== 1) return false;
  await courier.email(db, account.email, account.language, totpChangedEmail, { change: 'enabled' });
  return true;
}

/** Counts one try at removing the app; true once the hour's tries are used up. */
export async function removeTriesExhausted(db: Kysely<Database>, clock: Clock, accountId: number): Promise<boolean> {
  const tries = await hit(db, clock, bucket('totp-remove', String(accountId)), HOUR_MS);
  return tries > MAX_PASSWORD_TRIES_PER_HOUR;
}

/** Turns the app off and tells the member. */
export async function removeTotp(db: Kysely<Database>, courier: Courier, account: Account, now: string): Promise<void> {
  await db
    .updateTable('accounts')
    .set({ totp_secret: null, totp_enabled_at: null, totp_last_step: null, updated_at: now })
    .where('id', '=', account.id)
    .execute();
  // A preference for the app would point at nothing: sign-in falls back to its default and records a new one.
  await db
    .updateTable('accounts')
    .set({ preferred_channel: null })
    .where('id', '=', account.id)
    .where('preferred_channel', '=', 'totp')
    .execute();
  await courier.email(db, account.email, account.language, totpChangedEmail, { change: 'removed' });
}
