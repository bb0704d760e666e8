import type { Kysely } from 'kysely';
import { timestamp } from '../dialect.js';

// R31: `POST /api/v1/requests/{id}/status` honours an `Idempotency-Key` header. One row per API key and idempotency
// key: the hash of what was asked (method, path, body) and, once answered, the answer's status and body, so the same
// call again gets the same answer replayed and a different call under the same key is refused. The primary key is
// what makes a burst of the same call do the work once: the first to insert it holds it (PostgreSQL makes the others
// wait for its commit), the others find it taken and replay.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('api_key_id', 'integer', (c) => c.notNull().references('api_keys.id').onDelete('cascade'))
    .addColumn('idempotency_key', 'varchar(255)', (c) => c.notNull())
    .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', timestamp(db), (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['api_key_id', 'idempotency_key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_created_idx').on('idempotency_keys').column('created_at').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute();
}
