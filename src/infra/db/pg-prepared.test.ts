import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { databaseKinds, freshDatabase, postgresTestUrl } from '../../../test/helpers/databases.js';

// Issue 8: on PostgreSQL the app's statements run as prepared statements (parsed and planned once per connection),
// within bounds, and a table changed underneath (another node's migration) does not break the queries after it.

const skip = databaseKinds.includes('postgres') ? false : 'PostgreSQL is not reachable';

test(
  'PostgreSQL: statements are prepared once per connection; long parameter lists are not; a changed table is survived',
  { skip },
  async () => {
    const db = await freshDatabase('postgres');
    try {
      const now = '2026-11-28T10:00:00.000Z';
      await db.kysely
        .insertInto('policies')
        .values({
          policy_number: 'PP1',
          status: 'active',
          scheme: 'local',
          product: 'Salud',
          start_date: '2025-01-01',
          end_date: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
      await db.kysely.connection().execute(async (conn) => {
        const policies = () => conn.selectFrom('policies').selectAll().where('policy_number', '=', 'PP1').execute();
        const prepared = async () =>
          (
            await sql<{
              statement: string;
            }>`select statement from pg_prepared_statements where name like 'ma\\_%'`.execute(conn)
          ).rows.map((r) => r.statement);
        assert.equal((await policies()).length, 1);
        assert.equal((await policies()).length, 1);
        const first = await prepared();
        assert.equal(first.filter((s) => s.includes('from "policies"')).length, 1, 'prepared once, used twice');

        const many = Array.from({ length: 100 }, (_, i) => `N${i}`);
        assert.equal(
          (await conn.selectFrom('policies').select('id').where('policy_number', 'in', many).execute()).length,
          0,
        );
        assert.equal(
          (await prepared()).filter((s) => s.includes('"policy_number" in')).length,
          0,
          'a 100-item IN list is not kept',
        );

        // Another node migrates: the table gains a column under the prepared SELECT *.
        const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(conn)).rows[0]!.s;
        const other = new pg.Client({ connectionString: await postgresTestUrl() });
        await other.connect();
        try {
          await other.query(`alter table ${schema}.policies add column extra text`);
        } finally {
          await other.end();
        }
        const after = await policies();
        assert.equal(after.length, 1);
        assert.ok('extra' in after[0]!, 'the new column is read: the stale plan was not used');
        assert.equal((await policies()).length, 1, 'and the statement goes on working on this connection');
      });
    } finally {
      await db.close();
    }
  },
);
