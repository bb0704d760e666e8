import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { ManualClock } from '../../clock.js';
import { describeEachDatabase, freshDatabase } from '../../../test/helpers/databases.js';
import type { Db } from '../db/database.js';
import {
  addressKey,
  bucket,
  captchaRequired,
  count,
  hit,
  limitReached,
  purgeExpired,
  reset,
  takeAll,
  type Limit,
} from './rate-limit.js';

// R6, R9: attempt counters live in the database so every node shares them; a window is fixed and rolls over with
// the (manual) clock; concurrent attempts never lose a count.

const MINUTE = 60_000;
const WINDOW = 15 * MINUTE;

describeEachDatabase('rate limits (R6, R9)', (kind) => {
  let db: Db;
  let clock: ManualClock;
  before(async () => {
    db = await freshDatabase(kind);
  });
  after(async () => {
    await db.close();
  });
  beforeEach(async () => {
    clock = new ManualClock('2026-11-27T10:00:00.000Z');
    await db.kysely.deleteFrom('rate_limits').execute();
  });

  test('hit counts up within a window and count reads it; an unknown bucket counts 0', async () => {
    const b = bucket('test', 'counts-up');
    assert.equal(await count(db.kysely, clock, b, WINDOW), 0);
    assert.equal(await hit(db.kysely, clock, b, WINDOW), 1);
    assert.equal(await hit(db.kysely, clock, b, WINDOW), 2);
    clock.advance(WINDOW - 1);
    assert.equal(await hit(db.kysely, clock, b, WINDOW), 3, 'the last millisecond is still the same window');
    assert.equal(await count(db.kysely, clock, b, WINDOW), 3);
    assert.equal(await count(db.kysely, clock, bucket('test', 'other'), WINDOW), 0, 'buckets are independent');
  });

  test('windows are fixed: they start on multiples of the window and roll over with the clock', async () => {
    const b = bucket('test', 'rolls');
    clock.set('2026-11-27T10:14:00.000Z');
    await hit(db.kysely, clock, b, WINDOW);
    await hit(db.kysely, clock, b, WINDOW);
    clock.set('2026-11-27T10:15:00.000Z');
    assert.equal(await count(db.kysely, clock, b, WINDOW), 0, 'a new window starts at 10:15');
    assert.equal(await hit(db.kysely, clock, b, WINDOW), 1);
    const rows = await db.kysely
      .selectFrom('rate_limits')
      .selectAll()
      .where('bucket', '=', b)
      .orderBy('window_start')
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.window_start, Number(r.count), r.expires_at]),
      [
        ['2026-11-27T10:00:00.000Z', 2, '2026-11-27T10:15:00.000Z'],
        ['2026-11-27T10:15:00.000Z', 1, '2026-11-27T10:30:00.000Z'],
      ],
    );
  });

  test('50 concurrent hits give exactly 50, each caller a distinct count 1..50 (atomic upsert)', async () => {
    const b = bucket('test', 'concurrent');
    const counts = await Promise.all(Array.from({ length: 50 }, () => hit(db.kysely, clock, b, WINDOW)));
    assert.deepEqual(
      [...counts].sort((x, y) => x - y),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    assert.equal(await count(db.kysely, clock, b, WINDOW), 50);
  });

  test('takeAll counts each bucket in its own window, in one statement, and gives each back once (issue 32)', async () => {
    const [a, b, c] = [bucket('test', 'all-a'), bucket('test', 'all-b'), bucket('test', 'all-c')];
    clock.set('2026-11-27T10:20:00.000Z'); // the quarter (10:15) and the hour (10:00) start apart
    await hit(db.kysely, clock, b, 60 * MINUTE);
    await hit(db.kysely, clock, b, 60 * MINUTE);
    const first = await takeAll(db.kysely, clock, [
      { bucket: c, windowMs: WINDOW },
      { bucket: a, windowMs: WINDOW },
      { bucket: b, windowMs: 60 * MINUTE },
    ]);
    assert.deepEqual(first.counts, [1, 1, 3], "in the caller's order, each its value after the increment");
    const second = await takeAll(db.kysely, clock, [
      { bucket: a, windowMs: WINDOW },
      { bucket: b, windowMs: 60 * MINUTE },
    ]);
    assert.deepEqual(second.counts, [2, 4]);
    assert.equal(await count(db.kysely, clock, b, WINDOW), 0, 'b was counted in its hourly window only');
    await first.release();
    await first.release();
    assert.deepEqual(
      [
        await count(db.kysely, clock, a, WINDOW),
        await count(db.kysely, clock, b, 60 * MINUTE),
        await count(db.kysely, clock, c, WINDOW),
      ],
      [1, 3, 0],
      'released once, however often called',
    );
    // A row deleted meanwhile (the streak reset by a sign-in) comes back at 0 when given back, never below.
    await reset(db.kysely, a, b);
    await second.release();
    assert.equal(await count(db.kysely, clock, a, WINDOW), 0);
    assert.equal(await count(db.kysely, clock, b, 60 * MINUTE), 0);
    const third = await takeAll(db.kysely, clock, [{ bucket: a, windowMs: WINDOW }]);
    assert.deepEqual(third.counts, [1]);
    await assert.rejects(
      takeAll(db.kysely, clock, [
        { bucket: a, windowMs: WINDOW },
        { bucket: a, windowMs: WINDOW },
      ]),
      /once per statement/,
    );
  });

  test('40 concurrent takeAll over shared buckets, in every order, some giving back at once: distinct counts, none lost, no deadlock (issue 32, R9)', async () => {
    // Like the sign-in: a shared streak and hour (one username), an address per group of callers; callers list them in
    // different orders, and half of them give their counts back while others are still taking theirs.
    const streak = bucket('test', 'burst-streak');
    const hour = bucket('test', 'burst-hour');
    const addresses = [0, 1, 2, 3].map((i) => bucket('test', `burst-ip-${i}`));
    const burst = 40;
    const results = await Promise.all(
      Array.from({ length: burst }, async (_, i) => {
        const counters = [
          { bucket: streak, windowMs: 24 * 60 * MINUTE },
          { bucket: hour, windowMs: 60 * MINUTE },
          { bucket: addresses[Math.floor(i / 10)]!, windowMs: 60 * MINUTE },
        ];
        if (i % 2) counters.reverse();
        if (i % 3 === 0) counters.push(counters.shift()!);
        const slots = await takeAll(db.kysely, clock, counters);
        const byBucket = new Map(counters.map((c, k) => [c.bucket, slots.counts[k]!]));
        if (i % 2) await slots.release();
        return byBucket;
      }),
    );
    const distinct = (name: string) => results.map((r) => r.get(name)!).sort((x, y) => x - y);
    const oneTo = (n: number) => Array.from({ length: n }, (_, k) => k + 1);
    // Those that gave back raced with those still taking, so the values are not 1..40; each still saw a distinct
    // value at most the number in flight, and what is left is exactly the counts kept.
    for (const name of [streak, hour]) {
      const values = distinct(name);
      assert.ok(
        values.every((v) => v >= 1 && v <= burst),
        `${name}: ${values.join(',')}`,
      );
    }
    assert.equal(await count(db.kysely, clock, streak, 24 * 60 * MINUTE), burst / 2, 'the kept half counted');
    assert.equal(await count(db.kysely, clock, hour, 60 * MINUTE), burst / 2);
    for (const a of addresses) assert.equal(await count(db.kysely, clock, a, 60 * MINUTE), 5, 'five of ten kept');
    // Without giving back, every caller gets its own value 1..40 on each shared row.
    const [one, other] = [bucket('test', 'burst-one'), bucket('test', 'burst-other')];
    const kept = await Promise.all(
      Array.from({ length: burst }, (_, i) =>
        takeAll(
          db.kysely,
          clock,
          i % 2
            ? [
                { bucket: one, windowMs: WINDOW },
                { bucket: other, windowMs: WINDOW },
              ]
            : [
                { bucket: other, windowMs: WINDOW },
                { bucket: one, windowMs: WINDOW },
              ],
        ).then((s) => (i % 2 ? s.counts : [...s.counts].reverse())),
      ),
    );
    assert.deepEqual(
      kept.map((k) => k[0]!).sort((x, y) => x - y),
      oneTo(burst),
    );
    assert.deepEqual(
      kept.map((k) => k[1]!).sort((x, y) => x - y),
      oneTo(burst),
    );
  });

  test('reset forgets every window of one bucket and no other', async () => {
    const b = bucket('test', 'reset');
    const other = bucket('test', 'kept');
    await hit(db.kysely, clock, b, WINDOW);
    clock.advance(WINDOW);
    await hit(db.kysely, clock, b, WINDOW);
    await hit(db.kysely, clock, other, WINDOW);
    await reset(db.kysely, b);
    assert.equal(await count(db.kysely, clock, b, WINDOW), 0);
    assert.equal(
      await db.kysely
        .selectFrom('rate_limits')
        .select('bucket')
        .where('bucket', '=', b)
        .execute()
        .then((r) => r.length),
      0,
    );
    assert.equal(await count(db.kysely, clock, other, WINDOW), 1);
  });

  test('purgeExpired deletes only windows that have ended', async () => {
    const b = bucket('test', 'purge');
    await hit(db.kysely, clock, b, WINDOW); // 10:00–10:15
    clock.advance(WINDOW); // 10:15
    await hit(db.kysely, clock, b, WINDOW); // 10:15–10:30
    await hit(db.kysely, clock, bucket('test', 'purge-hourly'), 60 * MINUTE); // 10:00–11:00, still running
    assert.equal(await purgeExpired(db.kysely, clock), 1, 'the 10:00–10:15 window ended exactly now');
    assert.equal(await count(db.kysely, clock, b, WINDOW), 1, 'the current window survives');
    assert.equal(await purgeExpired(db.kysely, clock), 0);
    clock.advance(60 * MINUTE);
    assert.equal(await purgeExpired(db.kysely, clock), 2);
    assert.equal(
      await db.kysely
        .selectFrom('rate_limits')
        .select('bucket')
        .execute()
        .then((r) => r.length),
      0,
    );
  });
});

test('bucket names hash the key: no personal data in the table, bounded length, stable across nodes', () => {
  const b = bucket('identify-member', '12345678Z');
  assert.match(b, /^identify-member:[0-9a-f]{32}$/);
  assert.ok(!b.includes('12345678Z'));
  assert.equal(bucket('identify-member', '12345678Z'), b, 'deterministic');
  assert.notEqual(bucket('identify-ip', '12345678Z'), b, 'the kind separates buckets');
  assert.notEqual(bucket('identify-member', '12345678z'), b);
  assert.match(bucket('x', 'é'.repeat(10_000)), /^x:[0-9a-f]{32}$/, 'a huge key still makes a short name');
  assert.throws(() => bucket('Bad Kind', 'k'), /kind/);
  assert.throws(() => bucket('', 'k'), /kind/);
});

test('client-address keys: IPv4 as is, IPv4-mapped as IPv4, IPv6 by /64', () => {
  assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8:1:2::1'), '2001:db8:1:2::/64', 'another host of the same /64 shares the key');
  assert.equal(addressKey('2001:DB8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressKey('not an address'), 'not an address');
});

test('captchaRequired and limitReached read a limit the same way in every flow', () => {
  const identify: Limit = { windowMs: 60 * MINUTE, captchaAfter: 3, max: 10 };
  const hourly: Limit = { windowMs: 60 * MINUTE, max: 100 };
  assert.equal(captchaRequired(2, identify), false);
  assert.equal(captchaRequired(3, identify), true, 'after 3 failures the 4th attempt needs a captcha');
  assert.equal(captchaRequired(1_000, hourly), false, 'a limit without captchaAfter never asks');
  assert.equal(limitReached(99, hourly), false);
  assert.equal(limitReached(100, hourly), true, 'never a 101st in the window');
});
