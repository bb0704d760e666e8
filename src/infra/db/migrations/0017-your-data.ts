import type { Kysely } from 'kysely';
import { timestamp } from '../dialect.js';

// R36 "your data". accounts.closed_at: when the member closed the portal account (status 'closed'); the purge job
// removes the account once CLOSED_ACCOUNT_RETENTION_DAYS have passed since then. staff_access_grants: the reason an
// agent gave before opening a member's record holds for that member, in that staff session, until expires_at, so
// the agent is not asked again on every click; each grant is one `data.access` audit row the member sees.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('closed_at', timestamp(db)).execute();
  await db.schema.createIndex('accounts_closed_at').on('accounts').column('closed_at').execute();
  await db.schema
    .createTable('staff_access_grants')
    .addColumn('staff_session_id', 'integer', (c) => c.notNull().references('staff_sessions.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('reason', 'varchar(32)', (c) => c.notNull())
    .addColumn('granted_at', timestamp(db), (c) => c.notNull())
    .addColumn('expires_at', timestamp(db), (c) => c.notNull())
    .addPrimaryKeyConstraint('staff_access_grants_pk', ['staff_session_id', 'member_id'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('staff_access_grants').execute();
  await db.schema.dropIndex('accounts_closed_at').execute();
  await db.schema.alterTable('accounts').dropColumn('closed_at').execute();
}
