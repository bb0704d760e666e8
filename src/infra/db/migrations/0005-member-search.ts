import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

// R23: agents search members by name (any word, by prefix, without regard to accents or case), document, email,
// member and policy number, on a million members. Names get a folded sort key on `members` and one row per folded
// word in `member_search_terms` (a B-tree prefix range per word, on both engines); emails get case-insensitive
// indexes; the member's audit trail gets an index by member.

// Frozen copy of domain/search-text.ts as it was when this migration shipped (migrations never change).
const fold = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

const BACKFILL_BATCH = 1000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema.alterTable('members').addColumn('search_name', 'varchar(210)').execute();
  // Byte order on PostgreSQL too, so a prefix is exactly a range [prefix, successor) whatever the database's locale.
  await db.schema
    .createTable('member_search_terms')
    .addColumn('term', pg ? sql`varchar(100) collate "C"` : 'varchar(100)', (c) => c.notNull())
    .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('member_search_terms_pk', ['term', 'member_id'])
    .execute();
  await db.schema.createIndex('member_search_terms_member_idx').on('member_search_terms').column('member_id').execute();
  await db.schema
    .createIndex('members_email_ci_idx')
    .on('members')
    .expression(sql`lower(email)`)
    .execute();
  await db.schema
    .createIndex('accounts_email_ci_idx')
    .on('accounts')
    .expression(sql`lower(email)`)
    .execute();
  await db.schema.createIndex('audit_events_member_idx').on('audit_events').column('member_id').execute();

  // Backfill the members already there, in batches by id.
  let after = 0;
  for (;;) {
    const rows = (await db
      .selectFrom('members')
      .select(['id', 'first_name', 'last_name'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(BACKFILL_BATCH)
      .execute()) as NameRow[];
    if (rows.length === 0) break;
    // PostgreSQL runs the whole migration in one transaction already (and refuses a nested one); SQLite gets one per
    // batch.
    if (db.isTransaction) await backfill(db, rows);
    else await db.transaction().execute((trx) => backfill(trx, rows));
    after = rows[rows.length - 1]!.id;
  }
}

interface NameRow {
  id: number;
  first_name: string;
  last_name: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
async function backfill(db: Kysely<any>, rows: NameRow[]): Promise<void> {
  const terms: { term: string; member_id: number }[] = [];
  for (const r of rows) {
    const name = fold(`${r.last_name} ${r.first_name}`).slice(0, 210);
    await db.updateTable('members').set({ search_name: name }).where('id', '=', r.id).execute();
    for (const term of new Set(name.split(' ').filter(Boolean)))
      terms.push({ term: term.slice(0, 100), member_id: r.id });
  }
  for (let i = 0; i < terms.length; i += 500) {
    await db
      .insertInto('member_search_terms')
      .values(terms.slice(i, i + 500))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}
