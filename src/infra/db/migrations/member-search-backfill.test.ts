import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import { describeEachDatabase, freshDatabase } from '../../../../test/helpers/databases.js';
import { MIGRATIONS, migrateToLatest } from '../migrate.js';

// Migration 0005 (R23) backfills the folded names and search terms of the members already there.

describeEachDatabase('migration 0005: member search backfill', (kind) => {
  test('members imported before the migration are found by name after it', async () => {
    const db = await freshDatabase(kind);
    try {
      // Roll back to before 0005, as a database that shipped with 0001–0004 would be.
      const k = db.kysely;
      // Every later migration undone, newest first (each has a down()).
      const later = Object.keys(MIGRATIONS)
        .filter((name) => name > '0005-member-search')
        .sort();
      for (const name of [...later].reverse())
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any>
        await MIGRATIONS[name]!.down!(k as Kysely<any>);
      await k.schema.dropTable('member_search_terms').execute();
      for (const index of ['members_email_ci_idx', 'accounts_email_ci_idx', 'audit_events_member_idx'])
        await k.schema.dropIndex(index).execute();
      await k.schema.alterTable('members').dropColumn('search_name').execute();
      // Kysely's own bookkeeping table is not in our schema types.
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      await (k as Kysely<any>).deleteFrom('kysely_migration').where('name', '>=', '0005').execute();

      const now = '2026-11-27T10:00:00.000Z';
      const policy = await k
        .insertInto('policies')
        .values({
          policy_number: 'BF1',
          status: 'active',
          scheme: 'local',
          product: 'Salud',
          start_date: '2025-01-01',
          end_date: null,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const names = Array.from({ length: 1500 }, (_, i) => ({
        first: i === 0 ? 'Íñigo' : `Ana${i}`,
        last: i === 0 ? 'Muñoz-Peña' : 'Gil',
      }));
      for (let i = 0; i < names.length; i += 300) {
        await k
          .insertInto('members')
          // search_name does not exist yet at this point of the schema's life.
          .values(
            names.slice(i, i + 300).map((n, j) => ({
              member_number: `BF${i + j}`,
              policy_id: policy.id,
              role: 'holder',
              first_name: n.first,
              last_name: n.last,
              date_of_birth: '1980-01-01',
              country: 'ES',
              language: 'es',
              created_at: now,
              updated_at: now,
            })) as never,
          )
          .execute();
      }
      assert.deepEqual(await migrateToLatest(db), ['0005-member-search', ...later]);
      const first = await k
        .selectFrom('members')
        .select(['id', 'search_name'])
        .where('member_number', '=', 'BF0')
        .executeTakeFirstOrThrow();
      assert.equal(first.search_name, 'munoz pena inigo');
      const terms = await k
        .selectFrom('member_search_terms')
        .select('term')
        .where('member_id', '=', first.id)
        .orderBy('term')
        .execute();
      assert.deepEqual(
        terms.map((t) => t.term),
        ['inigo', 'munoz', 'pena'],
      );
      const missing = await k.selectFrom('members').select('id').where('search_name', 'is', null).execute();
      assert.equal(missing.length, 0, 'every batch was backfilled');
    } finally {
      await db.close();
    }
  });
});
