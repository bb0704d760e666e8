import type { Kysely } from 'kysely';
import { civilDate, timestamp, withId } from '../dialect.js';

// Frozen in time: never edit a migration that has shipped; add a new one.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  const ts = timestamp(db);
  const date = civilDate(db);

  await withId(db, db.schema.createTable('policies'))
    .addColumn('policy_number', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('scheme', 'varchar(16)', (c) => c.notNull())
    .addColumn('product', 'varchar(120)', (c) => c.notNull())
    .addColumn('start_date', date, (c) => c.notNull())
    .addColumn('end_date', date)
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('accounts'))
    .addColumn('username', 'varchar(40)', (c) => c.notNull().unique())
    .addColumn('document_type', 'varchar(10)', (c) => c.notNull())
    .addColumn('password_hash', 'varchar(200)', (c) => c.notNull())
    .addColumn('email', 'varchar(254)', (c) => c.notNull())
    .addColumn('mobile', 'varchar(20)')
    .addColumn('address_line', 'varchar(200)')
    .addColumn('postal_code', 'varchar(10)')
    .addColumn('city', 'varchar(100)')
    .addColumn('province', 'varchar(100)')
    .addColumn('country', 'varchar(2)')
    .addColumn('email_verified_at', ts)
    .addColumn('mobile_verified_at', ts)
    .addColumn('preferred_channel', 'varchar(10)')
    .addColumn('totp_secret', 'varchar(200)')
    .addColumn('totp_enabled_at', ts)
    .addColumn('totp_last_step', 'integer')
    .addColumn('language', 'varchar(2)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('locked_until', ts)
    .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('password_changed_at', ts, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('members'))
    .addColumn('member_number', 'varchar(32)', (c) => c.notNull().unique())
    .addColumn('policy_id', 'integer', (c) => c.notNull().references('policies.id'))
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('first_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('last_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('date_of_birth', date, (c) => c.notNull())
    .addColumn('document_type', 'varchar(10)')
    .addColumn('document_number', 'varchar(40)')
    .addColumn('email', 'varchar(254)')
    .addColumn('mobile', 'varchar(20)')
    .addColumn('address_line', 'varchar(200)')
    .addColumn('postal_code', 'varchar(10)')
    .addColumn('city', 'varchar(100)')
    .addColumn('province', 'varchar(100)')
    .addColumn('country', 'varchar(2)', (c) => c.notNull())
    .addColumn('language', 'varchar(2)', (c) => c.notNull())
    .addColumn('account_id', 'integer', (c) => c.references('accounts.id'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('members_policy_idx').on('members').column('policy_id').execute();
  await db.schema.createIndex('members_document_idx').on('members').column('document_number').execute();
  await db.schema.createIndex('members_account_idx').on('members').column('account_id').execute();

  await db.schema
    .createTable('guardian_links')
    .addColumn('minor_member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('guardian_member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('created_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('guardian_links_pk', ['minor_member_id', 'guardian_member_id'])
    .execute();
  await db.schema
    .createIndex('guardian_links_guardian_idx')
    .on('guardian_links')
    .column('guardian_member_id')
    .execute();

  await withId(db, db.schema.createTable('password_history'))
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('password_hash', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('password_history_account_idx')
    .on('password_history')
    .columns(['account_id', 'id'])
    .execute();

  await db.schema
    .createTable('flows')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('kind', 'varchar(32)', (c) => c.notNull())
    .addColumn('state', 'varchar(32)', (c) => c.notNull())
    .addColumn('browser_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('account_id', 'integer', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.references('members.id').onDelete('cascade'))
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('flows_expires_idx').on('flows').column('expires_at').execute();
  await db.schema.createIndex('flows_browser_idx').on('flows').columns(['browser_hash', 'kind']).execute();

  await withId(db, db.schema.createTable('one_time_tokens'))
    .addColumn('purpose', 'varchar(32)', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('account_id', 'integer', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('flow_id', 'varchar(64)', (c) => c.references('flows.id').onDelete('cascade'))
    .addColumn('channel', 'varchar(10)')
    .addColumn('destination', 'varchar(254)')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('used_at', ts)
    .addColumn('voided_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('one_time_tokens_hash_idx')
    .on('one_time_tokens')
    .columns(['purpose', 'token_hash'])
    .execute();
  await db.schema.createIndex('one_time_tokens_flow_idx').on('one_time_tokens').column('flow_id').execute();
  await db.schema.createIndex('one_time_tokens_account_idx').on('one_time_tokens').column('account_id').execute();

  await withId(db, db.schema.createTable('sessions'))
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('acting_member_id', 'integer', (c) => c.references('members.id').onDelete('set null'))
    .addColumn('second_factor', 'varchar(10)', (c) => c.notNull())
    .addColumn('ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(400)')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('last_seen_at', ts, (c) => c.notNull())
    .addColumn('idle_expires_at', ts, (c) => c.notNull())
    .addColumn('absolute_expires_at', ts, (c) => c.notNull())
    .addColumn('ended_at', ts)
    .execute();
  await db.schema.createIndex('sessions_account_idx').on('sessions').column('account_id').execute();

  await withId(db, db.schema.createTable('outbox'))
    .addColumn('channel', 'varchar(8)', (c) => c.notNull())
    .addColumn('recipient', 'varchar(254)', (c) => c.notNull())
    .addColumn('template', 'varchar(64)', (c) => c.notNull())
    .addColumn('language', 'varchar(2)', (c) => c.notNull())
    .addColumn('subject', 'varchar(300)')
    .addColumn('body_text', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text')
    .addColumn('status', 'varchar(10)', (c) => c.notNull())
    .addColumn('transport', 'varchar(20)')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', ts, (c) => c.notNull())
    .addColumn('locked_until', ts)
    .addColumn('locked_by', 'varchar(64)')
    .addColumn('last_error', 'varchar(1000)')
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('sent_at', ts)
    .execute();
  await db.schema.createIndex('outbox_due_idx').on('outbox').columns(['status', 'next_attempt_at']).execute();

  await withId(db, db.schema.createTable('audit_events'))
    .addColumn('occurred_at', ts, (c) => c.notNull())
    .addColumn('event', 'varchar(64)', (c) => c.notNull())
    .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
    .addColumn('actor', 'varchar(100)')
    .addColumn('subject', 'varchar(100)')
    .addColumn('account_id', 'integer')
    .addColumn('member_id', 'integer')
    .addColumn('ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(400)')
    .addColumn('request_id', 'varchar(64)')
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('audit_events_time_idx').on('audit_events').column('occurred_at').execute();
  await db.schema.createIndex('audit_events_account_idx').on('audit_events').column('account_id').execute();

  await db.schema
    .createTable('rate_limits')
    .addColumn('bucket', 'varchar(200)', (c) => c.notNull())
    .addColumn('window_start', ts, (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addPrimaryKeyConstraint('rate_limits_pk', ['bucket', 'window_start'])
    .execute();
  await db.schema.createIndex('rate_limits_expires_idx').on('rate_limits').column('expires_at').execute();
}
