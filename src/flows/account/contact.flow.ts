import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { maskEmail, parseEmail } from '../../domain/email.js';
import { formatMobile, maskPhone, parseMobile } from '../../domain/phone.js';
import type { PostalAddress } from '../../domain/postal-address.js';
export { formatMobile };
export { parseAddress, type AddressInput } from '../../domain/postal-address.js';
import { fail, ok, type Result } from '../../domain/result.js';
import { codeDigest, codeMatches, countCodeTry } from '../../infra/crypto/one-time-code.js';
import { sixDigitCode } from '../../infra/crypto/tokens.js';
import type { Account, Database } from '../../infra/db/tables.js';
import { createFlowStore, type Flow, type FlowStore } from '../../infra/flows/flow-store.js';
import type { Lang, Translate } from '../../infra/i18n/i18n.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { addressKey, bucket, limitReached, take, type Limit } from '../../infra/rate-limit/rate-limit.js';
import { contactCodeEmail, emailChangedEmail, mobileChangedEmail, mobileRemovedEmail } from './contact.emails.js';
import { voidRecoveryLinks } from '../../identity/recovery-links.js';
export { checkPassword, PASSWORD_FAILURES } from '../../identity/reauthentication.js';

// R15 contact data, apart from HTTP. The postal address is saved at once. A new email or mobile is a small stored flow:
//
// contact page --password right, code sent to the new value--> 'code' --right code--> applied, flow ended 'code' --code
// expired / 5 wrong / replaced--> ended, start again

export const CHANGE_TTL_MS = 15 * 60_000;
export const CODE_TTL_MS = 10 * 60_000;
export const MAX_WRONG_CODES = 5;
const CODE_PURPOSE = 'contact-code';
const HOUR = 3_600_000;
/** Wrong passwords per account per hour before further tries are refused with 429. */
/**
 * R9: these routes send email and SMS to an address the member types, so sends are limited per account and per client
 * address.
 */
export const SENDS_PER_ACCOUNT: Limit = { windowMs: HOUR, max: 10 };
export const SENDS_PER_ADDRESS: Limit = { windowMs: HOUR, max: 20 };

export type What = 'email' | 'mobile';

/** What the pending change remembers; the code itself lives hashed in one_time_tokens. */
export interface ChangeData {
  what: What;
  value: string;
}

/** The pending email or mobile changes, one per browser. */
export function contactChanges(clock: Clock, secureCookies: boolean): FlowStore<ChangeData> {
  return createFlowStore<ChangeData>(clock, {
    kind: 'contact-change',
    ttlMs: CHANGE_TTL_MS,
    cookieName: 'contact',
    secureCookies,
  });
}

export const shown = (what: What, value: string) => (what === 'email' ? value : formatMobile(value));
export const masked = (what: What, value: string) => (what === 'email' ? maskEmail(value) : maskPhone(value));

// ——— the postal address ———

/** R15: the account's postal address, replaced as a whole. */
export async function saveAddress(
  db: Kysely<Database>,
  accountId: number,
  a: PostalAddress,
  now: string,
): Promise<void> {
  await db
    .updateTable('accounts')
    .set({
      address_line: a.addressLine,
      postal_code: a.postalCode,
      city: a.city,
      province: a.province,
      country: a.country,
      updated_at: now,
    })
    .where('id', '=', accountId)
    .execute();
}

// ——— removing the mobile ———

/**
 * R15: the mobile removed and the account's email told. Sign-in codes then go by email (R7 needs a channel the
 * account has), so a preference for SMS is reset; answers whether it was.
 */
export async function removeMobile(
  db: Kysely<Database>,
  courier: Courier,
  account: Account,
  now: string,
): Promise<boolean> {
  const resetChannel = account.preferred_channel === 'sms';
  await db
    .updateTable('accounts')
    .set({
      mobile: null,
      mobile_verified_at: null,
      updated_at: now,
      ...(resetChannel ? { preferred_channel: 'email' as const } : {}),
    })
    .where('id', '=', account.id)
    .execute();
  await courier.email(db, account.email, account.language, mobileRemovedEmail, {});
  return resetChannel;
}

// ——— a new email or mobile: the code ———

/** The new email or mobile as typed, validated as in R3; a mobile is required here (removing it is its own form). */
export function parseNewValue(what: What, input: string, field: string): Result<string> {
  if (what === 'email') return parseEmail(input, field);
  const mobile = parseMobile(input, field);
  if (!mobile.ok) return mobile;
  return mobile.value === undefined ? fail(field, 'required') : ok(mobile.value);
}

/** The send buckets (R9): this account's and this client address's. */
const sendBuckets = (accountId: number, ip: string) =>
  [bucket('contact-send-account', String(accountId)), bucket('contact-send-ip', addressKey(ip))] as const;

/**
 * R9: takes one code send from this account's and this client address's hourly allowance, before anything is
 * queued. `limited` when either is used up (the counts are given back then); `giveBack` when nothing was sent.
 */
export async function takeSend(
  db: Kysely<Database>,
  clock: Clock,
  accountId: number,
  ip: string,
): Promise<{ limited: boolean; giveBack(): Promise<void> }> {
  const [accountSends, addressSends] = sendBuckets(accountId, ip);
  const slots = await Promise.all([take(db, clock, accountSends, HOUR), take(db, clock, addressSends, HOUR)]);
  const giveBack = async () => void (await Promise.all(slots.map((slot) => slot.release())));
  const limited =
    limitReached(slots[0].count - 1, SENDS_PER_ACCOUNT) || limitReached(slots[1].count - 1, SENDS_PER_ADDRESS);
  if (limited) await giveBack();
  return { limited, giveBack };
}

/**
 * Like the sign-in codes (R7): keyed with the server secret and bound to the flow; the prefix keeps them apart from
 * sign-in codes.
 */
const codeBinding = (flowId: string) => `contact:${flowId}`;

/** Voids unused contact codes: all of an account's (a new request replaces them) or one flow's (it ended unused). */
export async function voidCodes(
  db: Kysely<Database>,
  scope: { accountId: number } | { flowId: string },
  now: string,
): Promise<void> {
  let q = db
    .updateTable('one_time_tokens')
    .set({ voided_at: now })
    .where('purpose', '=', CODE_PURPOSE)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null);
  q = 'flowId' in scope ? q.where('flow_id', '=', scope.flowId) : q.where('account_id', '=', scope.accountId);
  await q.execute();
}

export interface CodeSender {
  courier: Courier;
  secretKey: string;
  brandName: string;
}

/** A new code for a started change: stored hashed and bound to the flow, sent to the new value only (R15). */
export async function sendChangeCode(
  db: Kysely<Database>,
  sender: CodeSender,
  to: { accountId: number; flowId: string; change: ChangeData; now: Date; lang: Lang; t: Translate },
): Promise<void> {
  const { what, value } = to.change;
  const code = sixDigitCode();
  await db
    .insertInto('one_time_tokens')
    .values({
      purpose: CODE_PURPOSE,
      token_hash: codeDigest(sender.secretKey, codeBinding(to.flowId), code),
      account_id: to.accountId,
      flow_id: to.flowId,
      channel: what === 'email' ? 'email' : 'sms',
      destination: value,
      expires_at: new Date(to.now.getTime() + CODE_TTL_MS).toISOString(),
      created_at: to.now.toISOString(),
    })
    .execute();
  if (what === 'email') await sender.courier.email(db, value, to.lang, contactCodeEmail, { code });
  else
    await sender.courier.sms(
      db,
      value,
      to.lang,
      CODE_PURPOSE,
      to.t('sms.contactCode', { brand: sender.brandName, code }),
    );
}

export type ConfirmedCode = { kind: 'ok'; tokenId: number; what: What; value: string };
export type CodeCheck =
  | ConfirmedCode
  | { kind: 'wrong'; remaining: number }
  | { kind: 'exhausted' }
  | { kind: 'expired' }
  | { kind: 'replaced' }
  | { kind: 'duplicate' };

/** Checks an answer against the flow's live code; each try is counted first, and the fifth wrong one exhausts it. */
export async function checkCode(
  db: Kysely<Database>,
  clock: Clock,
  secretKey: string,
  flow: Flow<ChangeData>,
  accountId: number,
  answer: string,
): Promise<CodeCheck> {
  const token = await db
    .selectFrom('one_time_tokens')
    .selectAll()
    .where('flow_id', '=', flow.id)
    .where('account_id', '=', accountId)
    .where('purpose', '=', CODE_PURPOSE)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!token || !token.destination) return { kind: 'replaced' };
  const now = clock.now().toISOString();
  if (token.expires_at <= now) return { kind: 'expired' };
  const attempts = await countCodeTry(db, token.id);
  if (attempts === undefined) return { kind: 'replaced' };
  const code = answer.normalize('NFKC').replace(/\s+/g, '');
  const matches = codeMatches(secretKey, codeBinding(flow.id), code, token.token_hash);
  // Past the fifth try only parallel requests remain: a wrong one voids the change, the right one repeated (a double
  // submit) must not void what its first copy is applying, so it is told to look at the contact page instead.
  if (attempts > MAX_WRONG_CODES) return matches ? { kind: 'duplicate' } : { kind: 'exhausted' };
  if (!matches) {
    const remaining = MAX_WRONG_CODES - attempts;
    return remaining > 0 ? { kind: 'wrong', remaining } : { kind: 'exhausted' };
  }
  return {
    kind: 'ok',
    tokenId: token.id,
    what: token.channel === 'sms' ? 'mobile' : 'email',
    value: token.destination,
  };
}

// ——— a new email or mobile: applied ———

/**
 * Applies a confirmed change and tells the account's email (R15); false, with nothing changed, when the code was used
 * or voided meanwhile: the single-use update guards against a double submit. Run it in the transaction of the audit
 * (R25).
 */
export async function applyChange(
  db: Kysely<Database>,
  courier: Courier,
  accountId: number,
  confirmed: ConfirmedCode,
  now: string,
): Promise<boolean> {
  const { what, value } = confirmed;
  const used = await db
    .updateTable('one_time_tokens')
    .set({ used_at: now })
    .where('id', '=', confirmed.tokenId)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) return false;
  const before = await db
    .selectFrom('accounts')
    .select(['email', 'language'])
    .where('id', '=', accountId)
    .executeTakeFirstOrThrow();
  if (what === 'email') {
    await db
      .updateTable('accounts')
      .set({ email: value, email_verified_at: now, updated_at: now })
      .where('id', '=', accountId)
      .execute();
    await voidRecoveryLinks(db, accountId, now);
    // R15: the old email is told, so a takeover through a stolen session does not go unnoticed.
    await courier.email(db, before.email, before.language, emailChangedEmail, { newEmail: value });
  } else {
    await db
      .updateTable('accounts')
      .set({ mobile: value, mobile_verified_at: now, updated_at: now })
      .where('id', '=', accountId)
      .execute();
    await courier.email(db, before.email, before.language, mobileChangedEmail, { maskedMobile: maskPhone(value) });
  }
  return true;
}
