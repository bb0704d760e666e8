import type { Kysely } from 'kysely';
import { binary, civilDate, timestamp, withId } from '../dialect.js';

// R31: reimbursement and authorization requests, their timeline and their files.
//   - files: a member's (or the insurer's) file, sealed under ENCRYPTION_KEY (R29) and kept in the database so every
//     node serves it; name, type, size and the SHA-256 of the kept bytes beside it.
//   - requests: one row per request, `version` for compare-and-set transitions, `form_token` unique per account so a
//     form sent twice (or 40 times at once) makes one request; the IBAN sealed, with its mask for lists.
//   - request_events: the timeline the member sees.
//   - request_files: which files belong to a request, and as what.
//   - request_sequences: the per-type, per-year counter behind REE-2026-000123, taken by an atomic upsert.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('files'))
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('content_type', 'varchar(50)', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('sealed', binary(db), (c) => c.notNull())
    .addColumn('account_id', 'integer', (c) => c.references('accounts.id').onDelete('set null'))
    .addColumn('created_at', timestamp(db), (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('request_sequences')
    .addColumn('prefix', 'varchar(3)', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('last', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('request_sequences_pk', ['prefix', 'year'])
    .execute();

  await withId(db, db.schema.createTable('requests'))
    .addColumn('type', 'varchar(20)', (c) => c.notNull())
    .addColumn('reference', 'varchar(20)', (c) => c.notNull().unique())
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id'))
    .addColumn('patient_member_id', 'integer', (c) => c.notNull().references('members.id'))
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('form_token', 'varchar(64)', (c) => c.notNull())
    // Reimbursement
    .addColumn('service_date', civilDate(db))
    .addColumn('provider', 'varchar(200)')
    .addColumn('concept', 'varchar(50)')
    .addColumn('amount_claimed', 'integer')
    .addColumn('iban_sealed', 'text')
    .addColumn('iban_masked', 'varchar(50)')
    // Authorization
    .addColumn('category', 'varchar(50)')
    .addColumn('prescription', 'text')
    .addColumn('prescribing_doctor', 'varchar(200)')
    .addColumn('preferred_provider', 'varchar(200)')
    // Decision and payment
    .addColumn('amount_approved', 'integer')
    .addColumn('amount_paid', 'integer')
    .addColumn('paid_on', civilDate(db))
    .addColumn('reason', 'text')
    .addColumn('authorization_number', 'varchar(100)')
    .addColumn('valid_from', civilDate(db))
    .addColumn('valid_until', civilDate(db))
    .addColumn('authorized_provider', 'varchar(200)')
    .addColumn('submitted_at', timestamp(db), (c) => c.notNull())
    .addColumn('updated_at', timestamp(db), (c) => c.notNull())
    .addUniqueConstraint('requests_form_token_uq', ['account_id', 'form_token'])
    .execute();
  await db.schema.createIndex('requests_patient_idx').on('requests').columns(['patient_member_id', 'id']).execute();
  await db.schema.createIndex('requests_status_idx').on('requests').columns(['status', 'id']).execute();

  await withId(db, db.schema.createTable('request_events'))
    .addColumn('request_id', 'integer', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('status', 'varchar(20)', (c) => c.notNull())
    .addColumn('actor', 'varchar(10)', (c) => c.notNull())
    .addColumn('actor_id', 'varchar(100)')
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('at', timestamp(db), (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('request_events_request_idx')
    .on('request_events')
    .columns(['request_id', 'id'])
    .execute();

  await db.schema
    .createTable('request_files')
    .addColumn('request_id', 'integer', (c) => c.notNull().references('requests.id').onDelete('cascade'))
    .addColumn('file_id', 'integer', (c) => c.notNull().references('files.id'))
    .addColumn('role', 'varchar(20)', (c) => c.notNull())
    .addColumn('event_id', 'integer', (c) => c.references('request_events.id'))
    .addPrimaryKeyConstraint('request_files_pk', ['request_id', 'file_id'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['request_files', 'request_events', 'requests', 'request_sequences', 'files'])
    await db.schema.dropTable(table).execute();
}
