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
