import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import { describeEachDatabase, freshDatabase } from '../../../../test/helpers/databases.js';

// R31, PRODUCT §5 (migration 0026): sealed files are stored without PostgreSQL's attempt to compress them (random
// bytes never compress), and they still come back byte for byte on both databases.

describeEachDatabase('files are stored as they are (migration 0026)', (kind) => {
  test('a 2 MB sealed file round-trips; on PostgreSQL its column is EXTERNAL (no compression attempt)', async () => {
    const db = await freshDatabase(kind);
    try {
      const sealed = randomBytes(2 * 1024 * 1024);
      const { id } = await db.kysely
        .insertInto('files')
        .values({
          name: 'x.pdf',
          content_type: 'application/pdf',
          size: sealed.length,
          sha256: '0'.repeat(64),
          sealed,
          account_id: null,
          created_at: '2026-12-06T09:00:00.000Z',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const back = await db.kysely.selectFrom('files').select('sealed').where('id', '=', id).executeTakeFirstOrThrow();
      assert.ok(Buffer.from(back.sealed).equals(sealed));
      if (kind === 'postgres') {
        const storage = await sql<{ attstorage: string }>`
          select attstorage from pg_attribute where attrelid = 'files'::regclass and attname = 'sealed'`.execute(
          db.kysely,
        );
        assert.equal(storage.rows[0]?.attstorage, 'e');
      }
    } finally {
      await db.close();
    }
  });
});
