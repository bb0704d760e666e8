import type { Kysely } from 'kysely';
import { timestamp, withId } from '../dialect.js';

// R19: notices a member gets once in their life (the enrolment email on their 18th birthday). The unique
// (member_id, kind) makes "once" hold with several nodes running the daily job at the same time: only the insert
// that wins sends.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('member_notices'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(40)', (c) => c.notNull())
    .addColumn('created_at', timestamp(db), (c) => c.notNull())
    .addUniqueConstraint('member_notices_once', ['member_id', 'kind'])
    .execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('member_notices').execute();
}
