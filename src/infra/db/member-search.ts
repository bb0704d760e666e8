import type { Kysely } from 'kysely';
import { memberSearchName, searchWords } from '../../domain/search-text.js';
import type { Database } from './tables.js';

// R23: the members' name index (migration 0005). Whatever writes a member's names writes these too, in its transaction.

/** The folded name to store in `members.search_name`. */
export const searchNameOf = (m: { firstName: string; lastName: string }) => memberSearchName(m.firstName, m.lastName);

/** Makes a member's search terms exactly the words of its folded name. */
export async function writeMemberSearchTerms(
  db: Kysely<Database>,
  memberId: number,
  searchName: string,
  isNew: boolean,
): Promise<void> {
  if (!isNew) await db.deleteFrom('member_search_terms').where('member_id', '=', memberId).execute();
  const terms = searchWords(searchName).map((term) => ({ term: term.slice(0, 100), member_id: memberId }));
  if (terms.length)
    await db
      .insertInto('member_search_terms')
      .values(terms)
      .onConflict((oc) => oc.doNothing())
      .execute();
}

/** The search terms of members just inserted, in as few statements as the parameter limits allow (bulk import). */
export async function writeNewMembersSearchTerms(
  db: Kysely<Database>,
  members: readonly { memberId: number; searchName: string }[],
): Promise<void> {
  const terms = members.flatMap((m) =>
    searchWords(m.searchName).map((term) => ({ term: term.slice(0, 100), member_id: m.memberId })),
  );
  for (let start = 0; start < terms.length; start += 1000) {
    await db
      .insertInto('member_search_terms')
      .values(terms.slice(start, start + 1000))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}
