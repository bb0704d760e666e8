import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { compiledQuery } from '../db/compiled-query.js';
import type { Database } from '../db/tables.js';

// R6, R9: fixed-window counters in the database, so every node counts the same attempts. A window is the span
// [floor(now / windowMs) * windowMs, + windowMs); its row is keyed (bucket, window_start) and expires with it.
// Use each bucket name with one window length only: windows of different lengths that start at the same instant
// (every hour and day boundary) would share a row. So each limit gets its own bucket kind.

/** One named limit: how long a window lasts and the counts at which a flow escalates. Flows decide what they count. */
export interface Limit {
  /** Length of the fixed window. */
  readonly windowMs: number;
  /** Once this many have been counted in the window, the next attempt needs a captcha (R6, R9, R10). */
  readonly captchaAfter?: number;
  /** Once this many have been counted in the window, the account is locked for lockMs (R9). */
  readonly lockAfter?: number;
  /** How long the lock at lockAfter lasts; never permanent (R9). */
  readonly lockMs?: number;
  /** Once this many have been counted in the window, further attempts are refused until it rolls over. */
  readonly max?: number;
}

// Each flow holds its own figures next to the code that applies them (registration, sign-in, recovery, contact);
// docs/security.md lists them all, and test/security/asvs-map.test.ts keeps that page equal to the code.

/** True when `counted` attempts already in the window mean the next one must carry a captcha. */
export function captchaRequired(counted: number, limit: Limit): boolean {
  return limit.captchaAfter !== undefined && counted >= limit.captchaAfter;
}

/** True when `counted` attempts already in the window mean the next one is refused. */
export function limitReached(counted: number, limit: Limit): boolean {
  return limit.max !== undefined && counted >= limit.max;
}

/** A bucket kind is code, never input: short, lower-case, readable in the table. */
const KIND = /^[a-z][a-z0-9._-]{0,39}$/;

/**
 * The bucket name for a kind of limit and the thing limited, e.g. bucket('identify-member', memberNumber).
 * The key is always hashed (sha256, first 32 hex = 128 bits): member numbers, documents and client addresses are
 * personal data and must not sit readable in rate_limits; the name also stays within the column's 200 characters.
 */
export function bucket(kind: string, key: string): string {
  if (!KIND.test(kind)) throw new Error(`rate-limit bucket kind must match ${KIND}: ${JSON.stringify(kind)}`);
  return `${kind}:${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 32)}`;
}

/** The eight 16-bit groups of an IPv6 address, zone removed, an embedded IPv4 tail turned into two groups. */
function ipv6Groups(address: string): number[] {
  let text = address.split('%')[0]!.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The client-address key for per-address limits (R6, R9): an IPv4 address as is, an IPv4-mapped IPv6 address as
 * its IPv4, and any other IPv6 address as its /64, since one subscriber is usually given a whole /64 and could
 * otherwise step to a fresh address for every attempt.
 */
export function addressKey(ip: string): string {
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return ip;
  const groups = ipv6Groups(ip);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

function windowOf(clock: Clock, windowMs: number): { start: string; end: string } {
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0)
    throw new RangeError(`rate-limit window must be a positive integer of ms, got ${windowMs}`);
  const start = Math.floor(clock.now().getTime() / windowMs) * windowMs;
  return { start: new Date(start).toISOString(), end: new Date(start + windowMs).toISOString() };
}

/** Whole seconds until the current window ends (at least 1): the Retry-After of a refusal. */
export function secondsUntilWindowEnds(clock: Clock, windowMs: number): number {
  const { end } = windowOf(clock, windowMs);
  return Math.max(1, Math.ceil((new Date(end).getTime() - clock.now().getTime()) / 1000));
}

/**
 * Counts one attempt in the current window and returns the window's new count. A single upsert, so concurrent
 * requests on any node each get a distinct count (1, 2, 3, …) with no lost update, on SQLite and PostgreSQL alike.
 */
export async function hit(db: Kysely<Database>, clock: Clock, bucketName: string, windowMs: number): Promise<number> {
  return increment(db, bucketName, windowOf(clock, windowMs));
}

// The single counters' two statements, compiled once (compiled-query.ts).
const upsertCount = compiledQuery((db, p: { bucket: string; start: string; end: string }) =>
  db
    .insertInto('rate_limits')
    .values({ bucket: p.bucket, window_start: p.start, count: 1, expires_at: p.end })
    .onConflict((oc) =>
      oc.columns(['bucket', 'window_start']).doUpdateSet((eb) => ({ count: eb('rate_limits.count', '+', 1) })),
    )
    .returning('count'),
);
const giveBack = compiledQuery((db, p: { bucket: string; start: string }) =>
  db
    .updateTable('rate_limits')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('bucket', '=', p.bucket)
    .where('window_start', '=', p.start)
    .where('count', '>', 0),
);

async function increment(
  db: Kysely<Database>,
  bucketName: string,
  window: { start: string; end: string },
): Promise<number> {
  const [row] = await upsertCount(db, { bucket: bucketName, start: window.start, end: window.end });
  return Number(row!.count);
}

/** One attempt counted ahead of its work (R9): `count` is the window's value after the atomic increment. */
export interface Slot {
  readonly count: number;
  /** Gives the count back (the attempt turned out not to count: refused, no captcha, or a right answer). Once only. */
  release(): Promise<void>;
}

/**
 * Counts an attempt before the expensive or guessable work it stands for, and returns the slot. R9: a limit is
 * decided on `count`, the value after the increment, so a burst of concurrent requests gets distinct values and no
 * more tries than the same requests one by one. Releasing decrements the same window's row, so the count is always
 * the attempts kept plus those still in flight.
 */
export async function take(db: Kysely<Database>, clock: Clock, bucketName: string, windowMs: number): Promise<Slot> {
  const window = windowOf(clock, windowMs);
  const n = await increment(db, bucketName, window);
  let released = false;
  return {
    count: n,
    async release() {
      if (released) return;
      released = true;
      await giveBack(db, { bucket: bucketName, start: window.start });
    },
  };
}

// Issue 32: an attempt counts against several limits at once (R9's sign-in: the streak, the hour, the address; a
// code send: the address and the account). Each was one statement taken and one given back; `takeAll` takes them in
// one statement and gives them back in one, a round trip each way instead of three.
//
// Both are one INSERT … ON CONFLICT … DO UPDATE of several rows. Every row gets its own atomic increment and its
// value after it (RETURNING), exactly as the single upsert does, so each limit is still decided on its own count.
// PostgreSQL locks a statement's rows one after another, in the order of its VALUES, until the statement ends: two
// statements that share two rows and lock them in opposite orders would deadlock. So the rows always go in one order
// (bucket name, then window), in taking and in giving back alike (giving back is an upsert too, not an UPDATE, whose
// order would be the table's). A row given back after it was deleted (a reset in between) comes back at 0, which
// every limit reads as the missing row it replaces.

/** One counter of `takeAll`: a bucket and the length of its window. */
export interface Counter {
  readonly bucket: string;
  readonly windowMs: number;
}

type CounterRows = { buckets: readonly string[]; starts: readonly string[]; ends: readonly string[] };

const upsertCounts = compiledQuery((db, p: CounterRows) =>
  db
    .insertInto('rate_limits')
    .values(p.buckets.map((b, i) => ({ bucket: b, window_start: p.starts[i]!, count: 1, expires_at: p.ends[i]! })))
    .onConflict((oc) =>
      oc.columns(['bucket', 'window_start']).doUpdateSet((eb) => ({ count: eb('rate_limits.count', '+', 1) })),
    )
    .returning(['bucket', 'window_start', 'count']),
);
const giveBackCounts = compiledQuery((db, p: CounterRows) =>
  db
    .insertInto('rate_limits')
    .values(p.buckets.map((b, i) => ({ bucket: b, window_start: p.starts[i]!, count: 0, expires_at: p.ends[i]! })))
    .onConflict((oc) =>
      oc
        .columns(['bucket', 'window_start'])
        .doUpdateSet((eb) => ({ count: eb('rate_limits.count', '-', 1) }))
        .where('rate_limits.count', '>', 0),
    ),
);

/** Several counters taken together: `counts[i]` is `counters[i]`'s value after its increment. */
export interface Slots {
  readonly counts: readonly number[];
  /** Gives every count back at once (the attempt does not count). Once only. */
  release(): Promise<void>;
}

/**
 * Counts one attempt against every counter in one statement, and returns their values after the increments, in
 * `counters`' order: `take` for several limits at once, with the same guarantee for each (distinct values under any
 * burst, decided after the increment). The buckets must be distinct.
 */
export async function takeAll(db: Kysely<Database>, clock: Clock, counters: readonly Counter[]): Promise<Slots> {
  const keyOf = (bucketName: string, start: string) => `${bucketName}\n${start}`;
  const wanted = counters.map((c) => ({ bucket: c.bucket, ...windowOf(clock, c.windowMs) }));
  const rows = [...wanted].sort((a, b) =>
    a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : a.start < b.start ? -1 : 1,
  );
  if (new Set(rows.map((r) => keyOf(r.bucket, r.start))).size !== rows.length)
    throw new Error('takeAll: a bucket is counted once per statement');
  const params: CounterRows = {
    buckets: rows.map((r) => r.bucket),
    starts: rows.map((r) => r.start),
    ends: rows.map((r) => r.end),
  };
  const counted = new Map((await upsertCounts(db, params)).map((r) => [keyOf(r.bucket, r.window_start), r.count]));
  const counts = wanted.map((w) => {
    const n = counted.get(keyOf(w.bucket, w.start));
    if (n === undefined) throw new Error(`takeAll: no count returned for ${w.bucket}`);
    return Number(n);
  });
  let released = false;
  return {
    counts,
    async release() {
      if (released) return;
      released = true;
      await giveBackCounts(db, params);
    },
  };
}

/** The current window's count for a bucket, 0 when nothing was counted yet. */
export async function count(db: Kysely<Database>, clock: Clock, bucketName: string, windowMs: number): Promise<number> {
  const { start } = windowOf(clock, windowMs);
  const row = await db
    .selectFrom('rate_limits')
    .select('count')
    .where('bucket', '=', bucketName)
    .where('window_start', '=', start)
    .executeTakeFirst();
  return row ? Number(row.count) : 0;
}

/**
 * Forgets every window of the buckets, in one statement: e.g. the consecutive-failure streak and the pause after a
 * successful sign-in (R9). Its rows are locked in the table's order, not takeAll's: give it at most one bucket that
 * a takeAll also counts, or two statements could each hold a row the other waits for (PostgreSQL).
 */
export async function reset(db: Kysely<Database>, ...bucketNames: [string, ...string[]]): Promise<void> {
  await db.deleteFrom('rate_limits').where('bucket', 'in', bucketNames).execute();
}

/** Deletes windows that have ended; returns how many. Safe to run from every node. */
export async function purgeExpired(db: Kysely<Database>, clock: Clock): Promise<number> {
  const result = await db
    .deleteFrom('rate_limits')
    .where('expires_at', '<=', clock.now().toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Counts `amount` (e.g. bytes, R31's 100 MB a day) in the current window, atomically, and returns the slot with the
 * window's value after the increment; release gives the same amount back. Decide on `count`, as with take.
 */
export async function takeAmount(
  db: Kysely<Database>,
  clock: Clock,
  bucketName: string,
  windowMs: number,
  amount: number,
): Promise<Slot> {
  if (!Number.isSafeInteger(amount) || amount < 0)
    throw new RangeError(`amount must be a whole number >= 0: ${amount}`);
  const window = windowOf(clock, windowMs);
  const row = await db
    .insertInto('rate_limits')
    .values({ bucket: bucketName, window_start: window.start, count: amount, expires_at: window.end })
    .onConflict((oc) =>
      oc.columns(['bucket', 'window_start']).doUpdateSet((eb) => ({ count: eb('rate_limits.count', '+', amount) })),
    )
    .returning('count')
    .executeTakeFirstOrThrow();
  let released = false;
  return {
    count: Number(row.count),
    async release() {
      if (released) return;
      released = true;
      await db
        .updateTable('rate_limits')
        .set((eb) => ({ count: eb('count', '-', amount) }))
        .where('bucket', '=', bucketName)
        .where('window_start', '=', window.start)
        .execute();
    },
  };
}
