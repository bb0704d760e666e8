import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { CaptchaVerdict } from '../infra/captcha/captcha.js';
import type { Database } from '../infra/db/tables.js';
import { addressKey, bucket, count, reset, take, takeAll } from '../infra/rate-limit/rate-limit.js';

// R9 (and R23 for staff): the sign-in throttle, the only owner of its counters (STYLE habit 17). Every answer a
// guesser can try — a password, an email or SMS code, an authenticator code — is one attempt against the typed
// username, counted before it is checked:
//   - the streak of failures in a row (24 hours): a captcha from the (captchaAfter + 1)th, a pause at the lockAfter-th;
//   - failures in the clock hour per username (members: never more than 100);
//   - failures in the clock hour per client address (its /64 for IPv6).
// A right answer, or an attempt refused before its check, gives its counts back, so each count is "failures kept +
// attempts in flight" and a burst of concurrent requests gets no more checks than the same requests one by one.
// Second-step answers count in the same streak as passwords, so restarting a sign-in never buys fresh guesses.
//
// The pause is one row per username (bucket `<prefix>-lock`, a fixed window) taken by one atomic upsert that succeeds
// only when no pause is running. The attempt that reaches the lock figure takes it before checking its answer: a
// failure keeps it (and that one attempt sends the member's one email), a right answer lifts it. After a pause, the
// streak is still at the figure, so each further try takes the pause first: one try per pause.
//
// Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies", issue 25): a browser that has signed
// in to the account before (its device cookie is one of the account's known devices, src/identity/devices.ts) counts
// in a streak and a pause of its own, so a stranger's failures pause strangers, never the member's own browsers. The
// hourly ceiling per username and the per-address limit stay shared. The email that tells of a pause goes at most
// once in 24 hours per username (its own one-row marker, taken like the pause), not after every pause.

const HOUR = 3_600_000;
/** Pause rows all use one window start, so two pauses of one username are the same row (see takePause). */
const PAUSE_WINDOW = '1970-01-01T00:00:00.000Z';

export interface ThrottlePolicy {
  /** Bucket kinds are `<prefix>-fail`, `-hour`, `-ip` and `-lock`. */
  readonly prefix: 'signin' | 'staff';
  /** Failures in a row after which the next attempt needs a captcha (members only). */
  readonly captchaAfter?: number;
  /** The failure in a row that pauses sign-in. */
  readonly lockAfter: number;
  readonly lockMs: number;
  /** Failures per username per clock hour (members: R9's ceiling of 100). */
  readonly maxPerHour?: number;
  readonly maxPerAddressPerHour: number;
  readonly streakWindowMs: number;
}

/** R9 for members. */
export const MEMBER_SIGN_IN: ThrottlePolicy = {
  prefix: 'signin',
  captchaAfter: 5,
  lockAfter: 10,
  lockMs: 15 * 60_000,
  maxPerHour: 100,
  maxPerAddressPerHour: 50,
  streakWindowMs: 24 * HOUR,
};

/** R23: staff accounts open every member's data: a pause at the 5th failure in a row, no captcha. */
export const STAFF_SIGN_IN: ThrottlePolicy = {
  prefix: 'staff',
  lockAfter: 5,
  lockMs: 15 * 60_000,
  maxPerAddressPerHour: 50,
  streakWindowMs: 24 * HOUR,
};

/** How long a pause email keeps further pauses of the username from sending another. */
export const PAUSE_EMAIL_EVERY_MS = 24 * HOUR;

/**
 * Where an attempt comes from: the client address, and `device`, the hash of this browser's device cookie when the
 * browser has signed in to the account before (then its attempts have their own allowance).
 */
export interface AttemptSource {
  readonly ip: string;
  readonly device?: string | undefined;
}

/** The bucket names of one username's (or address's) counters; nothing outside this module spells them. */
export const throttleBuckets = (policy: ThrottlePolicy, username: string, source: AttemptSource) => {
  const own = source.device ? `${username}\n${source.device}` : username;
  const kind = source.device ? `${policy.prefix}-device` : policy.prefix;
  return {
    streak: bucket(`${kind}-fail`, own),
    pause: bucket(`${kind}-lock`, own),
    hour: bucket(`${policy.prefix}-hour`, username),
    address: bucket(`${policy.prefix}-ip`, addressKey(source.ip)),
    pauseEmail: bucket(`${policy.prefix}-lock-email`, username),
  };
};

/** One counted attempt, open until its answer is known. */
export interface Attempt {
  /** Failures in a row, this one included if it fails. */
  readonly streak: number;
  /** Not a failure (a right answer, or refused before the check): every count is given back, a pause it took lifted. */
  withdraw(): Promise<void>;
  /**
   * A wrong answer: the counts stay. `paused` is true for the one attempt that paused sign-in; `email` is true when
   * that pause is the first in 24 hours for the username (the member is emailed once a day at most).
   */
  failed(): Promise<{ paused: boolean; until: string; email: boolean }>;
}

export type Gate =
  | { kind: 'open'; attempt: Attempt }
  | { kind: 'captcha'; verdict: Exclude<CaptchaVerdict, 'ok'> }
  | { kind: 'paused' }
  | { kind: 'hourly_limit' }
  | { kind: 'address_limited' };

/** Takes a one-row marker (a pause, a pause email) unless one is running; true when this caller now holds it. */
async function takePause(db: Kysely<Database>, name: string, now: string, until: string): Promise<boolean> {
  const row = await db
    .insertInto('rate_limits')
    .values({ bucket: name, window_start: PAUSE_WINDOW, count: 1, expires_at: until })
    .onConflict((oc) =>
      oc
        .columns(['bucket', 'window_start'])
        .doUpdateSet((eb) => ({ expires_at: until, count: eb('rate_limits.count', '+', 1) }))
        .where('rate_limits.expires_at', '<=', now),
    )
    .returning('count')
    .executeTakeFirst();
  return row !== undefined;
}

async function pauseRunning(db: Kysely<Database>, name: string, now: string): Promise<boolean> {
  const row = await db
    .selectFrom('rate_limits')
    .select('bucket')
    .where('bucket', '=', name)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Counts one attempt for `username` from `ip` before its answer is checked, and says whether it may go on (R9).
 * Past the policy's captcha figure, `captcha` (the form's captcha, verified once) must answer 'ok'; a step that has
 * no captcha (a second-step code) passes none. The caller then checks the answer and calls exactly one of
 * `withdraw` or `failed`.
 */
export async function beginAttempt(
  db: Kysely<Database>,
  clock: Clock,
  policy: ThrottlePolicy,
  username: string,
  source: AttemptSource,
  captcha?: () => Promise<CaptchaVerdict>,
): Promise<Gate> {
  const names = throttleBuckets(policy, username, source);
  // Issue 32: the three counters in one statement, each decided on its own value after its increment (takeAll).
  const slots = await takeAll(db, clock, [
    { bucket: names.streak, windowMs: policy.streakWindowMs },
    { bucket: names.address, windowMs: HOUR },
    ...(policy.maxPerHour !== undefined ? [{ bucket: names.hour, windowMs: HOUR }] : []),
  ]);
  const [streak, address, hour] = slots.counts as [number, number, number | undefined];
  const giveBack = () => slots.release();

  if (address > policy.maxPerAddressPerHour) return giveBack().then(() => ({ kind: 'address_limited' }));
  if (hour !== undefined && policy.maxPerHour !== undefined && hour > policy.maxPerHour)
    return giveBack().then(() => ({ kind: 'hourly_limit' }));

  const now = clock.now();
  // A running pause answers first, before any captcha is asked for: the member is told to wait, not to solve a puzzle.
  if (await pauseRunning(db, names.pause, now.toISOString())) return giveBack().then(() => ({ kind: 'paused' }));
  if (captcha && policy.captchaAfter !== undefined && streak > policy.captchaAfter) {
    const verdict = await captcha();
    if (verdict !== 'ok') return giveBack().then(() => ({ kind: 'captcha', verdict }));
  }
  const until = new Date(now.getTime() + policy.lockMs).toISOString();
  let holdsPause = false;
  if (streak >= policy.lockAfter) {
    // The decision itself: only one attempt at a time can hold the pause row.
    holdsPause = await takePause(db, names.pause, now.toISOString(), until);
    if (!holdsPause) return giveBack().then(() => ({ kind: 'paused' }));
  }

  let settled = false;
  const settle = () => {
    if (settled) throw new Error('a sign-in attempt is settled once');
    settled = true;
  };
  return {
    kind: 'open',
    attempt: {
      streak,
      async withdraw() {
        settle();
        await giveBack();
        if (holdsPause) await reset(db, names.pause);
      },
      async failed() {
        settle();
        const email =
          holdsPause &&
          (await takePause(
            db,
            names.pauseEmail,
            now.toISOString(),
            new Date(now.getTime() + PAUSE_EMAIL_EVERY_MS).toISOString(),
          ));
        return { paused: holdsPause, until, email };
      },
    },
  };
}

/**
 * A failure that names no account (a passkey answer for a credential we do not know) counts against the client
 * address only; true when the address is over its limit (this failure then counts nothing).
 */
export async function countAddressFailure(
  db: Kysely<Database>,
  clock: Clock,
  policy: ThrottlePolicy,
  ip: string,
): Promise<boolean> {
  const slot = await take(db, clock, throttleBuckets(policy, '', { ip }).address, HOUR);
  if (slot.count <= policy.maxPerAddressPerHour) return false;
  await slot.release();
  return true;
}

/** Whether sign-in is paused for this username and browser now (the one-click sign-in link is refused then too). */
export function signInPaused(
  db: Kysely<Database>,
  clock: Clock,
  policy: ThrottlePolicy,
  username: string,
  device?: string,
): Promise<boolean> {
  return pauseRunning(db, throttleBuckets(policy, username, { ip: '', device }).pause, clock.now().toISOString());
}

/**
 * What the back office shows: whether a pause is running and the failures in a row (strangers'; with `device`, that
 * known browser's own).
 */
export async function throttleState(
  db: Kysely<Database>,
  clock: Clock,
  policy: ThrottlePolicy,
  username: string,
  device?: string,
): Promise<{ paused: boolean; streak: number }> {
  const names = throttleBuckets(policy, username, { ip: '', device });
  const [paused, streak] = await Promise.all([
    pauseRunning(db, names.pause, clock.now().toISOString()),
    count(db, clock, names.streak, policy.streakWindowMs),
  ]);
  return { paused, streak };
}

/**
 * Forgets the streak and lifts a pause: after a full sign-in, a password reset (R11) or an unlock by customer
 * service. `withHourly` also forgets the hour's failures (an agent's unlock). With `device`, that browser's own
 * streak and pause instead: a sign-in from the member's known browser gives strangers no fresh guesses.
 */
export async function clearThrottle(
  db: Kysely<Database>,
  policy: ThrottlePolicy,
  username: string,
  withHourly = false,
  device?: string,
): Promise<void> {
  const names = throttleBuckets(policy, username, { ip: '', device });
  // One statement for the pause and the streak (issue 32); the hour apart, since a takeAll counts it with the streak.
  await reset(db, names.pause, names.streak);
  if (withHourly) await reset(db, names.hour);
}

/**
 * A member's streak and pause lifted, and the account's lock fields with them (after a full sign-in or a reset: R9,
 * R11).
 */
export async function clearSignInThrottle(db: Kysely<Database>, username: string): Promise<void> {
  await clearThrottle(db, MEMBER_SIGN_IN, username);
  await db
    .updateTable('accounts')
    .set({ locked_until: null, failed_logins: 0 })
    .where('username', '=', username)
    .execute();
}
