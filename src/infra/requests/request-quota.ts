import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { FieldError } from '../../domain/result.js';
import type { Database } from '../db/tables.js';
import { bucket, take, takeAmount } from '../rate-limit/rate-limit.js';

// R31 (R9 style, STYLE habit 17): at most 20 requests and 100 MB of files per account a day, burst-proof. The one
// function that counts them: increment first, atomically, decide on the value returned, then do the work. A refused
// attempt gives its count back, so the counters hold what was kept plus what is in flight. The day is the fixed UTC
// day of the rate-limit windows.

export const REQUESTS_PER_DAY = 20;
export const REQUEST_BYTES_PER_DAY = 100 * 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;
const REQUESTS_BUCKET = 'requests-day';
const BYTES_BUCKET = 'request-bytes-day';

export type QuotaOutcome = { ok: true; release(): Promise<void> } | { ok: false; errors: FieldError[] };

/**
 * Takes one request and `bytes` of files from the account's daily quota. On ok, call release() if the request is
 * then not kept (refused, or a repeat of a form already sent), so it does not count.
 */
export async function takeDailyQuota(
  db: Kysely<Database>,
  clock: Clock,
  accountId: number,
  bytes: number,
): Promise<QuotaOutcome> {
  const requests = await take(db, clock, bucket(REQUESTS_BUCKET, String(accountId)), DAY_MS);
  if (requests.count > REQUESTS_PER_DAY) {
    await requests.release();
    return { ok: false, errors: [{ field: 'request', code: 'request_limit', params: { max: REQUESTS_PER_DAY } }] };
  }
  const size = await takeAmount(db, clock, bucket(BYTES_BUCKET, String(accountId)), DAY_MS, bytes);
  if (size.count > REQUEST_BYTES_PER_DAY) {
    await size.release();
    await requests.release();
    return { ok: false, errors: [{ field: 'files', code: 'request_bytes_limit' }] };
  }
  return {
    ok: true,
    async release() {
      await size.release();
      await requests.release();
    },
  };
}

/**
 * Takes only `bytes` from the account's daily 100 MB (a member's answer to needs_info: files, not a new request).
 * Same rule as takeDailyQuota: counted first, decided on the value, given back with release() if not kept.
 */
export async function takeDailyBytes(
  db: Kysely<Database>,
  clock: Clock,
  accountId: number,
  bytes: number,
): Promise<QuotaOutcome> {
  const size = await takeAmount(db, clock, bucket(BYTES_BUCKET, String(accountId)), DAY_MS, bytes);
  if (size.count > REQUEST_BYTES_PER_DAY) {
    await size.release();
    return { ok: false, errors: [{ field: 'files', code: 'request_bytes_limit' }] };
  }
  return { ok: true, release: () => size.release() };
}

/**
 * Form posts an account may make an hour, whatever becomes of them (R31, R9). A post is read, its files judged and
 * sealed before anything can refuse it, so a refused post costs the node as much as a kept one: this count is taken
 * before the body is read, and never given back. A member who fixes a form a few times, or sends it again with the
 * step-up code, stays far below it.
 */
export const FORM_POSTS_PER_HOUR = 60;
const HOUR_MS = 60 * 60 * 1000;

/** Counts one post of a request form or an answer; false past FORM_POSTS_PER_HOUR (the body is then left unread). */
export async function takeFormPost(db: Kysely<Database>, clock: Clock, accountId: number): Promise<boolean> {
  const posts = await take(db, clock, bucket('request-posts-hour', String(accountId)), HOUR_MS);
  return posts.count <= FORM_POSTS_PER_HOUR;
}
