import type { Kysely } from 'kysely';
import { civilDate, timestamp, withId } from '../dialect.js';

// R32: documents the core system puts for a member or for a whole policy (conditions, receipts, tax certificates,
// letters). The PDF itself is a row of `files` (sealed under ENCRYPTION_KEY, R29); a document points at it.
//   - owner_key is `member:<members.id>` or `policy:<policies.id>`, so one unique constraint (owner_key,
//     external_id) makes "the same id again replaces it" hold under concurrent PUTs on both engines (two nullable
//     columns in a unique constraint would not: NULLs are distinct).
//   - member_id / policy_id say the same with foreign keys, for the area's queries.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('documents'))
    .addColumn('owner_key', 'varchar(40)', (c) => c.notNull())
    .addColumn('external_id', 'varchar(100)', (c) => c.notNull())
    .addColumn('member_id', 'integer', (c) => c.references('members.id'))
    .addColumn('policy_id', 'integer', (c) => c.references('policies.id'))
    .addColumn('kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('title_es', 'varchar(200)', (c) => c.notNull())
    .addColumn('title_en', 'varchar(200)', (c) => c.notNull())
    .addColumn('document_date', civilDate(db), (c) => c.notNull())
    .addColumn('file_id', 'integer', (c) => c.notNull().references('files.id'))
    .addColumn('created_at', timestamp(db), (c) => c.notNull())
    .addColumn('updated_at', timestamp(db), (c) => c.notNull())
    .addUniqueConstraint('documents_owner_external_uq', ['owner_key', 'external_id'])
    .execute();
  await db.schema.createIndex('documents_member_idx').on('documents').column('member_id').execute();
  await db.schema.createIndex('documents_policy_idx').on('documents').column('policy_id').execute();
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  const files = await db.selectFrom('documents').select('file_id').execute();
  await db.schema.dropTable('documents').execute();
  // The documents' files go with them: nothing else points at them.
  for (let i = 0; i < files.length; i += 500)
    await db
      .deleteFrom('files')
      .where(
        'id',
        'in',
        files.slice(i, i + 500).map((f: { file_id: number }) => f.file_id),
      )
      .execute();
}
