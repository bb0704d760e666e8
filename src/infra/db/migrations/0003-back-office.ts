import type { Kysely } from 'kysely';
import { timestamp, withId } from '../dialect.js';

// R23: the back office has its own people, sign-in and sessions, kept apart from members' tables on purpose: a
// staff session can never be mistaken for a member's (or the reverse), and the two can be audited separately.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  const ts = timestamp(db);

  await withId(db, db.schema.createTable('staff_users'))
    .addColumn('username', 'varchar(40)', (c) => c.notNull().unique())
    .addColumn('display_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('email', 'varchar(254)', (c) => c.notNull())
    .addColumn('role', 'varchar(10)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(200)', (c) => c.notNull())
    .addColumn('totp_secret', 'varchar(200)')
    .addColumn('totp_enabled_at', ts)
    .addColumn('totp_last_step', 'integer')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_until', ts)
    .addColumn('last_sign_in_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('staff_sessions'))
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('staff_user_id', 'integer', (c) => c.notNull().references('staff_users.id').onDelete('cascade'))
    .addColumn('ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(400)')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('last_seen_at', ts, (c) => c.notNull())
    .addColumn('idle_expires_at', ts, (c) => c.notNull())
    .addColumn('absolute_expires_at', ts, (c) => c.notNull())
    .addColumn('ended_at', ts)
    .execute();
  await db.schema.createIndex('staff_sessions_user_idx').on('staff_sessions').column('staff_user_id').execute();

  // The administrators' audit-log filters (R22, R23) by actor and by subject, newest first.
  await db.schema
    .createIndex('audit_events_actor_time_idx')
    .on('audit_events')
    .columns(['actor', 'occurred_at'])
    .execute();
  await db.schema
    .createIndex('audit_events_subject_time_idx')
    .on('audit_events')
    .columns(['subject', 'occurred_at'])
    .execute();
}
