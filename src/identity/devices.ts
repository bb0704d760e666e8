import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { recordAudit, type AuditContext } from '../infra/audit/audit.repository.js';
import { hashToken, randomToken } from '../infra/crypto/tokens.js';
import type { Account, Database } from '../infra/db/tables.js';
import type { Courier } from '../infra/outbox/courier.js';
import { newDeviceEmail } from './devices.emails.js';

// R28 sign-in awareness. A device is a browser, recognised by a long-lived random cookie (not by its address, which
// changes with every network). Its database row holds only the cookie's SHA-256 (R29), per account.

/** The device cookie's name, __Host- outside plain-http development (as the session's and the flows' are, R8). */
export const deviceCookieName = (secureCookies: boolean) => (secureCookies ? '__Host-device' : 'device');
/** 400 days, the longest lifetime browsers grant a cookie; renewed at every sign-in. */
export const DEVICE_COOKIE_MAX_AGE_S = 400 * 24 * 3600;
/** A device unseen on an account for this long is new to it again. */
export const DEVICE_FORGOTTEN_AFTER_MS = 180 * 24 * 3_600_000;
/** The one_time_tokens purpose of the "this wasn't me" link of the new-device email. */
export const NOT_ME_PURPOSE = 'not-me';
/**
 * 7 days: longer than a recovery link's 24 hours, because a member may read the email after a weekend away, and the
 * link hands nothing to whoever holds it (it ends sessions and sends a recovery link to the account's own address);
 * not forever, so an old email cannot keep signing the member out.
 */
export const NOT_ME_TTL_MS = 7 * 24 * 3_600_000;

/**
 * Stores a single-use "this wasn't me" link for the account (R28), valid NOT_ME_TTL_MS, and returns its address: for
 * an email that tells the member of a new way into their account (a new device, a passkey added).
 */
export async function issueNotMeLink(
  trx: Kysely<Database>,
  clock: Clock,
  publicUrl: string,
  accountId: number,
): Promise<string> {
  const link = randomToken();
  const now = clock.now();
  await trx
    .insertInto('one_time_tokens')
    .values({
      purpose: NOT_ME_PURPOSE,
      token_hash: hashToken(link),
      account_id: accountId,
      channel: 'email',
      destination: null,
      expires_at: new Date(now.getTime() + NOT_ME_TTL_MS).toISOString(),
      created_at: now.toISOString(),
    })
    .execute();
  return `${publicUrl}/sign-in/not-me/${link}`;
}

const DEVICE_TOKEN = /^[A-Za-z0-9_-]{22,100}$/;

/** This browser's device cookie as the database keeps it (its SHA-256), when it brings a well-formed one. */
export function deviceHashOf(request: FastifyRequest, secureCookies: boolean): string | undefined {
  const brought = request.cookies[deviceCookieName(secureCookies)];
  return brought && DEVICE_TOKEN.test(brought) ? hashToken(brought) : undefined;
}

/**
 * R9 with OWASP's device cookies (issue 25): `deviceHash` when that browser has signed in to `username`'s account in
 * the last 180 days, so its attempts keep their own allowance; undefined for any other browser. The statement runs
 * whenever a cookie is brought, whether or not the username is an account's (R7: the same work either way).
 */
export async function trustedDevice(
  db: Kysely<Database>,
  clock: Clock,
  username: string,
  deviceHash: string | undefined,
): Promise<string | undefined> {
  if (!deviceHash) return undefined;
  const since = new Date(clock.now().getTime() - DEVICE_FORGOTTEN_AFTER_MS).toISOString();
  const row = await db
    .selectFrom('known_devices')
    .innerJoin('accounts', 'accounts.id', 'known_devices.account_id')
    .select('known_devices.device_hash')
    .where('accounts.username', '=', username)
    .where('known_devices.device_hash', '=', deviceHash)
    .where('known_devices.last_seen_at', '>', since)
    .executeTakeFirst();
  return row?.device_hash;
}

export interface DeviceDeps {
  db: Kysely<Database>;
  clock: Clock;
  courier: Courier;
  config: Pick<Config, 'secureCookies' | 'publicUrl' | 'timeZone'>;
  /** Asks the outbox worker to send soon (the email is queued in the database first, R25). */
  kickOutbox?: (() => void) | undefined;
}

export type DeviceVerdict = 'known' | 'new' | 'first-sign-in';

/**
 * Call after any successful sign-in has started its session (password and code, emailed link, passkey: `factor`
 * names it). Keeps this browser's device cookie (a new one if it has none) and, when the device is new to the
 * account or unseen for 180 days, emails the member (R28) with a single-use "this wasn't me" link. A member's very
 * first sign-in (no earlier one recorded) remembers the device but sends nothing: it is the registration just done.
 */
export async function rememberSignInDevice(
  deps: DeviceDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  account: Pick<Account, 'id' | 'username' | 'email' | 'language'>,
  factor: string,
): Promise<DeviceVerdict> {
  const { db, clock, config } = deps;
  const brought = request.cookies[deviceCookieName(config.secureCookies)];
  const returning = brought !== undefined && DEVICE_TOKEN.test(brought);
  const token = returning ? brought : randomToken();
  reply.setCookie(deviceCookieName(config.secureCookies), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: config.secureCookies,
    maxAge: DEVICE_COOKIE_MAX_AGE_S,
  });
  const deviceHash = hashToken(token);
  const now = clock.now();
  const nowIso = now.toISOString();
  const audit: AuditContext = { ip: request.ip, userAgent: request.headers['user-agent'], requestId: request.id };

  // A device seen before is marked seen again by one guarded update (the common case: no transaction needed). A
  // browser without a device cookie has just been given a fresh random one, which no account has seen.
  const seen = returning ? await touchSeenDevice(db, account.id, deviceHash, now) : undefined;
  if (seen === 'known') return seen;
  // Otherwise one transaction decides the verdict and records it (with the email and its link when it is new).
  const verdict = await db.transaction().execute(async (trx): Promise<DeviceVerdict> => {
    const verdict = seen ?? (await judgeUnseenDevice(trx, account.id, deviceHash, nowIso));
    if (verdict === 'known') return verdict;
    if (verdict === 'new') {
      await deps.courier.email(trx, account.email, account.language, newDeviceEmail, {
        at: nowIso,
        timeZone: config.timeZone,
        userAgent: request.headers['user-agent']?.slice(0, 400) ?? null,
        ip: request.ip ?? null,
        link: await issueNotMeLink(trx, clock, config.publicUrl, account.id),
      });
    }
    await recordAudit(trx, clock, audit, {
      event: 'signin.new_device',
      outcome: 'info',
      actor: account.username,
      accountId: account.id,
      details: { factor, notified: verdict === 'new' },
    });
    return verdict;
  });
  if (verdict === 'new') deps.kickOutbox?.();
  return verdict;
}

/**
 * For a device this account has seen: marks it seen now and says whether it is known, or new again after 180 days
 * unseen. The update is guarded by the time read, so of two sign-ins at once on a long-unseen device one is 'new'.
 * Undefined for a device the account has not seen.
 */
async function touchSeenDevice(
  db: Kysely<Database>,
  accountId: number,
  deviceHash: string,
  now: Date,
): Promise<'known' | 'new' | undefined> {
  // Issue 32: the usual case, a device seen within 180 days, is marked seen by one update guarded by that, with no
  // read before it. Only a device unseen for longer, or never seen, is read first and judged below.
  const fresh = await db
    .updateTable('known_devices')
    .set({ last_seen_at: now.toISOString() })
    .where('account_id', '=', accountId)
    .where('device_hash', '=', deviceHash)
    .where('last_seen_at', '>', new Date(now.getTime() - DEVICE_FORGOTTEN_AFTER_MS).toISOString())
    .executeTakeFirst();
  if (Number(fresh.numUpdatedRows) === 1) return 'known';
  const seen = await db
    .selectFrom('known_devices')
    .select('last_seen_at')
    .where('account_id', '=', accountId)
    .where('device_hash', '=', deviceHash)
    .executeTakeFirst();
  if (!seen) return undefined;
  const touched = await db
    .updateTable('known_devices')
    .set({ last_seen_at: now.toISOString() })
    .where('account_id', '=', accountId)
    .where('device_hash', '=', deviceHash)
    .where('last_seen_at', '=', seen.last_seen_at)
    .executeTakeFirst();
  const stale = now.getTime() - new Date(seen.last_seen_at).getTime() >= DEVICE_FORGOTTEN_AFTER_MS;
  return stale && Number(touched.numUpdatedRows) === 1 ? 'new' : 'known';
}

/**
 * A device the account has not seen: remembered now; new, or the account's first sign-in. Of two sign-ins at once
 * on it, the one whose insert loses is 'known'.
 */
async function judgeUnseenDevice(
  trx: Kysely<Database>,
  accountId: number,
  deviceHash: string,
  nowIso: string,
): Promise<DeviceVerdict> {
  const earlier = await hasEarlierSignIn(trx, accountId);
  const inserted = await trx
    .insertInto('known_devices')
    .values({ account_id: accountId, device_hash: deviceHash, first_seen_at: nowIso, last_seen_at: nowIso })
    .onConflict((oc) => oc.columns(['account_id', 'device_hash']).doNothing())
    .returning('account_id')
    .executeTakeFirst();
  if (!inserted) return 'known';
  return earlier ? 'new' : 'first-sign-in';
}

/**
 * Whether the account had signed in before this sign-in: a device of its own already known, or more than one
 * successful sign-in recorded (this one is recorded before its session starts). Passkey sign-ins count too.
 */
async function hasEarlierSignIn(db: Kysely<Database>, accountId: number): Promise<boolean> {
  const device = await db
    .selectFrom('known_devices')
    .select('account_id')
    .where('account_id', '=', accountId)
    .limit(1)
    .executeTakeFirst();
  if (device) return true;
  const rows = await db
    .selectFrom('audit_events')
    .select('id')
    .where('account_id', '=', accountId)
    .where('outcome', '=', 'success')
    .where((eb) => eb.or([eb('event', '=', 'signin.success'), eb('event', 'like', 'signin.passkey%')]))
    .limit(2)
    .execute();
  return rows.length > 1;
}

/** R28: forgets every device of an account, so after "this wasn't me" the next sign-in from any of them is reported. */
export async function forgetDevices(db: Kysely<Database>, accountId: number): Promise<void> {
  await db.deleteFrom('known_devices').where('account_id', '=', accountId).execute();
}
