import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import { describeEachDatabase, freshDatabase } from '../../../../test/helpers/databases.js';
import { migrateToLatest } from '../migrate.js';
import { down as downAuditAppendOnly } from './0006-audit-append-only.js';
import { down as downStaffPasswords } from './0007-staff-passwords.js';
import { down as downMemberNotices } from './0008-member-notices.js';
import { down as downPasskeys } from './0009-passkeys.js';
import { down as downKnownDevices } from './0010-known-devices.js';
import { down as downOutboxLanes } from './0011-outbox-lanes.js';
import { down as downVerificationTokens } from './0012-verification-tokens.js';
import { down as downRequests } from './0013-requests.js';
import { down as downProviders } from './0014-providers.js';
import { down as downYourData } from './0017-your-data.js';

// Migration 0005 (R23) backfills the folded names and search terms of the members already there.

describeEachDatabase('migration 0005: member search backfill', (kind) => {
  test('members imported before the migration are found by name after it', async () => {
    const db = await freshDatabase(kind);
    try {
      // Roll back to before 0005, as a database that shipped with 0001–0004 would be.
      const k = db.kysely;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any>
      await downYourData(k as Kysely<any>);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any>
      await downProviders(k as Kysely<any>);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any>
      await downRequests(k as Kysely<any>);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any>
      await downVerificationTokens(k as Kysely<any>);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any>
      await downOutboxLanes(k as Kysely<any>);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any>
      await downKnownDevices(k as Kysely<any>);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any>
      await downPasskeys(k as Kysely<any>);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any>
      await downMemberNotices(k as Kysely<any>);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any>
      await downStaffPasswords(k as Kysely<any>);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any>
      await downAuditAppendOnly(k as Kysely<any>);
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
      assert.deepEqual(await migrateToLatest(db), [
        '0005-member-search',
        '0006-audit-append-only',
        '0007-staff-passwords',
        '0008-member-notices',
        '0009-passkeys',
        '0010-known-devices',
        '0011-outbox-lanes',
        '0012-verification-tokens',
        '0013-requests',
        '0014-providers',
        '0017-your-data',
      ]);
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
