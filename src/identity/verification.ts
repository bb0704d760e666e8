import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { todayIn } from '../domain/calendar.js';
import { hashToken, randomToken } from '../infra/crypto/tokens.js';
import type { CivilDate, Database, Timestamp } from '../infra/db/tables.js';

// R32 (certificates) and R33 (cards): the token a document's verification address carries, and what it vouches for.
//
// Why a random token with its hash stored, not an HMAC-signed one: a signed token would have to carry (or point to)
// the member and policy, so it would be longer in the QR code, and anyone holding the signing key (every node, every
// backup of the configuration) could mint one; rotating that key would silently turn every printed certificate into
// "not genuine". A random token says nothing by itself: 144 bits from the CSPRNG (24 characters, a small QR code),
// no order, no member number, so nobody can guess one or walk through members (R32: no enumeration). The table keeps
// only its SHA-256 (a leaked copy opens no address), and the answer is read live from the policy at every visit, so
// a certificate stops vouching the moment the feed or the API cancels the policy.

export type VerificationKind = 'certificate' | 'card';

const TOKEN_BYTES = 18;

/** What a verification address may tell anyone who has it (R32: initials, product, dates; nothing else). */
export interface Vouched {
  kind: VerificationKind;
  firstName: string;
  lastName: string;
  product: string;
  startDate: CivilDate;
  endDate: CivilDate | null;
  issuedAt: Timestamp;
  /** The policy is active and today lies within its cover dates, in the insurer's time zone. */
  activeToday: boolean;
}

/** Issues a token for a document made now for a member record and its policy; returns the token (shown once). */
export async function issueVerificationToken(
  db: Kysely<Database>,
  clock: Clock,
  subject: { kind: VerificationKind; memberId: number; policyId: number },
): Promise<string> {
  const token = randomToken(TOKEN_BYTES);
  await db
    .insertInto('verification_tokens')
    .values({
      token_hash: hashToken(token),
      kind: subject.kind,
      member_id: subject.memberId,
      policy_id: subject.policyId,
      issued_at: clock.now().toISOString(),
    })
    .execute();
  return token;
}

/**
 * R33: the token of a card's QR code. A card is shown again and again (the home, its page, a wallet pass), so its
 * address must not change at each view, and the table keeps no token, only its hash. The token is therefore derived
 * from the member record and policy under SECRET_KEY (HMAC-SHA-256, cut to 144 bits like a random one: unguessable
 * without the key), and its hash is stored the first time the card is drawn. Only stored hashes vouch: someone with
 * the key learns which address a card has, never makes one we did not issue vouch for a record whose card was never
 * shown. A new key gives cards new addresses; the old rows stay, so a card printed before still checks.
 */
export function cardToken(secretKey: string, subject: { memberId: number; policyId: number }): string {
  return createHmac('sha256', secretKey)
    .update(`card-verification:${subject.memberId}:${subject.policyId}`)
    .digest()
    .subarray(0, TOKEN_BYTES)
    .toString('base64url');
}

/** R33: the card's token, recorded once (a second view, or two at once, inserts nothing). */
export async function issueCardToken(
  db: Kysely<Database>,
  clock: Clock,
  secretKey: string,
  subject: { memberId: number; policyId: number },
): Promise<string> {
  const token = cardToken(secretKey, subject);
  await db
    .insertInto('verification_tokens')
    .values({
      token_hash: hashToken(token),
      kind: 'card',
      member_id: subject.memberId,
      policy_id: subject.policyId,
      issued_at: clock.now().toISOString(),
    })
    .onConflict((oc) => oc.column('token_hash').doNothing())
    .execute();
  return token;
}

/**
 * What a token vouches for today, or undefined for any token we did not issue (unknown, forged, altered, malformed).
 * Every token, well formed or not, costs the same hash and one indexed lookup, so the answers for the different kinds
 * of "not genuine" cannot be told apart by their timing either.
 */
export async function vouchedBy(
  db: Kysely<Database>,
  clock: Clock,
  timeZone: string,
  token: string,
  /** Only a token of this kind vouches: a certificate's address is no card's, and the other way round. */
  kind?: VerificationKind,
): Promise<Vouched | undefined> {
  const row = await db
    .selectFrom('verification_tokens')
    .innerJoin('members', 'members.id', 'verification_tokens.member_id')
    .innerJoin('policies', 'policies.id', 'verification_tokens.policy_id')
    .select([
      'verification_tokens.kind',
      'verification_tokens.issued_at',
      'members.first_name',
      'members.last_name',
      'policies.product',
      'policies.status',
      'policies.start_date',
      'policies.end_date',
    ])
    .where('verification_tokens.token_hash', '=', hashToken(token.slice(0, 200)))
    .executeTakeFirst();
  if (!row || (kind && row.kind !== kind)) return undefined;
  const today = todayIn(timeZone, clock.now());
  const startDate = String(row.start_date).slice(0, 10);
  const endDate = row.end_date === null ? null : String(row.end_date).slice(0, 10);
  return {
    kind: row.kind,
    firstName: row.first_name,
    lastName: row.last_name,
    product: row.product,
    startDate,
    endDate,
    issuedAt: new Date(row.issued_at).toISOString(),
    activeToday: row.status === 'active' && startDate <= today && (endDate === null || today <= endDate),
  };
}

// Particles of Spanish (and other) surnames that are not initials: "María de la Fuente" is "M. F.".
const PARTICLES = new Set(['de', 'del', 'la', 'las', 'los', 'y', 'i', 'e', 'da', 'das', 'do', 'dos', 'van', 'von']);

/** "María José García López" → "M. J. G. L.": the only part of the name a verification page shows (R32). */
export function initialsOf(firstName: string, lastName: string): string {
  return `${firstName} ${lastName}`
    .split(/[\s-]+/u)
    .filter((word) => word !== '' && !PARTICLES.has(word.toLocaleLowerCase('es')))
    .map((word) => `${Array.from(word)[0]!.toLocaleUpperCase('es')}.`)
    .join(' ');
}
