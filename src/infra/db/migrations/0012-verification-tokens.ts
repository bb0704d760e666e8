import type { Kysely } from 'kysely';
import { timestamp, withId } from '../dialect.js';

// R32, R33: the tokens a certificate of insurance (and later a card) carries in its verification address. Only the
// token's SHA-256 is kept, so a copy of this table names no address anyone could open; a row says which member record
// and policy the document was made for and when. Whether it still vouches is read from the policy's live status.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('verification_tokens'))
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('policy_id', 'integer', (c) => c.notNull().references('policies.id').onDelete('cascade'))
    .addColumn('issued_at', timestamp(db), (c) => c.notNull())
    .execute();
  await db.schema.createIndex('verification_tokens_member').on('verification_tokens').column('member_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('verification_tokens').execute();
}
