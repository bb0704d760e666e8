import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { describeEachDatabase, freshDatabase } from '../../../../test/helpers/databases.js';
import { ManualClock } from '../../../clock.js';
import { recordAudit } from '../../audit/audit.repository.js';

// R22, ASVS 16.4.2 (migration 0006): the database itself refuses to change or delete an audit row; adding rows goes on.

describeEachDatabase('audit trail is append-only at the database', (kind) => {
  test('UPDATE and DELETE of audit rows are refused, and the rows stay as written; INSERT still works', async () => {
    const db = await freshDatabase(kind);
    try {
      const clock = new ManualClock('2026-11-28T09:00:00Z');
      await recordAudit(
        db.kysely,
        clock,
        { ip: '198.51.100.4', requestId: 'req-1' },
        { event: 'sign_in.password', outcome: 'failure', subject: 'X1234567L' },
      );
      const before = await db.kysely.selectFrom('audit_events').selectAll().execute();
      assert.equal(before.length, 1);

      await assert.rejects(db.kysely.updateTable('audit_events').set({ outcome: 'success' }).execute(), /append-only/);
      await assert.rejects(
        db.kysely.updateTable('audit_events').set({ ip: null }).where('id', '=', before[0]!.id).execute(),
        /append-only/,
      );
      await assert.rejects(db.kysely.deleteFrom('audit_events').execute(), /append-only/);
      await assert.rejects(
        db.kysely.deleteFrom('audit_events').where('id', '=', before[0]!.id).execute(),
        /append-only/,
      );
      if (kind === 'postgres') await assert.rejects(sql`truncate audit_events`.execute(db.kysely), /append-only/);

      assert.deepEqual(await db.kysely.selectFrom('audit_events').selectAll().execute(), before);
      await recordAudit(db.kysely, clock, {}, { event: 'sign_in.password', outcome: 'success', subject: 'X1234567L' });
      assert.equal((await db.kysely.selectFrom('audit_events').selectAll().execute()).length, 2);
    } finally {
      await db.close();
    }
  });
});
