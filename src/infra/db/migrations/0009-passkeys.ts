import { sql, type Kysely } from 'kysely';
import { timestamp, withId } from '../dialect.js';

// R27: passkeys (WebAuthn credentials) of members and staff. A row holds the credential's public key, never a
// secret (R29): a copy of this table signs no one in. The credential id is unique across both kinds of owner, so
// a discoverable sign-in finds its owner from the id the authenticator returns. The signature counter is kept to
// refuse a cloned authenticator (one whose counter goes back); it is a 32-bit unsigned number, so bigint.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('passkeys'))
    .addColumn('account_id', 'integer', (c) => c.references('accounts.id').onDelete('cascade'))
    .addColumn('staff_id', 'integer', (c) => c.references('staff_users.id').onDelete('cascade'))
    .addColumn('credential_id', 'varchar(1400)', (c) => c.notNull().unique())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('transports', 'varchar(200)', (c) => c.notNull())
    .addColumn('name', 'varchar(60)', (c) => c.notNull())
    .addColumn('device_type', 'varchar(20)', (c) => c.notNull())
    .addColumn('backed_up', 'integer', (c) => c.notNull())
    .addColumn('created_at', timestamp(db), (c) => c.notNull())
    .addColumn('last_used_at', timestamp(db))
    .addCheckConstraint('passkeys_one_owner', sql`(account_id is null) <> (staff_id is null)`)
    .execute();
  await db.schema.createIndex('passkeys_account').on('passkeys').column('account_id').execute();
  await db.schema.createIndex('passkeys_staff').on('passkeys').column('staff_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('passkeys').execute();
}
