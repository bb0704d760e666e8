import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Database } from '../../infra/db/tables.js';
import { visibleMembers, type VisibleMember } from '../../identity/visible-members.js';
import type { MembershipPolicy } from './oidc.claims.js';

// R35 with R14: a guardian acting for a minor in an app. The provider's account id is then `<account>:m<member>`:
// the guardian's account (whose sessions, sign-out and connected apps it follows) and the minor's member record
// (the token's subject). Whether the guardian may still act is decided from the data each time the provider looks
// the account up (every token, refresh and userinfo): R14's rules, so the minor's 18th birthday, a guardian link
// removed by the feed or a policy change ends it at once.

export interface OidcAccountRef {
  /** The portal account that signed in (the guardian when acting). */
  accountId: number;
  /** The minor's member record when the account acts for a minor. */
  minorMemberId?: number;
}

/** The provider's account id for the account alone, or acting for one of its minors. */
export function oidcAccountId(accountId: number, minorMemberId?: number): string {
  return minorMemberId === undefined ? String(accountId) : `${accountId}:m${minorMemberId}`;
}

export function parseOidcAccountId(id: string): OidcAccountRef | undefined {
  const match = /^(\d{1,12})(?::m(\d{1,12}))?$/.exec(id);
  if (!match) return undefined;
  return { accountId: Number(match[1]), ...(match[2] ? { minorMemberId: Number(match[2]) } : {}) };
}

/** The portal account behind a provider account id (what `oidc_payloads.account_id` stores). */
export function baseAccountId(id: string): string {
  return parseOidcAccountId(id)?.accountId.toString() ?? id;
}

/** The minors this account may act for today (R14: the member selector's people). */
export async function actableMinors(
  db: Kysely<Database>,
  clock: Clock,
  timeZone: string,
  accountId: number,
): Promise<VisibleMember[]> {
  return (await visibleMembers(db, clock, timeZone, accountId)).filter((m) => m.relation === 'minor');
}

/** A minor's claims while the guardian may act for them: identity and membership, never the guardian's contact. */
export async function minorClaims(
  db: Kysely<Database>,
  clock: Clock,
  timeZone: string,
  ref: Required<OidcAccountRef>,
): Promise<Record<string, unknown> | undefined> {
  const account = await db
    .selectFrom('accounts')
    .select(['language', 'status'])
    .where('id', '=', ref.accountId)
    .executeTakeFirst();
  if (!account || account.status !== 'active') return undefined;
  const minor = (await actableMinors(db, clock, timeZone, ref.accountId)).find((m) => m.id === ref.minorMemberId);
  if (!minor) return undefined;
  const policy: MembershipPolicy = {
    number: minor.policyNumber,
    product: minor.product,
    status: minor.policyStatus,
    valid_until: minor.endDate,
  };
  return {
    name: `${minor.firstName} ${minor.lastName}`,
    given_name: minor.firstName,
    family_name: minor.lastName,
    birthdate: minor.dateOfBirth,
    member_number: minor.memberNumber,
    locale: account.language,
    policies: [policy],
  };
}
