import { sql, type Kysely, type RawBuilder } from 'kysely';
import { foldForSearch, searchWords } from '../../domain/search-text.js';
import type { ProviderInput } from '../../domain/provider.js';
import type { Db } from '../db/database.js';
import type { Database, ProviderTable } from '../db/tables.js';

// R34: the provider directory's storage and search. Matching is each engine's own word index (migrations 0014,
// 0023): FTS5 on SQLite, a tsvector GIN index over the unaccented texts on PostgreSQL, both matching the beginnings
// of words. User input never reaches either as syntax: it is folded to letters and digits, cut into at most
// MAX_TOKENS words, and each word is quoted (FTS5) or passed as a tsquery word of letters and digits only
// (PostgreSQL), so `"`, `*`, `NEAR`, `-`, `!`, `&` or `:` are just characters.

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

const MAX_TOKENS = 8;
const MAX_TOKEN_LENGTH = 40;

function rowValues(p: ProviderInput) {
  const specialties = p.specialties.join(';');
  const place = `${p.city} ${p.province} ${p.postalCode}`;
  return {
    name: p.name,
    kind: p.kind,
    specialties,
    address_line: p.addressLine,
    postal_code: p.postalCode,
    city: p.city,
    province: p.province,
    phone: p.phone,
    latitude: p.latitude,
    longitude: p.longitude,
    networks: p.networks.join(';'),
    languages: p.languages.join(';'),
    search_doc: `${p.name} ${p.specialties.join(' ')} ${place}`,
    place_doc: place,
  } satisfies Partial<ProviderTable>;
}

/** Inserts or updates a provider by its id; an identical one writes nothing (a re-import is idempotent). */
export async function upsertProvider(db: Kysely<Database>, p: ProviderInput, now: string): Promise<UpsertOutcome> {
  const values = rowValues(p);
  const current = await db
    .selectFrom('providers')
    .selectAll()
    .where('provider_id', '=', p.providerId)
    .executeTakeFirst();
  if (current) {
    const same =
      current.retired_at === null &&
      (Object.keys(values) as (keyof typeof values)[]).every((k) => current[k] === values[k]);
    if (same) return 'unchanged';
    await db
      .updateTable('providers')
      .set({ ...values, retired_at: null, updated_at: now })
      .where('id', '=', current.id)
      .execute();
    await db.deleteFrom('provider_specialties').where('provider_id', '=', current.id).execute();
    await db.deleteFrom('provider_networks').where('provider_id', '=', current.id).execute();
    await writeLists(db, current.id, p);
    return 'updated';
  }
  const { id } = await db
    .insertInto('providers')
    .values({ ...values, provider_id: p.providerId, retired_at: null, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  await writeLists(db, id, p);
  return 'inserted';
}

/**
 * The feed's batch form of upsertProvider (R34 import): the same outcomes, in a handful of statements per batch
 * instead of four per provider (one round trip each on PostgreSQL). Run it inside the batch's transaction; the ids
 * must be distinct.
 */
export async function upsertProviders(
  db: Kysely<Database>,
  batch: readonly ProviderInput[],
  now: string,
): Promise<UpsertOutcome[]> {
  if (!batch.length) return [];
  const current = new Map(
    (
      await db
        .selectFrom('providers')
        .selectAll()
        .where(
          'provider_id',
          'in',
          batch.map((p) => p.providerId),
        )
        .execute()
    ).map((r) => [r.provider_id, r]),
  );
  const outcomes: UpsertOutcome[] = [];
  const fresh: ProviderInput[] = [];
  const listsFor: { id: number; p: ProviderInput }[] = [];
  for (const p of batch) {
    const row = current.get(p.providerId);
    const values = rowValues(p);
    if (!row) {
      fresh.push(p);
      outcomes.push('inserted');
    } else if (
      row.retired_at === null &&
      (Object.keys(values) as (keyof typeof values)[]).every((k) => row[k] === values[k])
    ) {
      outcomes.push('unchanged');
    } else {
      await db
        .updateTable('providers')
        .set({ ...values, retired_at: null, updated_at: now })
        .where('id', '=', row.id)
        .execute();
      listsFor.push({ id: row.id, p });
      outcomes.push('updated');
    }
  }
  if (listsFor.length) {
    const ids = listsFor.map((x) => x.id);
    await db.deleteFrom('provider_specialties').where('provider_id', 'in', ids).execute();
    await db.deleteFrom('provider_networks').where('provider_id', 'in', ids).execute();
  }
  if (fresh.length) {
    const inserted = await db
      .insertInto('providers')
      .values(fresh.map((p) => ({ ...rowValues(p), provider_id: p.providerId, retired_at: null, updated_at: now })))
      .returning(['id', 'provider_id'])
      .execute();
    const byProviderId = new Map(fresh.map((p) => [p.providerId, p]));
    for (const r of inserted) listsFor.push({ id: r.id, p: byProviderId.get(r.provider_id)! });
  }
  const specialties = listsFor.flatMap(({ id, p }) =>
    p.specialties.map((specialty) => ({ provider_id: id, specialty })),
  );
  const networks = listsFor.flatMap(({ id, p }) => p.networks.map((product) => ({ provider_id: id, product })));
  if (specialties.length)
    await db
      .insertInto('provider_specialties')
      .values(specialties)
      .onConflict((oc) => oc.doNothing())
      .execute();
  if (networks.length)
    await db
      .insertInto('provider_networks')
      .values(networks)
      .onConflict((oc) => oc.doNothing())
      .execute();
  return outcomes;
}

async function writeLists(db: Kysely<Database>, id: number, p: ProviderInput): Promise<void> {
  if (p.specialties.length)
    await db
      .insertInto('provider_specialties')
      .values(p.specialties.map((specialty) => ({ provider_id: id, specialty })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  await db
    .insertInto('provider_networks')
    .values(p.networks.map((product) => ({ provider_id: id, product })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

/**
 * After a feed has written many providers: the planner's statistics brought up to date, so the very next searches
 * get the plans bench/README.md describes (PostgreSQL's autovacuum would analyse the tables only later; meanwhile a
 * search planned on the empty tables' statistics took 300 ms instead of a few), and on PostgreSQL the word index's
 * pending entries merged.
 */
export async function refreshDirectoryStatistics(db: Db): Promise<void> {
  if (db.dialect === 'postgres') {
    // The rows a feed wrote wait in the word index's pending list (GIN's fast update, up to 4 MB), which every
    // search reads in full (22 ms on 200,000 providers) and whose size makes the planner prefer a sequential scan
    // (60 ms): merged into the index first. Only the index's owner may (as for VACUUM); a portal running as another
    // role leaves it to autovacuum rather than fail the import.
    await sql`select gin_clean_pending_list('providers_search_words_idx'::regclass)`
      .execute(db.kysely)
      .catch(() => undefined);
    await sql`analyze providers, provider_specialties, provider_networks`.execute(db.kysely);
  } else
    await sql`analyze providers`.execute(db.kysely).then(() => sql`analyze provider_specialties`.execute(db.kysely));
}

/** Retires a provider (it disappears from every search); false when there is no such live provider. */
export async function retireProvider(db: Kysely<Database>, providerId: string, now: string): Promise<boolean> {
  const r = await db
    .updateTable('providers')
    .set({ retired_at: now, updated_at: now })
    .where('provider_id', '=', providerId)
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** After a full import: retires every live provider the file did not list. Returns how many. */
export async function retireProvidersNotIn(
  db: Kysely<Database>,
  listed: (providerId: string) => boolean,
  now: string,
): Promise<number> {
  let retired = 0;
  let after = '';
  for (;;) {
    const ids = await db
      .selectFrom('providers')
      .select('provider_id')
      .where('retired_at', 'is', null)
      .where('provider_id', '>', after)
      .orderBy('provider_id')
      .limit(1000)
      .execute();
    if (ids.length === 0) return retired;
    after = ids[ids.length - 1]!.provider_id;
    const gone = ids.map((r) => r.provider_id).filter((id) => !listed(id));
    if (gone.length) {
      const r = await db
        .updateTable('providers')
        .set({ retired_at: now, updated_at: now })
        .where('provider_id', 'in', gone)
        .executeTakeFirst();
      retired += Number(r.numUpdatedRows);
    }
  }
}

/**
 * The specialties of live providers, for the search form's list (limited to some products when given). Asked on
 * every directory page, so it must not read every provider: a loose index scan walks the distinct specialties of
 * provider_specialties' primary key (one index seek each, a few dozen in all), and each is kept when one live
 * provider (in the products) has it, which the first provider looked at usually answers. The check is a scalar
 * subquery with LIMIT 1, not EXISTS: PostgreSQL turns an EXISTS into one hash join over every provider (355 ms on
 * 200,000) where this stops at the first (3 ms).
 */
export async function specialtiesPresent(db: Kysely<Database>, products?: readonly string[]): Promise<string[]> {
  if (products && products.length === 0) return [];
  const inProducts = products
    ? sql`and exists (select 1 from provider_networks n where n.provider_id = p.id and n.product in (${sql.join(
        products.map((x) => sql`${x}`),
      )}))`
    : sql``;
  const { rows } = await sql<{ specialty: string }>`with recursive d(specialty) as (
      select min(specialty) from provider_specialties
      union all
      select (select min(x.specialty) from provider_specialties x where x.specialty > d.specialty)
      from d where d.specialty is not null
    )
    select d.specialty from d
    where d.specialty is not null and (
      select 1 from provider_specialties s join providers p on p.id = s.provider_id
      where s.specialty = d.specialty and p.retired_at is null ${inProducts} limit 1) is not null`.execute(db);
  return rows.map((r) => r.specialty).sort((a, b) => a.localeCompare(b, 'es', { sensitivity: 'base' }));
}

/** The centroid of the providers at a postal code, or undefined when the directory has none there. */
export async function postalCodeCentroid(
  db: Kysely<Database>,
  postalCode: string,
): Promise<{ latitude: number; longitude: number } | undefined> {
  const r = await db
    .selectFrom('providers')
    .select((eb) => [eb.fn.avg<number>('latitude').as('lat'), eb.fn.avg<number>('longitude').as('lon')])
    .where('postal_code', '=', postalCode)
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  if (r?.lat == null || r.lon == null) return undefined;
  return { latitude: Number(r.lat), longitude: Number(r.lon) };
}

/** The products of the policies a signed-in account's member records are on (the network filter). */
export async function productsOfAccount(db: Kysely<Database>, accountId: number): Promise<string[]> {
  const rows = await db
    .selectFrom('members as m')
    .innerJoin('policies as p', 'p.id', 'm.policy_id')
    .select('p.product')
    .distinct()
    .where('m.account_id', '=', accountId)
    .where('p.status', '=', 'active')
    .execute();
  return rows.map((r) => r.product);
}

export interface ProviderSearch {
  /** Free text: name, specialty, city, province or postal code, any words. */
  text?: string;
  /** Province, city or postal code. */
  place?: string;
  /** One of specialtiesPresent(). */
  specialty?: string;
  /** Only providers in one of these networks (a member's products); undefined: all. */
  products?: readonly string[];
  /** Sort by distance from here. */
  origin?: { latitude: number; longitude: number };
  page: number;
  pageSize: number;
  /**
   * A search counts matches up to this many, and a text search ranks at most this many (plus one) by relevance
   * (default COUNT_CAP).
   */
  countUpTo?: number;
}

export interface ProviderHit {
  providerId: string;
  name: string;
  kind: ProviderTable['kind'];
  specialties: string[];
  addressLine: string;
  postalCode: string;
  city: string;
  province: string;
  phone: string;
  latitude: number;
  longitude: number;
  languages: string[];
  distanceKm: number | null;
}

export interface ProviderPage {
  /**
   * How many providers match, counted up to COUNT_CAP (or `countUpTo`): past it, `more` says there are more.
   */
  total: number;
  more?: boolean;
  hits: ProviderHit[];
}

/**
 * A search counts its matches up to this many; past it, the page says "more than" and pages on.
 */
export const COUNT_CAP = 1_000;
/**
 * A distance search looks within these radii (km) in turn, then everywhere, until its page is full. The first is
 * small: in a big city's centre 2 km hold 1,700 providers to measure and sort (4 ms), 500 m about 100 (0.6 ms).
 */
const RADII_KM = [0.5, 2, 8, 30, 120, 500];
const KM_PER_DEGREE = 111.19;

/** The words a search uses: folded, each once, at most MAX_TOKENS of at most MAX_TOKEN_LENGTH characters. */
export function searchTokens(input: string | undefined): string[] {
  if (!input) return [];
  return searchWords(foldForSearch(input))
    .slice(0, MAX_TOKENS)
    .map((w) => w.slice(0, MAX_TOKEN_LENGTH));
}

/** An FTS5 query of quoted prefix terms, all required: `"traumatologia"* "malaga"*`. */
function ftsTerms(tokens: string[]): string {
  return tokens.map((t) => `"${t.replaceAll('"', '""')}"*`).join(' ');
}

interface HitRow {
  provider_id: string;
  name: string;
  kind: ProviderTable['kind'];
  specialties: string;
  address_line: string;
  postal_code: string;
  city: string;
  province: string;
  phone: string;
  latitude: number;
  longitude: number;
  languages: string;
  distance_km: number | null;
  total: number | string;
}

/**
 * A tsquery (PostgreSQL) of words, all required, as the entries of `search_words` (migration 0023): whole, their
 * beginnings (`prefix`), or a place's beginnings, which are entries of their own marked `>`.
 */
function tsWords(tokens: string[], as: 'whole' | 'prefix' | 'place'): string {
  // The tokens are folded letters and digits only (searchTokens), so none is tsquery syntax, quoted or not.
  return tokens.map((t) => (as === 'prefix' ? `'${t}':*` : as === 'place' ? `'>${t}'` : `'${t}'`)).join(' & ');
}

/**
 * Which matches of the text a query selects: all of them, those whose words are the text's words whole (a search
 * for `martin` finds Martín there), or the rest (Martínez: the text's words only begin theirs).
 */
type TextTier = 'all' | 'whole' | 'rest';

/** R34's search: any combination of text, place, specialty and network, by distance, relevance or name; paged. */
export async function searchProviders(db: Db, s: ProviderSearch): Promise<ProviderPage> {
  if (s.products && s.products.length === 0) return { total: 0, hits: [] };
  const pg = db.dialect === 'postgres';
  const text = searchTokens(s.text);
  const place = searchTokens(s.place);
  /**
   * The matching providers. With `narrowBySpecialty`, the specialty's own words join the text search, so that each
   * engine intersects them with the place's words in its index before reading a provider (11,000 rows read become
   * 700 for a specialty in a big city); the exact specialty is checked all the same. A search near a place leaves
   * them out of its page query, which the location index drives instead. Both engines match words by their
   * beginnings in a word index: FTS5 on SQLite, a tsvector GIN index on PostgreSQL (migration 0023).
   */
  const matching = (narrowBySpecialty: boolean, tier: TextTier = 'all', byName = false) => {
    const where: RawBuilder<unknown>[] = [sql`p.retired_at is null`];
    // `byName` (SQLite): the rows in name order from providers_name_idx, each checked against the FTS5 matches' set,
    // rather than every match read and sorted (PostgreSQL's planner makes that choice itself from its statistics).
    let from: RawBuilder<unknown> = byName ? sql`providers p indexed by providers_name_idx` : sql`providers p`;
    const specialtyWords = narrowBySpecialty && s.specialty ? searchTokens(s.specialty) : [];
    if (pg) {
      const words = [];
      if (text.length)
        words.push(
          tier === 'whole'
            ? `(${tsWords(text, 'whole')})`
            : tier === 'rest'
              ? `(${tsWords(text, 'prefix')}) & !(${tsWords(text, 'whole')})`
              : `(${tsWords(text, 'prefix')})`,
        );
      if (specialtyWords.length) words.push(tsWords(specialtyWords, 'whole'));
      if (place.length) words.push(tsWords(place, 'place'));
      // One query of the one index: GIN intersects the words' entries itself (a specialty in Madrid: 2,435 rows).
      if (words.length) where.push(sql`p.search_words @@ cast(${words.join(' & ')} as tsquery)`);
    } else if (text.length || place.length || specialtyWords.length) {
      const parts = [];
      const whole = text.map((t) => `"${t.replaceAll('"', '""')}"`).join(' ');
      if (text.length)
        parts.push(
          tier === 'whole'
            ? `(${whole})`
            : tier === 'rest'
              ? `((${ftsTerms(text)}) NOT (${whole}))`
              : `(${ftsTerms(text)})`,
        );
      if (place.length) parts.push(`place_doc : (${ftsTerms(place)})`);
      if (specialtyWords.length) parts.push(`search_doc : "${specialtyWords.join(' ')}"`);
      if (byName) {
        where.push(sql`p.id in (select rowid from providers_fts where providers_fts match ${parts.join(' AND ')})`);
      } else {
        from = sql`providers_fts f join providers p on p.id = f.rowid`;
        where.push(sql`providers_fts match ${parts.join(' AND ')}`);
      }
    }
    if (s.specialty)
      where.push(
        // The row's own list (`;`-separated, as provider_specialties is written): no lookup per candidate.
        sql`${pg ? sql`strpos` : sql`instr`}(';' || p.specialties || ';', ${`;${s.specialty};`}) > 0`,
      );
    if (s.products)
      where.push(
        sql`exists (select 1 from provider_networks n where n.provider_id = p.id and n.product in (${sql.join(
          s.products.map((x) => sql`${x}`),
        )}))`,
      );
    return { from, where };
  };
  const o = s.origin;
  const offset = (s.page - 1) * s.pageSize;
  const columns = sql`p.provider_id, p.name, p.kind, p.specialties, p.address_line, p.postal_code, p.city,
    p.province, p.phone, p.latitude, p.longitude, p.languages`;
  /** How many providers match, counting no further than `cap` + 1. */
  const countUpTo = async (m: { from: RawBuilder<unknown>; where: RawBuilder<unknown>[] }, cap: number) => {
    const counted = await sql<{ n: number | string }>`select count(*) as n from (select 1 from ${m.from}
      where ${sql.join(m.where, sql` and `)} limit ${cap + 1}) m`.execute(db.kysely);
    return Number(counted.rows[0]?.n ?? 0);
  };
  /**
   * A text search by relevance. Ranking every match before the first page cost most of the search (a fragment such
   * as `martin` or `clinica dental` matches 6,000 to 20,000 providers), so the ranking is done within a capped set of
   * candidates: up to `cap` + 1 matches, those whose words are the text's words whole first (each engine's word
   * index, in its own order), then those whose words only begin with them, and ranked among themselves by tier and
   * relevance (FTS5's rank; ts_rank() over the words, divided by the text's length), then name. With no more matches
   * than `cap`, that is every match and the order is exact; with more, the count says "more than `cap`" and the
   * pages past the candidates list the other matches by name. Each engine stops reading at the cap.
   */
  const rankedByRelevance = async (cap: number) => {
    const branch = (tier: 'whole' | 'rest', n: number) => {
      const { from, where } = matching(true, tier);
      const relevance = pg
        ? sql`-ts_rank(p.search_words, cast(${tsWords(text, 'prefix')} as tsquery), 1)`
        : sql`f.rank`;
      return sql`select * from (select p.id as id, ${sql.raw(String(n))} as tier, ${relevance} as r, p.name as name
        from ${from}
        where ${sql.join(where, sql` and `)} limit ${cap + 1}) b${sql.raw(String(n))}`;
    };
    const candidates = sql`with m as materialized (
        select id, tier, r, name from (${branch('whole', 0)} union all ${branch('rest', 1)}) u limit ${cap + 1})`;
    // The page is chosen among the candidates before the rest of its 20 rows is read.
    const ranked = await sql<HitRow>`${candidates}
      select ${columns}, null as distance_km, (select count(*) from m) as total
      from (select id, tier, r, name from m order by tier, r, name, id limit ${s.pageSize} offset ${offset}) c
      join providers p on p.id = c.id
      order by c.tier, c.r, c.name, c.id`.execute(db.kysely);
    let found = ranked.rows;
    let n = found.length ? Number(found[0]!.total) : undefined;
    if (n === undefined)
      n = Number(
        (await sql<{ n: number | string }>`${candidates} select count(*) as n from m`.execute(db.kysely)).rows[0]?.n ??
          0,
      );
    if (n > cap && found.length < s.pageSize) {
      // Past the candidates: the other matches, by name (from the name index on SQLite, as a search by name past
      // its cap).
      const { from, where } = matching(true, 'all', !pg);
      const rest = await sql<HitRow>`${candidates}
        select ${columns}, null as distance_km, 0 as total from ${from}
        where ${sql.join(where, sql` and `)} and p.id not in (select id from m)
        order by p.name, p.id limit ${s.pageSize - found.length} offset ${Math.max(0, offset - n)}`.execute(db.kysely);
      found = [...found, ...rest.rows];
    }
    return { rows: found, total: Math.min(n, cap), more: n > cap };
  };
  let rows: HitRow[];
  let total: number;
  let more = false;
  if (!o && text.length) {
    ({ rows, total, more } = await rankedByRelevance(s.countUpTo ?? COUNT_CAP));
  } else if (!o) {
    // By name. Counting and sorting every match cost most of a big search (a member's network with no other
    // filter: 140,000 providers, 470 ms on SQLite and 1.9 s on PostgreSQL), so the matches are read up to the cap
    // (their ids and names) and, when that is all of them, the page is sorted from those; past the cap, the page
    // comes in name order from the name index, each row checked, until it is full.
    const cap = s.countUpTo ?? COUNT_CAP;
    const all = matching(true);
    const upToCap = sql`with m as materialized (select p.id as id, p.name as name from ${all.from}
      where ${sql.join(all.where, sql` and `)} limit ${cap + 1})`;
    ({ rows } = await sql<HitRow>`${upToCap}
      select ${columns}, null as distance_km, (select count(*) from m) as total
      from (select id, name from m order by name, id limit ${s.pageSize} offset ${offset}) c
      join providers p on p.id = c.id
      order by c.name, c.id`.execute(db.kysely));
    const n = rows.length
      ? Number(rows[0]!.total)
      : Number(
          (await sql<{ n: number | string }>`${upToCap} select count(*) as n from m`.execute(db.kysely)).rows[0]?.n ??
            0,
        );
    total = Math.min(n, cap);
    more = n > cap;
    if (more) {
      const { from, where } = matching(true, 'all', !pg);
      ({ rows } = await sql<HitRow>`select ${columns}, null as distance_km, 0 as total
        from ${from} where ${sql.join(where, sql` and `)}
        order by p.name, p.id limit ${s.pageSize} offset ${offset}`.execute(db.kysely));
    }
  } else {
    // Sorting by distance measures every match, so a search near a big city would measure most of the directory.
    // Instead: count the matches (up to COUNT_CAP), then look in a box around the origin, through the location
    // index, for the page's providers within r km; the page is right once it is full, since every provider within
    // r km lies in the box. Otherwise widen r, and in the end look everywhere.
    const cap = s.countUpTo ?? COUNT_CAP;
    const n = await countUpTo(matching(true), cap);
    total = Math.min(n, cap);
    more = n > cap;
    // Haversine in SQL (both engines have the math functions), in kilometres; min() keeps asin's argument ≤ 1.
    const distance = sql`(12742 * asin(sqrt(${pg ? sql`least` : sql`min`}(1,
        power(sin(radians(p.latitude - ${o.latitude}) / 2), 2)
        + cos(radians(${o.latitude})) * cos(radians(p.latitude))
        * power(sin(radians(p.longitude - ${o.longitude}) / 2), 2)))))`;
    const { from, where } = matching(false);
    const page = (box: RawBuilder<unknown>[]) =>
      sql<HitRow>`select ${columns}, ${distance} as distance_km, 0 as total
        from ${from} where ${sql.join([...where, ...box], sql` and `)}
        order by distance_km, p.name, p.id limit ${s.pageSize} offset ${offset}`.execute(db.kysely);
    rows = [];
    // Fewer matches than the page needs: the page is the last one, only the whole set gives it.
    const radii = !more && n < offset + s.pageSize ? [] : RADII_KM;
    const cosLat = Math.cos((o.latitude * Math.PI) / 180);
    let done = false;
    for (const r of radii) {
      const dLat = r / KM_PER_DEGREE;
      const dLon = cosLat > 0.05 ? r / (KM_PER_DEGREE * cosLat) : 360;
      if (Math.abs(o.latitude) + dLat >= 90 || Math.abs(o.longitude) + dLon >= 180) break;
      ({ rows } = await page([
        sql`p.latitude between ${o.latitude - dLat} and ${o.latitude + dLat}`,
        sql`p.longitude between ${o.longitude - dLon} and ${o.longitude + dLon}`,
        sql`${distance} <= ${r}`,
      ]));
      if (rows.length === s.pageSize) {
        done = true;
        break;
      }
    }
    if (!done) ({ rows } = await page([]));
  }
  return {
    total,
    ...(more ? { more } : {}),
    hits: rows.map((r) => ({
      providerId: r.provider_id,
      name: r.name,
      kind: r.kind,
      specialties: r.specialties ? r.specialties.split(';') : [],
      addressLine: r.address_line,
      postalCode: r.postal_code,
      city: r.city,
      province: r.province,
      phone: r.phone,
      latitude: Number(r.latitude),
      longitude: Number(r.longitude),
      languages: r.languages ? r.languages.split(';') : [],
      distanceKm: r.distance_km == null ? null : Number(r.distance_km),
    })),
  };
}
