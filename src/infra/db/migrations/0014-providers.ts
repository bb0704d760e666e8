import { sql, type Kysely } from 'kysely';
import { isPostgres, timestamp, withId } from '../dialect.js';

// R34: the provider directory (cuadro médico). Each engine's own text search does the accent- and case-blind
// matching, no index of our own: SQLite an FTS5 table (unicode61, remove_diacritics 2) kept by triggers over
// `providers`; PostgreSQL trigram GIN indexes (pg_trgm) over an immutable wrapper of `unaccent` (an index needs an
// immutable function, and unaccent() is only stable because its dictionary could change).
// `search_doc` (name, specialties, city, province, postal code) and `place_doc` (city, province, postal code) are
// written by the application with each provider, so both engines index the same text.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await withId(db, db.schema.createTable('providers'))
    .addColumn('provider_id', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('kind', 'varchar(20)', (c) => c.notNull())
    .addColumn('specialties', 'varchar(1000)', (c) => c.notNull())
    .addColumn('address_line', 'varchar(200)', (c) => c.notNull())
    .addColumn('postal_code', 'varchar(5)', (c) => c.notNull())
    .addColumn('city', 'varchar(100)', (c) => c.notNull())
    .addColumn('province', 'varchar(100)', (c) => c.notNull())
    .addColumn('phone', 'varchar(20)', (c) => c.notNull())
    .addColumn('latitude', pg ? 'double precision' : 'real', (c) => c.notNull())
    .addColumn('longitude', pg ? 'double precision' : 'real', (c) => c.notNull())
    .addColumn('networks', 'varchar(1000)', (c) => c.notNull())
    .addColumn('languages', 'varchar(200)', (c) => c.notNull())
    .addColumn('search_doc', 'varchar(1500)', (c) => c.notNull())
    .addColumn('place_doc', 'varchar(220)', (c) => c.notNull())
    .addColumn('retired_at', timestamp(db))
    .addColumn('updated_at', timestamp(db), (c) => c.notNull())
    .execute();
  await db.schema.createIndex('providers_postal_code_idx').on('providers').column('postal_code').execute();
  await db.schema
    .createTable('provider_specialties')
    .addColumn('provider_id', 'integer', (c) => c.notNull().references('providers.id').onDelete('cascade'))
    .addColumn('specialty', 'varchar(100)', (c) => c.notNull())
    .addPrimaryKeyConstraint('provider_specialties_pk', ['specialty', 'provider_id'])
    .execute();
  await db.schema
    .createIndex('provider_specialties_provider_idx')
    .on('provider_specialties')
    .column('provider_id')
    .execute();
  await db.schema
    .createTable('provider_networks')
    .addColumn('provider_id', 'integer', (c) => c.notNull().references('providers.id').onDelete('cascade'))
    .addColumn('product', 'varchar(100)', (c) => c.notNull())
    .addPrimaryKeyConstraint('provider_networks_pk', ['product', 'provider_id'])
    .execute();
  await db.schema.createIndex('provider_networks_provider_idx').on('provider_networks').column('provider_id').execute();

  if (pg) {
    // Trusted extensions (PostgreSQL 13+): a database owner may create them. Kept in `public` so that every schema
    // of the database (one per tenant or test run) finds the same one.
    await sql`create extension if not exists unaccent schema public`.execute(db);
    await sql`create extension if not exists pg_trgm schema public`.execute(db);
    await sql`create or replace function directory_fold(text) returns text
      language sql immutable parallel safe strict
      as $$ select lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$`.execute(db);
    await sql`create index providers_search_trgm_idx on providers
      using gin (directory_fold(search_doc) public.gin_trgm_ops)`.execute(db);
    await sql`create index providers_place_trgm_idx on providers
      using gin (directory_fold(place_doc) public.gin_trgm_ops)`.execute(db);
  } else {
    await sql`create virtual table providers_fts using fts5(
      search_doc, place_doc, content='providers', content_rowid='id',
      tokenize = "unicode61 remove_diacritics 2")`.execute(db);
    await sql`create trigger providers_fts_insert after insert on providers begin
      insert into providers_fts(rowid, search_doc, place_doc) values (new.id, new.search_doc, new.place_doc);
    end`.execute(db);
    await sql`create trigger providers_fts_delete after delete on providers begin
      insert into providers_fts(providers_fts, rowid, search_doc, place_doc)
        values ('delete', old.id, old.search_doc, old.place_doc);
    end`.execute(db);
    await sql`create trigger providers_fts_update after update of search_doc, place_doc on providers begin
      insert into providers_fts(providers_fts, rowid, search_doc, place_doc)
        values ('delete', old.id, old.search_doc, old.place_doc);
      insert into providers_fts(rowid, search_doc, place_doc) values (new.id, new.search_doc, new.place_doc);
    end`.execute(db);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  // The extensions stay: other schemas of the database may use them.
  if (isPostgres(db)) await sql`drop function if exists directory_fold(text) cascade`.execute(db);
  else await sql`drop table if exists providers_fts`.execute(db);
  await db.schema.dropTable('provider_networks').execute();
  await db.schema.dropTable('provider_specialties').execute();
  await db.schema.dropTable('providers').execute();
}
