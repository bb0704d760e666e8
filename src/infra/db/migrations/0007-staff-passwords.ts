import type { Kysely } from 'kysely';
import { timestamp, withId } from '../dialect.js';

// Issue 15 item 5 (R23, ASVS 6.4.1): staff choose their own passwords. A generated password (the CLI's first
// administrator) must be changed at the first sign-in; an administrator's reset, a new user and an authenticator
// reset send the owner a single-use link to set a password (only its hash is kept), so no administrator ever knows a
// colleague's password. Staff passwords keep a history like members' (R4: not one of the last 20).

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  const ts = timestamp(db);
  await db.schema
    .alterTable('staff_users')
    .addColumn('password_must_change', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await withId(db, db.schema.createTable('staff_password_history'))
    .addColumn('staff_user_id', 'integer', (c) => c.notNull().references('staff_users.id').onDelete('cascade'))
    .addColumn('password_hash', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('staff_password_history_user_idx')
    .on('staff_password_history')
    .column('staff_user_id')
    .execute();

  await withId(db, db.schema.createTable('staff_password_links'))
    .addColumn('staff_user_id', 'integer', (c) => c.notNull().references('staff_users.id').onDelete('cascade'))
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('expires_at', ts, (c) => c.notNull())
    .addColumn('used_at', ts)
    .addColumn('voided_at', ts)
    .addColumn('created_at', ts, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('staff_password_links_user_idx')
    .on('staff_password_links')
    .column('staff_user_id')
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('staff_password_links').execute();
  await db.schema.dropTable('staff_password_history').execute();
  await db.schema.alterTable('staff_users').dropColumn('password_must_change').execute();
}
