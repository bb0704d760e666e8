import type { Kysely } from 'kysely';
import { timestamp } from '../dialect.js';

// R28: the browsers an account has signed in from. A device is a long-lived random cookie; only its SHA-256 is kept
// (R29), so a copy of this table names no cookie anyone could replay. One row per account and device: the same
// browser is known to each account that signs in on it separately.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('known_devices')
    .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
    .addColumn('device_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('first_seen_at', timestamp(db), (c) => c.notNull())
    .addColumn('last_seen_at', timestamp(db), (c) => c.notNull())
    .addPrimaryKeyConstraint('known_devices_pk', ['account_id', 'device_hash'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('known_devices').execute();
}
