import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

// R34 on 200,000 providers, PostgreSQL (bench/README.md, "The directory on 200,000 providers"): the directory's
// texts as words in one tsvector (the 'simple' configuration: no stemming, no stop words) over the folded texts,
// with a GIN index, instead of trigram indexes.
// - A word is one entry of the index, so `traumatologia` is one posting list instead of the intersection of its
//   twelve trigrams' (19 ms on 200,000 providers), and a name fragment matches the beginnings of words as SQLite's
//   FTS5 does (`nune` finds Núñez).
// - The place's words are there too with every beginning of each, marked `>` (`>m`, `>ma`, … `>madrid`), so that
//   "a specialty in a place" is one search of whole entries in one index, which GIN intersects inside the index
//   (2,435 rows for a specialty in Madrid) instead of building a bitmap of the place's 43,000 providers to AND with
//   another (30 ms).
// Relevance is ts_rank() over the same words, so the folded texts of migration 0021 go (an import no longer writes
// them).
// Both engines: the centroid of a postal code (a search "near 28001") reads its live providers' coordinates from one
// index instead of 850 rows of the table; a search by name with more matches than it counts reads them in name order
// from an index of the live providers' names instead of sorting all of them.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index providers_postal_code_location_idx on providers (postal_code, latitude, longitude)
    where retired_at is null`.execute(db);
  await db.schema.dropIndex('providers_postal_code_idx').execute();
  await sql`create index providers_name_idx on providers (name, id) where retired_at is null`.execute(db);
  if (!isPostgres(db)) return;
  // The folded text's words as foldForSearch() cuts them: punctuation is a space, or the parser would keep
  // `dra.maria` (a host name to it) or `c/larios` (a path) as one word.
  await sql`create or replace function directory_words(text) returns text
    language sql immutable parallel safe strict
    as $$ select regexp_replace(directory_fold($1), '[[:punct:]]+', ' ', 'g') $$`.execute(db);
  await sql`create or replace function directory_place_prefixes(text) returns tsvector
    language sql immutable parallel safe strict
    as $$ select coalesce(array_to_tsvector(array_agg(distinct '>' || left(w, n))), ''::tsvector)
      from unnest(tsvector_to_array(to_tsvector('simple'::regconfig, $1))) w, generate_series(1, length(w)) n $$`.execute(
    db,
  );
  await sql`alter table providers
    drop column search_folded,
    drop column place_folded,
    add column search_words tsvector generated always as (
      to_tsvector('simple'::regconfig, directory_words(search_doc))
      || directory_place_prefixes(directory_words(place_doc))) stored`.execute(db);
  await sql`create index providers_search_words_idx on providers using gin (search_words)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('providers_postal_code_idx').on('providers').column('postal_code').execute();
  await db.schema.dropIndex('providers_postal_code_location_idx').execute();
  await db.schema.dropIndex('providers_name_idx').execute();
  if (!isPostgres(db)) return;
  await sql`alter table providers
    drop column search_words,
    add column search_folded text generated always as (directory_fold(search_doc)) stored,
    add column place_folded text generated always as (directory_fold(place_doc)) stored`.execute(db);
  await sql`drop function directory_place_prefixes(text)`.execute(db);
  await sql`drop function directory_words(text)`.execute(db);
  await sql`create index providers_search_trgm_idx on providers using gin (search_folded public.gin_trgm_ops)`.execute(
    db,
  );
  await sql`create index providers_place_trgm_idx on providers using gin (place_folded public.gin_trgm_ops)`.execute(
    db,
  );
}
