import type { Kysely } from 'kysely';
import { timestamp } from '../dialect.js';

// R10: each captcha solution is accepted once; its hash is kept until the challenge would have expired anyway.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('captcha_solutions')
    .addColumn('challenge_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('expires_at', timestamp(db), (c) => c.notNull())
    .execute();
  await db.schema.createIndex('captcha_solutions_expires_idx').on('captcha_solutions').column('expires_at').execute();
}
