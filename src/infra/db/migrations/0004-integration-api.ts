import type { Kysely } from 'kysely';
import { timestamp, withId } from '../dialect.js';

// R24: API keys for the insurer's core system. Only a SHA-256 hash of each key is stored (the key is shown once);
// `key_hint` is the recognisable start of the key (prefix and a few characters) so an administrator can tell keys
// apart without the table ever holding one that works. A key is revoked, never deleted: the audit trail names it.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('api_keys'))
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('key_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('key_hint', 'varchar(20)', (c) => c.notNull())
    .addColumn('scopes', 'varchar(200)', (c) => c.notNull())
    .addColumn('rate_per_minute', 'integer', (c) => c.notNull())
    .addColumn('created_by', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', timestamp(db), (c) => c.notNull())
    .addColumn('last_used_at', timestamp(db))
    .addColumn('revoked_at', timestamp(db))
    .addColumn('revoked_by', 'varchar(200)')
    .execute();
}
