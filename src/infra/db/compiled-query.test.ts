import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { describeEachDatabase, freshDatabase } from '../../../test/helpers/databases.js';
import { compiledQuery } from './compiled-query.js';
import type { Db } from './database.js';

// Issue 20: a hot query compiled once gives the same rows as the query built each time, for every value, for `in`
// lists of any length, inside a transaction, and refuses a builder whose parameter never became a bound value.

describeEachDatabase('compiled queries', (kind) => {
  let db: Db;
  before(async () => {
    db = await freshDatabase(kind);
    const now = '2026-12-03T10:00:00.000Z';
    const values = Array.from({ length: 5 }, (_, i) => ({
      policy_number: `CQ${i}`,
      status: i % 2 ? ('cancelled' as const) : ('active' as const),
      scheme: 'local' as const,
      product: `P'${i}`,
      start_date: '2025-01-01',
      end_date: null,
      created_at: now,
      updated_at: now,
    }));
    await db.kysely.insertInto('policies').values(values).execute();
  });
  after(async () => db?.close());

  const byNumber = compiledQuery((k, p: { number: string }) =>
    k.selectFrom('policies').select(['policy_number', 'product']).where('policy_number', '=', p.number),
  );
  const byNumbers = compiledQuery((k, p: { numbers: readonly string[]; status: string }) =>
    k
      .selectFrom('policies')
      .select('policy_number')
      .where('policy_number', 'in', p.numbers)
      .where('status', '=', p.status as 'active')
      .orderBy('policy_number'),
  );

  test('the same rows as the query built each time, value after value', async () => {
    for (const number of ['CQ0', 'CQ3', 'nope', "CQ0' or '1'='1"]) {
      const built = await db.kysely
        .selectFrom('policies')
        .select(['policy_number', 'product'])
        .where('policy_number', '=', number)
        .execute();
      assert.deepEqual(await byNumber(db.kysely, { number }), built, number);
    }
  });

  test('`in` lists of several lengths, each compiled once, with a second parameter after the list', async () => {
    assert.deepEqual(
      (await byNumbers(db.kysely, { numbers: ['CQ0'], status: 'active' })).map((r) => r.policy_number),
      ['CQ0'],
    );
    assert.deepEqual(
      (await byNumbers(db.kysely, { numbers: ['CQ0', 'CQ1', 'CQ2'], status: 'active' })).map((r) => r.policy_number),
      ['CQ0', 'CQ2'],
    );
    assert.deepEqual(
      (await byNumbers(db.kysely, { numbers: ['CQ1', 'CQ3', 'CQ4'], status: 'cancelled' })).map((r) => r.policy_number),
      ['CQ1', 'CQ3'],
    );
    assert.deepEqual(
      (await byNumbers(db.kysely, { numbers: ['CQ4'], status: 'active' })).map((r) => r.policy_number),
      ['CQ4'],
    );
  });

  test('inside a transaction it sees the transaction’s own writes', async () => {
    await db.kysely
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('policies').set({ product: 'changed' }).where('policy_number', '=', 'CQ2').execute();
        assert.equal((await byNumber(trx, { number: 'CQ2' }))[0]?.product, 'changed');
        throw new Error('roll back');
      })
      .catch(() => undefined);
    assert.equal((await byNumber(db.kysely, { number: 'CQ2' }))[0]?.product, "P'2");
  });

  test('transactions reuse the database’s template: the builder runs once for all of them', async () => {
    let built = 0;
    const counted = compiledQuery((k, p: { number: string }) => {
      built++;
      return k.selectFrom('policies').select('product').where('policy_number', '=', p.number);
    });
    assert.deepEqual(await counted(db.kysely, { number: 'CQ1' }), [{ product: "P'1" }]);
    for (const number of ['CQ2', 'CQ4'])
      await db.kysely.transaction().execute(async (trx) => {
        assert.deepEqual(await counted(trx, { number }), [{ product: `P'${number.slice(2)}` }]);
      });
    assert.equal(built, 1);
  });

  test('a builder that puts its parameter in the SQL text instead of binding it is refused', async () => {
    const unsafe = compiledQuery((k, p: { number: string }) =>
      k
        .selectFrom('policies')
        .select('policy_number')
        .where(sql.raw<boolean>(`policy_number = '${p.number}'`)),
    );
    await assert.rejects(unsafe(db.kysely, { number: 'CQ0' }), /not a bound value|reached the SQL text/);
  });
});
