import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { normaliseReference } from '../../../domain/reference-number.js';
import { fail, ok, type Result } from '../../../domain/result.js';
import { foldForSearch, searchWords } from '../../../domain/search-text.js';
import { isPostgres } from '../../../infra/db/dialect.js';
import type { Database } from '../../../infra/db/tables.js';

// R23: the agents' member search. One box: a member or policy number, an identity document or username, an email,
// or words of a name. Every key is an indexed lookup (exact, or a prefix range on a name word), never a scan, so it
// stays fast on a million members on SQLite and PostgreSQL alike.

/** Longest query accepted; a paste longer than this is refused before any work. */
export const MAX_QUERY_LENGTH = 100;
/** Name words shorter than this are too common to narrow anything down. */
const MIN_WORD_LENGTH = 2;
const MAX_WORDS = 5;
export const PAGE_SIZE = 20;
/** Deep pages are not a way to browse the member base: refine the query instead. */
export const MAX_PAGE = 50;

/** A query as the search runs it. */
export interface SearchQuery {
  /** The query as typed (trimmed), to show it back. */
  text: string;
  /** Lower-cased, when the query is an email address. */
  email?: string;
  /**
   * R1/R3 normalised (upper-cased, no spaces, hyphens or dots): matched exactly against member, policy and document
   * numbers and usernames.
   */
  reference?: string;
  /** Folded name words, each matched as a prefix of a word of the member's name; all must match. */
  words: string[];
}

/** Parses the search box: empty, too long or nothing searchable (only punctuation) are refused with a code. */
export function parseSearchQuery(raw: string): Result<SearchQuery> {
  if (raw.length > MAX_QUERY_LENGTH) return fail('q', 'too_long', { max: MAX_QUERY_LENGTH });
  const text = raw.normalize('NFKC').trim();
  if (text === '') return fail('q', 'required');
  if (/\p{Cc}/u.test(text)) return fail('q', 'search_unusable');
  if (text.includes('@')) {
    // An email is matched whole: its parts are not name words.
    return /^[^\s@]+@[^\s@]+$/.test(text)
      ? ok({ text, email: text.toLowerCase(), words: [] })
      : fail('q', 'search_unusable');
  }
  const reference = normaliseReference(text);
  const words = searchWords(foldForSearch(text))
    .filter((w) => w.length >= MIN_WORD_LENGTH)
    .slice(0, MAX_WORDS)
    .map((w) => w.slice(0, 100));
  const query: SearchQuery = { text, words };
  if (/^[A-Z0-9]{1,40}$/.test(reference)) query.reference = reference;
  if (!query.reference && words.length === 0) return fail('q', 'search_unusable');
  return ok(query);
}

/** The page number from a query string: absent means 1; anything but 1…MAX_PAGE is refused. */
export function parsePage(raw: string | undefined): Result<number> {
  if (raw === undefined || raw === '') return ok(1);
  if (!/^\d{1,3}$/.test(raw)) return fail('page', 'page_invalid', { max: MAX_PAGE });
  const page = Number(raw);
  return page >= 1 && page <= MAX_PAGE ? ok(page) : fail('page', 'page_invalid', { max: MAX_PAGE });
}

export interface MemberHit {
  memberId: number;
  memberNumber: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  role: 'holder' | 'dependent';
  documentType: 'NIF' | 'NIE' | 'PASSPORT' | null;
  documentNumber: string | null;
  email: string | null;
  policyNumber: string;
  policyStatus: 'active' | 'cancelled';
  scheme: 'local' | 'international' | 'expatriate';
  /** The linked account, if the person registered. */
  account: { id: number; username: string; status: 'active' | 'disabled' | 'closed' } | null;
}

export interface SearchPage {
  query: SearchQuery;
  page: number;
  pageSize: number;
  hits: MemberHit[];
  /** Another page follows (the search does not count every match: that would cost a scan on broad names). */
  hasMore: boolean;
  /** More than MAX_MATCHES members match the name: only that many were gathered; the agent should narrow the query. */
  truncated: boolean;
}

/** The smallest string greater than every string starting with `prefix` (code-point order = byte order in UTF-8). */
export function prefixSuccessor(prefix: string): string {
  const chars = Array.from(prefix);
  const last = chars.pop()!.codePointAt(0)!;
  // A surrogate code point cannot be encoded; skip over the block.
  const next = last === 0xd7ff ? 0xe000 : last + 1;
  return chars.join('') + String.fromCodePoint(next);
}

type Ids = SelectQueryBuilder<Database, keyof Database, { id: number }>;

/** At most this many members are gathered for one query (every page reachable); broader name queries say so. */
export const MAX_MATCHES = MAX_PAGE * PAGE_SIZE;

/** The exact keys: member, policy and document numbers, usernames, emails. Each an index lookup; few rows. */
function exactIds(db: Kysely<Database>, q: SearchQuery): Ids | undefined {
  const branches: Ids[] = [];
  if (q.reference) {
    const ref = q.reference;
    branches.push(
      db.selectFrom('members').select('members.id').where('member_number', '=', ref) as Ids,
      db
        .selectFrom('members')
        .innerJoin('policies', 'policies.id', 'members.policy_id')
        .select('members.id')
        .where('policies.policy_number', '=', ref) as Ids,
      db.selectFrom('members').select('members.id').where('document_number', '=', ref) as Ids,
      db
        .selectFrom('members')
        .innerJoin('accounts', 'accounts.id', 'members.account_id')
        .select('members.id')
        .where('accounts.username', '=', ref) as Ids,
    );
  }
  if (q.email) {
    const email = q.email;
    branches.push(
      db
        .selectFrom('members')
        .select('members.id')
        .where(sql`lower(email)`, '=', email) as Ids,
      db
        .selectFrom('members')
        .innerJoin('accounts', 'accounts.id', 'members.account_id')
        .select('members.id')
        .where(sql`lower(accounts.email)`, '=', email) as Ids,
    );
  }
  return branches.length ? branches.reduce((all, b) => all.union(b)) : undefined;
}

/**
 * Up to `max` members whose name has a word starting with each query word, and whether more match. One word: the
 * terms index read in its own order, stopping after max + 1 rows (a member with two matching words counts twice,
 * which only makes the cap tighter). More words: a prefix range per word, intersected (linear on both engines),
 * the lowest ids kept. Either way a broad prefix ("ma") never makes the engine fetch and sort a large part of the
 * members.
 */
async function nameIds(
  db: Kysely<Database>,
  words: string[],
  max: number,
): Promise<{ ids: number[]; truncated: boolean }> {
  const range = (word: string) =>
    db
      .selectFrom('member_search_terms')
      .select('member_id as id')
      .where('term', '>=', word)
      .where('term', '<', prefixSuccessor(word));
  const [first, ...rest] = words;
  const rows =
    rest.length === 0
      ? await range(first!)
          .orderBy('term')
          .orderBy('member_id')
          .limit(max + 1)
          .execute()
      : await db
          .selectFrom(rest.reduce((acc, word) => acc.intersect(range(word)), range(first!)).as('names'))
          .select('names.id')
          .orderBy('names.id')
          .limit(max + 1)
          .execute();
  return { ids: [...new Set(rows.map((r) => r.id))].slice(0, max), truncated: rows.length > max };
}

/**
 * R23: one page of members matching the query, ordered by folded name then member number (the same order on both
 * engines).
 */
export async function searchMembers(
  db: Kysely<Database>,
  query: SearchQuery,
  page = 1,
  pageSize = PAGE_SIZE,
  maxMatches = MAX_MATCHES,
): Promise<SearchPage> {
  const exact = exactIds(db, query);
  const ids = new Set<number>(exact ? (await exact.execute()).map((r) => r.id) : []);
  let truncated = false;
  if (query.words.length) {
    const named = await nameIds(db, query.words, maxMatches);
    truncated = named.truncated;
    for (const id of named.ids) ids.add(id);
  }
  if (ids.size === 0) return { query, page, pageSize, hits: [], hasMore: false, truncated };
  const rows = await db
    .selectFrom('members')
    .innerJoin('policies', 'policies.id', 'members.policy_id')
    .leftJoin('accounts', 'accounts.id', 'members.account_id')
    .select([
      'members.id',
      'members.member_number',
      'members.first_name',
      'members.last_name',
      'members.date_of_birth',
      'members.role',
      'members.document_type',
      'members.document_number',
      'members.email',
      'policies.policy_number',
      'policies.status as policy_status',
      'policies.scheme',
      'accounts.id as account_id',
      'accounts.username',
      'accounts.status as account_status',
    ])
    .where('members.id', 'in', [...ids])
    // Byte order on PostgreSQL too: a locale collation would order spaces differently from SQLite.
    .orderBy(isPostgres(db) ? sql`members.search_name collate "C"` : sql`members.search_name`)
    .orderBy('members.member_number')
    .limit(pageSize + 1)
    .offset((page - 1) * pageSize)
    .execute();
  const hits = rows.slice(0, pageSize).map((r): MemberHit => ({
    memberId: r.id,
    memberNumber: r.member_number,
    firstName: r.first_name,
    lastName: r.last_name,
    dateOfBirth: r.date_of_birth,
    role: r.role,
    documentType: r.document_type,
    documentNumber: r.document_number,
    email: r.email,
    policyNumber: r.policy_number,
    policyStatus: r.policy_status,
    scheme: r.scheme,
    account:
      r.account_id !== null && r.username !== null && r.account_status !== null
        ? { id: r.account_id, username: r.username, status: r.account_status }
        : null,
  }));
  return { query, page, pageSize, hits, hasMore: rows.length > pageSize, truncated };
}
