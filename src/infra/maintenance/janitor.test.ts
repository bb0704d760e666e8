import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../clock.js';
import { describeEachDatabase, freshDatabase } from '../../../test/helpers/databases.js';
import type { Db } from '../db/database.js';
import { purgeExpired } from './janitor.js';

describeEachDatabase('janitor', (kind) => {
  let db: Db;
  const clock = new ManualClock('2026-11-27T10:00:00Z');
  before(async () => {
    db = await freshDatabase(kind);
  });
  after(() => db.close());

  test('removes expired flows, counters and captcha records, keeps live ones', async () => {
    const at = (minutes: number) => new Date(clock.now().getTime() + minutes * 60_000).toISOString();
    const flow = (id: string, expires: string) => ({
      id,
      kind: 'k',
      state: 's',
      browser_hash: id,
      account_id: null,
      member_id: null,
      data: '{}',
      expires_at: expires,
      created_at: at(0),
      updated_at: at(0),
    });
    await db.kysely
      .insertInto('flows')
      .values([flow('old', at(-1)), flow('live', at(10))])
      .execute();
    await db.kysely
      .insertInto('rate_limits')
      .values([
        { bucket: 'b', window_start: at(-60), count: 1, expires_at: at(-1) },
        { bucket: 'b', window_start: at(0), count: 1, expires_at: at(60) },
      ])
      .execute();
    await db.kysely
      .insertInto('captcha_solutions')
      .values([
        { challenge_hash: 'a', expires_at: at(-1) },
        { challenge_hash: 'b', expires_at: at(5) },
      ])
      .execute();
    const report = await purgeExpired(db.kysely, clock);
    assert.deepEqual(
      { flows: report.flows, rateLimits: report.rateLimits, captchas: report.captchas },
      { flows: 1, rateLimits: 1, captchas: 1 },
    );
    assert.deepEqual(
      (await db.kysely.selectFrom('flows').select('id').execute()).map((f) => f.id),
      ['live'],
    );
  });
});
