import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Database } from '../../infra/db/tables.js';
import { addressKey, bucket, count, take, type Slot } from '../../infra/rate-limit/rate-limit.js';

// R6 (and issue 15, issue 25 item 3): registration's counters, owned here alone (STYLE habit 17). Every attempt is
// counted before its check, atomically, and decided on the value after the increment; an attempt that turns out
// not to be a failure gives its counts back, so each count is "failures kept + attempts in flight" and a burst of
// concurrent requests gets no more checks than the same requests one by one.
//
// Step 1 (identification) counts, in one window:
//   - per member number: from the (CAPTCHA_AFTER + 1)th, a captcha. Never a refusal: a stranger who knows only a
//     member number must not keep its member from registering (issue 25); the real member at worst solves a captcha;
//   - per client address (its /64 for IPv6): a captcha likewise, and a refusal past MAX_PER_ADDRESS;
//   - per member number from one client address: a refusal past MAX_PER_MEMBER_FROM_ADDRESS.
// The counts live in the database by member number and address, not in the flow, so restarting a flow (a new
// cookie, a new browser) buys no fresh tries.
//
// Step 2 (issue 15): the answer "this document is already someone's" is counted per member record (a day) and per
// client address (an hour).

export const IDENTIFY_WINDOW_MS = 60 * 60_000;
export const CAPTCHA_AFTER = 3;
export const MAX_PER_ADDRESS = 30;
export const MAX_PER_MEMBER_FROM_ADDRESS = 10;
export const DOCUMENT_LOOKUP_WINDOW_MS = 24 * 60 * 60_000;
export const MAX_DOCUMENT_LOOKUPS_PER_MEMBER = 3;
export const MAX_DOCUMENT_LOOKUPS_PER_ADDRESS = 10;

/** The bucket kinds; nothing outside this module spells them. */
const KIND = {
  identifyAddress: 'register-ip',
  identifyMember: 'register-member',
  identifyMemberFromAddress: 'register-member-ip',
  lookupMember: 'register-doc-member',
  lookupAddress: 'register-doc-ip',
} as const;

/** The bucket names of step 1's counters for a member number typed from a client address. */
export const identifyBuckets = (ip: string, memberNumber: string) => ({
  address: bucket(KIND.identifyAddress, addressKey(ip)),
  member: bucket(KIND.identifyMember, memberNumber),
  memberFromAddress: bucket(KIND.identifyMemberFromAddress, `${memberNumber} ${addressKey(ip)}`),
});

/** The bucket name of step 2's counter for a client address (its member-record twin stays inside). */
export const documentLookupAddressBucket = (ip: string) => bucket(KIND.lookupAddress, addressKey(ip));

/** Whether step 1's form should carry the captcha before anything is typed: the address already needs one. */
export async function identifyCaptchaShown(db: Kysely<Database>, clock: Clock, ip: string): Promise<boolean> {
  return (await count(db, clock, identifyBuckets(ip, '').address, IDENTIFY_WINDOW_MS)) >= CAPTCHA_AFTER;
}

/** One counted identification, open until its answer is known. */
export interface IdentifyAttempt {
  /** This attempt must carry a solved captcha (R6, R10). */
  readonly captchaRequired: boolean;
  /** Should this attempt fail, the next one needs a captcha: the form shows it. */
  readonly captchaNext: boolean;
  /** Not a failure (a match, invalid input, a missing captcha): every count is given back. */
  withdraw(): Promise<void>;
}

export type IdentifyGate = { kind: 'refused' } | { kind: 'open'; attempt: IdentifyAttempt };

const release = (slots: Slot[]) => Promise.all(slots.map((slot) => slot.release())).then(() => undefined);

/**
 * Counts one identification attempt (R6) from `ip` for `memberNumber` (normalised; empty when none was typed)
 * before anything is checked, and says whether it may go on. A refused attempt has given its counts back already;
 * an open one is kept as a failure unless the caller withdraws it.
 */
export async function beginIdentification(
  db: Kysely<Database>,
  clock: Clock,
  ip: string,
  memberNumber: string,
): Promise<IdentifyGate> {
  const names = identifyBuckets(ip, memberNumber);
  const [address, member, memberFromAddress] = await Promise.all([
    take(db, clock, names.address, IDENTIFY_WINDOW_MS),
    ...(memberNumber
      ? [
          take(db, clock, names.member, IDENTIFY_WINDOW_MS),
          take(db, clock, names.memberFromAddress, IDENTIFY_WINDOW_MS),
        ]
      : []),
  ]);
  const slots = [address!, ...(member ? [member] : []), ...(memberFromAddress ? [memberFromAddress] : [])];
  const perMember = member?.count ?? 0;
  if (address!.count > MAX_PER_ADDRESS || (memberFromAddress?.count ?? 0) > MAX_PER_MEMBER_FROM_ADDRESS) {
    await release(slots);
    return { kind: 'refused' };
  }
  return {
    kind: 'open',
    attempt: {
      captchaRequired: address!.count > CAPTCHA_AFTER || perMember > CAPTCHA_AFTER,
      captchaNext: address!.count >= CAPTCHA_AFTER || perMember >= CAPTCHA_AFTER,
      withdraw: () => release(slots),
    },
  };
}

/**
 * Counts one step-2 document answer (issue 15) for a member record from `ip` before the lookup; undefined when a
 * limit refuses it (its counts given back), else the function that gives them back when the document is free.
 */
export async function beginDocumentLookup(
  db: Kysely<Database>,
  clock: Clock,
  ip: string,
  memberId: number,
): Promise<(() => Promise<void>) | undefined> {
  const slots = await Promise.all([
    take(db, clock, bucket(KIND.lookupMember, String(memberId)), DOCUMENT_LOOKUP_WINDOW_MS),
    take(db, clock, documentLookupAddressBucket(ip), IDENTIFY_WINDOW_MS),
  ]);
  if (slots[0].count > MAX_DOCUMENT_LOOKUPS_PER_MEMBER || slots[1].count > MAX_DOCUMENT_LOOKUPS_PER_ADDRESS) {
    await release(slots);
    return undefined;
  }
  return () => release(slots);
}
