import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.js';

// R34 on 200,000 providers, PostgreSQL (bench/README.md, "The directory on 200,000 providers"): the directory's
// texts as words (tsvector, the 'simple' configuration: no stemming, no stop words) over the folded texts, with GIN
// indexes. A word or a word's beginning is one entry of the index, so `traumatologia` is one posting list instead of
// the intersection of its twelve trigrams' (19 ms on 200,000 providers), and a name fragment matches the beginnings
// of words as SQLite's FTS5 does (`nune` finds Núñez). Relevance is ts_rank() over the same words, so the trigram
// indexes and the folded texts of migration 0021 go (an import no longer writes them).

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`alter table providers
    drop column search_folded,
    drop column place_folded,
    add column search_words tsvector
      generated always as (to_tsvector('simple'::regconfig, directory_fold(search_doc))) stored,
    add column place_words tsvector
      generated always as (to_tsvector('simple'::regconfig, directory_fold(place_doc))) stored`.execute(db);
  await sql`create index providers_search_words_idx on providers using gin (search_words)`.execute(db);
  await sql`create index providers_place_words_idx on providers using gin (place_words)`.execute(db);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations are typed Kysely<any> (STYLE habit 7)
export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`alter table providers
    drop column search_words,
    drop column place_words,
    add column search_folded text generated always as (directory_fold(search_doc)) stored,
    add column place_folded text generated always as (directory_fold(place_doc)) stored`.execute(db);
  await sql`create index providers_search_trgm_idx on providers using gin (search_folded public.gin_trgm_ops)`.execute(
    db,
  );
  await sql`create index providers_place_trgm_idx on providers using gin (place_folded public.gin_trgm_ops)`.execute(
    db,
  );
}
