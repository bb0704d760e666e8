import type { Kysely, Updateable } from 'kysely';
import type { ProviderLogout } from '../../../infra/session/session.js';
import { staffActor as staffActorName } from '../staff-users.flow.js';
import type { Clock } from '../../../clock.js';
import { isMinorOn, todayIn } from '../../../domain/calendar.js';
import { parseEmail } from '../../../domain/email.js';
import { parseIdentityDocument, type DocumentType } from '../../../domain/identity-document.js';
import { maskPhone, parseMobile } from '../../../domain/phone.js';
import { fail, ok, type FieldError, type Result } from '../../../domain/result.js';
import { recordAudit, type AuditContext, type AuditEvent } from '../../../infra/audit/audit.repository.js';
import type { Db } from '../../../infra/db/database.js';
import type { Account, AccountTable, Database, Member } from '../../../infra/db/tables.js';
import type { Courier } from '../../../infra/outbox/courier.js';
import { enrolmentEmail } from '../../../infra/outbox/templates/enrolment.js';
import { bucket, hit } from '../../../infra/rate-limit/rate-limit.js';
import { signInThrottleState } from './member-details.repository.js';
import { parseAddress, type PostalAddress } from '../../../domain/postal-address.js';
import { isUniqueViolation } from '../../../infra/db/unique-violation.js';
import { clearThrottle, MEMBER_SIGN_IN } from '../../../identity/sign-in-throttle.js';
import { accountReopenedEmail, contactCorrectedEmail, usernameChangedEmail } from './member-actions.emails.js';
import { reopenAccount } from '../../../identity/account-closure.js';
import { voidRecoveryLinks } from '../../../identity/recovery-links.js';
import { removePasskey } from '../../../identity/passkeys.js';
import { passkeyChangedEmail } from '../../../identity/passkey.emails.js';
import { findAccount } from '../../../identity/accounts.js';

// R16, R19, R23: what a customer-service agent does to a member's account. Each action runs in one transaction
// with its audit event (actor `staff:<username>`, R22) and any email it causes (outbox, R25); expected failures
// come back as codes (domain/result.ts), never as exceptions. A refused action is audited too, with its codes.
//
// Reasons: mandatory for the username change (R16) and for disabling an account (it shuts the member out);
// optional for the others, which fix something the member asked for.
//
// Contact corrections: an email or mobile an agent types was heard on the phone, not proven, so it is stored
// unconfirmed (its verified flag cleared); the member proves it at the next sign-in that sends a code there, as
// registration does (code-factor markVerified). The account's email before the change is told what changed (R15).

export interface MemberActionDeps {
  db: Db;
  clock: Clock;
  courier: Courier;
  /** R36: how long a closed account can be reopened (CLOSED_ACCOUNT_RETENTION_DAYS). */
  closedAccountRetentionDays?: number;
  /** The insurer's civil time zone (ages, R2/R19). */
  timeZone: string;
  /** Wakes the outbox worker after a commit that queued a message. */
  kickOutbox?: (() => void) | undefined;
  /** R35: told before the member's OpenID Provider rows end, so their apps get a back-channel logout token. */
  providerLogout?: ProviderLogout | undefined;
}

/** The signed-in staff user (request.staff). */
export interface Actor {
  id: number;
  username: string;
}

type Tx = Kysely<Database>;

export const MAX_REASON_LENGTH = 500;
/** R19: resends per member per day, so a slip of the finger does not flood an inbox. */
export const ENROLMENT_RESENDS_PER_DAY = 5;
const DAY = 24 * 3_600_000;

/** The audit log's name for the agent (one format for every back-office event, see staff-users.flow.ts). */
export const staffActor = (actor: Actor) => staffActorName(actor.username);

/**
 * The agent's reason: trimmed, at most MAX_REASON_LENGTH characters, line breaks allowed but no other control
 * characters.
 */
export function parseReason(raw: string | undefined, required: boolean): Result<string | null> {
  const value = (raw ?? '').slice(0, MAX_REASON_LENGTH * 4).trim();
  if (value === '') return required ? fail('reason', 'required') : ok(null);
  if (Array.from(value).length > MAX_REASON_LENGTH) return fail('reason', 'too_long', { max: MAX_REASON_LENGTH });
  if (/[^\P{Cc}\n\r\t]/u.test(value)) return fail('reason', 'invalid');
  return ok(value.replace(/\r\n?/g, '\n'));
}

const refused = (errors: FieldError[]): Result<never> => ({ ok: false, errors });
const errorsOf = (...results: Result<unknown>[]) => results.flatMap((r) => (r.ok ? [] : r.errors));

interface Target {
  member: Member;
  account: Account | undefined;
}

async function loadTarget(db: Tx, memberId: number): Promise<Target | undefined> {
  if (!Number.isSafeInteger(memberId) || memberId <= 0) return undefined;
  const member = await db.selectFrom('members').selectAll().where('id', '=', memberId).executeTakeFirst();
  if (!member) return undefined;
  const account = member.account_id !== null ? await findAccount(db, member.account_id) : undefined;
  return { member, account };
}

/**
 * Runs an action: loads the member (and account), runs `body` in one transaction, audits a refusal after a rollback.
 */
/** Records the action's success in the audit log; `about` names another subject or account than the target's. */
type Audited = (
  details: AuditEvent['details'],
  about?: { subject?: string | null; accountId?: number | null },
) => Promise<void>;

async function run<T>(
  deps: MemberActionDeps,
  actor: Actor,
  audit: AuditContext,
  event: string,
  memberId: number,
  body: (trx: Tx, target: Target, audited: Audited) => Promise<Result<T>>,
  preErrors: FieldError[] = [],
): Promise<Result<T>> {
  let result: Result<T>;
  let accountId: number | null = null;
  const validMember = Number.isSafeInteger(memberId) && memberId > 0;
  if (preErrors.length) {
    // Bad input: nothing to run, but the refusal is still filed under the member and account it was aimed at.
    const target = await loadTarget(deps.db.kysely, memberId);
    accountId = target?.account?.id ?? null;
    result = target ? refused(preErrors) : fail('member', 'member_not_found');
  } else {
    try {
      result = await deps.db.kysely.transaction().execute(async (trx) => {
        const target = await loadTarget(trx, memberId);
        if (!target) return fail('member', 'member_not_found');
        accountId = target.account?.id ?? null;
        // R36: a closed account is blocked: no agent action touches it (nor emails it) but reopening it.
        if (target.account?.status === 'closed' && event !== REOPEN_EVENT) return fail('member', 'account_closed');
        // The success entry: this action's event by this agent, about the target's account and member (R22).
        const audited: Audited = (details, about = {}) =>
          recordAudit(trx, deps.clock, audit, {
            event,
            outcome: 'success',
            actor: staffActor(actor),
            subject: target.account?.username ?? null,
            accountId: target.account?.id ?? null,
            memberId: target.member.id,
            details,
            ...about,
          });
        return body(trx, target, audited);
      });
    } catch (err) {
      // Two agents giving two accounts the same username at once: the unique index lets one win (R16 uniqueness).
      if (!isUniqueViolation(err)) throw err;
      result = fail('document_number', 'document_taken');
    }
  }
  if (result.ok) {
    deps.kickOutbox?.();
  } else {
    const memberExists = validMember && !result.errors.some((e) => e.code === 'member_not_found');
    await recordAudit(deps.db.kysely, deps.clock, audit, {
      event,
      outcome: 'refused',
      actor: staffActor(actor),
      accountId,
      memberId: memberExists ? memberId : null,
      details: { codes: result.errors.map((e) => e.code).join(',') },
    });
  }
  return result;
}

/** Ends every live session of the account at once; returns how many (R8, R16). */
async function endSessions(trx: Tx, accountId: number, now: string, providerLogout?: ProviderLogout): Promise<number> {
  await providerLogout?.(trx, accountId, { reason: 'all' });
  const r = await trx
    .updateTable('sessions')
    .set({ ended_at: now })
    .where('account_id', '=', accountId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  // R35: the member's sign-in to the insurer's apps ends with the portal's (provider sessions, grants, tokens).
  await trx.deleteFrom('oidc_payloads').where('account_id', '=', String(accountId)).execute();
  return Number(r.numUpdatedRows);
}

/**
 * Ends what is in flight for the account: sign-ins between password and code, pending changes, their codes and links.
 */
async function endFlowsAndTokens(trx: Tx, accountId: number, now: string): Promise<void> {
  await trx
    .updateTable('one_time_tokens')
    .set({ voided_at: now })
    .where('account_id', '=', accountId)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .execute();
  await trx.deleteFrom('flows').where('account_id', '=', accountId).execute();
}

// ——— R16: change the username document ———

export interface UsernameChangeInput {
  memberId: number;
  /** The username the agent saw when opening the form: if another agent changed it since, this one gets `conflict`. */
  expectedUsername: string;
  documentType: string;
  documentNumber: string;
  reason: string;
}

export interface UsernameChangePlan {
  accountId: number;
  from: string;
  fromType: DocumentType;
  to: string;
  toType: DocumentType;
  /** Unlinked records of the same person (same document and birth date) that join the account (R5). */
  joiningRecordIds: number[];
}

/**
 * R16 checks: the new document valid (R3), different, not another account's username, not another person's document.
 */
async function planUsernameChange(
  db: Tx,
  target: Target,
  input: UsernameChangeInput,
): Promise<Result<UsernameChangePlan>> {
  const doc = parseIdentityDocument(input.documentType, input.documentNumber);
  if (!doc.ok) return doc;
  const account = target.account;
  if (!account) return fail('member', 'not_registered');
  if (account.username !== input.expectedUsername) return fail('form', 'conflict');
  const { type, number } = doc.value;
  if (number === account.username && type === account.document_type)
    return fail('document_number', 'document_unchanged');
  if (number !== account.username) {
    const taken = await db.selectFrom('accounts').select('id').where('username', '=', number).executeTakeFirst();
    if (taken) return fail('document_number', 'document_taken');
  }
  // R3: a document on another person's record (a different birth date from every record of this account) is refused.
  const [own, carriers] = await Promise.all([
    db.selectFrom('members').select('date_of_birth').where('account_id', '=', account.id).execute(),
    db
      .selectFrom('members')
      .select(['id', 'date_of_birth', 'account_id'])
      .where('document_number', '=', number)
      .execute(),
  ]);
  const births = new Set(own.map((m) => m.date_of_birth));
  const strangers = carriers.filter((m) => m.account_id !== account.id);
  if (strangers.some((m) => m.account_id !== null)) return fail('document_number', 'document_taken');
  if (strangers.some((m) => !births.has(m.date_of_birth))) return fail('document_number', 'document_other_person');
  return ok({
    accountId: account.id,
    from: account.username,
    fromType: account.document_type,
    to: number,
    toType: type,
    joiningRecordIds: strangers.map((m) => m.id),
  });
}

/** For the confirmation page: what the change would do, or why it cannot be done; changes nothing. */
export async function previewUsernameChange(
  deps: Pick<MemberActionDeps, 'db'>,
  input: UsernameChangeInput,
): Promise<Result<UsernameChangePlan>> {
  const reason = parseReason(input.reason, true);
  const target = await loadTarget(deps.db.kysely, input.memberId);
  if (!target) return fail('member', 'member_not_found');
  const plan = await planUsernameChange(deps.db.kysely, target, input);
  const errors = errorsOf(plan, reason);
  return errors.length || !plan.ok ? refused(errors) : plan;
}

export interface UsernameChanged {
  from: string;
  to: string;
  documentType: DocumentType;
  sessionsEnded: number;
  recordsJoined: number;
}

/**
 * R16: the account's username and document type change, at once: every session and in-flight sign-in of the account
 * ends, so the old username is dead; the member is emailed in their language; the agent's reason is audited.
 */
export async function changeUsername(
  deps: MemberActionDeps,
  actor: Actor,
  input: UsernameChangeInput,
  audit: AuditContext,
): Promise<Result<UsernameChanged>> {
  const reason = parseReason(input.reason, true);
  const pre = errorsOf(reason, parseIdentityDocument(input.documentType, input.documentNumber));
  return run(
    deps,
    actor,
    audit,
    'backoffice.username.change',
    input.memberId,
    async (trx, target, audited) => {
      const plan = await planUsernameChange(trx, target, input);
      if (!plan.ok) return plan;
      const p = plan.value;
      const now = deps.clock.now().toISOString();
      // The expected username in the WHERE: of two agents changing at once, the second finds no row (R16 race).
      const updated = await trx
        .updateTable('accounts')
        .set({ username: p.to, document_type: p.toType, updated_at: now })
        .where('id', '=', p.accountId)
        .where('username', '=', p.from)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return fail('form', 'conflict');
      if (p.joiningRecordIds.length) {
        await trx
          .updateTable('members')
          .set({ account_id: p.accountId, updated_at: now })
          .where('id', 'in', p.joiningRecordIds)
          .where('account_id', 'is', null)
          .execute();
      }
      const sessionsEnded = await endSessions(trx, p.accountId, now, deps.providerLogout);
      await endFlowsAndTokens(trx, p.accountId, now);
      const account = target.account!;
      await deps.courier.email(trx, account.email, account.language, usernameChangedEmail, {
        firstName: target.member.first_name,
        documentType: p.toType,
        usernameEnding: p.to.slice(-3),
      });
      await audited(
        {
          from: p.from,
          fromType: p.fromType,
          to: p.to,
          toType: p.toType,
          reason: reason.ok ? reason.value : null,
          sessionsEnded,
          recordsJoined: p.joiningRecordIds.length,
        },
        { subject: p.to, accountId: p.accountId },
      );
      return ok({
        from: p.from,
        to: p.to,
        documentType: p.toType,
        sessionsEnded,
        recordsJoined: p.joiningRecordIds.length,
      });
    },
    pre,
  );
}

// ——— R19: resend the enrolment email ———

export interface ReasonInput {
  memberId: number;
  reason?: string;
}

/** R19 eligibility for the enrolment email, as the feed import and registration (R2) see it. */
async function enrolmentRefusal(db: Tx, member: Member, today: string): Promise<FieldError | undefined> {
  if (member.account_id !== null) return { field: 'member', code: 'already_registered' };
  if (member.document_number) {
    const taken = await db
      .selectFrom('accounts')
      .select('id')
      .where('username', '=', member.document_number)
      .executeTakeFirst();
    if (taken) return { field: 'member', code: 'already_registered' };
  }
  if (isMinorOn(member.date_of_birth, today)) return { field: 'member', code: 'minor' };
  const policy = await db
    .selectFrom('policies')
    .select(['scheme', 'status'])
    .where('id', '=', member.policy_id)
    .executeTakeFirstOrThrow();
  if (policy.scheme !== 'local') return { field: 'member', code: 'not_local' };
  if (policy.status !== 'active') return { field: 'member', code: 'policy_cancelled' };
  if (!member.email) return { field: 'member', code: 'no_email' };
  return undefined;
}

/** R19: the enrolment email again, to the insurer's email of the record, in the member's language. */
export async function resendEnrolmentEmail(
  deps: MemberActionDeps,
  actor: Actor,
  input: ReasonInput,
  audit: AuditContext,
): Promise<Result<{ email: string }>> {
  const reason = parseReason(input.reason, false);
  return run(
    deps,
    actor,
    audit,
    'backoffice.enrolment.resend',
    input.memberId,
    async (trx, { member }, audited) => {
      const refusal = await enrolmentRefusal(trx, member, todayIn(deps.timeZone, deps.clock.now()));
      if (refusal) return refused([refusal]);
      const limit = bucket('bo-enrolment', String(member.id));
      // R9: counted first by one atomic upsert (which also holds the row until this transaction ends), then decided.
      if ((await hit(trx, deps.clock, limit, DAY)) > ENROLMENT_RESENDS_PER_DAY)
        return fail('member', 'resend_limit', { max: ENROLMENT_RESENDS_PER_DAY });
      const policy = await trx
        .selectFrom('policies')
        .select('policy_number')
        .where('id', '=', member.policy_id)
        .executeTakeFirstOrThrow();
      await deps.courier.email(trx, member.email!, member.language, enrolmentEmail, {
        firstName: member.first_name,
        memberNumber: member.member_number,
        policyNumber: policy.policy_number,
      });
      await audited({ reason: reason.ok ? reason.value : null }, { subject: member.member_number, accountId: null });
      return ok({ email: member.email! });
    },
    errorsOf(reason),
  );
}

// ——— contact data ———

export interface ContactCorrectionInput {
  memberId: number;
  email: string;
  /** Empty removes the mobile. */
  mobile: string;
  addressLine: string;
  postalCode: string;
  city: string;
  province: string;
  /** ISO 3166-1 alpha-2; empty keeps the account's. */
  country: string;
  reason?: string;
}

export interface ContactCorrectionPlan {
  email?: string;
  /** The new mobile (E.164), or null to remove it; absent when unchanged. */
  mobile?: string | null;
  address?: PostalAddress | null;
}

function planContact(account: Account, input: ContactCorrectionInput): Result<ContactCorrectionPlan> {
  const email = parseEmail(input.email, 'email');
  const mobile = parseMobile(input.mobile, 'mobile');
  const blank = [input.addressLine, input.postalCode, input.city, input.province].every((v) => v.trim() === '');
  const address = blank ? ok(null) : parseAddress(input, account.country);
  const errors = errorsOf(email, mobile, address);
  if (errors.length || !email.ok || !mobile.ok || !address.ok) return refused(errors);
  const plan: ContactCorrectionPlan = {};
  if (email.value !== account.email) plan.email = email.value;
  const newMobile = mobile.value ?? null;
  if (newMobile !== account.mobile) plan.mobile = newMobile;
  const a = address.value;
  // The country counts only with an address (an account from before it had none: Spain, as parseAddress reads it);
  // removing the address removes it too.
  const current = account.address_line
    ? [account.address_line, account.postal_code, account.city, account.province, account.country ?? 'ES']
    : [null, null, null, null, null];
  const next = a ? [a.addressLine, a.postalCode, a.city, a.province, a.country] : [null, null, null, null, null];
  if (current.some((v, i) => (v ?? null) !== next[i])) plan.address = a;
  if (Object.keys(plan).length === 0) return fail('form', 'nothing_changed');
  return ok(plan);
}

/** For the confirmation page: the changes the correction would make, or why not; changes nothing. */
export async function previewContactCorrection(
  deps: Pick<MemberActionDeps, 'db'>,
  input: ContactCorrectionInput,
): Promise<Result<ContactCorrectionPlan>> {
  const reason = parseReason(input.reason, false);
  const target = await loadTarget(deps.db.kysely, input.memberId);
  if (!target) return fail('member', 'member_not_found');
  if (!target.account) return fail('member', 'not_registered');
  const plan = planContact(target.account, input);
  const errors = errorsOf(plan, reason);
  return errors.length || !plan.ok ? refused(errors) : plan;
}

/** Contact data of the account corrected by an agent; see the note at the top for verification and the notice. */
export async function correctContact(
  deps: MemberActionDeps,
  actor: Actor,
  input: ContactCorrectionInput,
  audit: AuditContext,
): Promise<Result<ContactCorrectionPlan>> {
  const reason = parseReason(input.reason, false);
  return run(
    deps,
    actor,
    audit,
    'backoffice.contact.correct',
    input.memberId,
    async (trx, { account }, audited) => {
      if (!account) return fail('member', 'not_registered');
      const plan = planContact(account, input);
      if (!plan.ok) return plan;
      const p = plan.value;
      const now = deps.clock.now().toISOString();
      const set: Updateable<AccountTable> = { updated_at: now };
      if (p.email !== undefined) Object.assign(set, { email: p.email, email_verified_at: null });
      if (p.mobile !== undefined) {
        Object.assign(set, { mobile: p.mobile, mobile_verified_at: null });
        // Without a mobile, sign-in codes go by email (R7 needs a channel the account has).
        if (p.mobile === null && account.preferred_channel === 'sms') set.preferred_channel = 'email';
      }
      if (p.address !== undefined) {
        const a = p.address;
        Object.assign(set, {
          address_line: a?.addressLine ?? null,
          postal_code: a?.postalCode ?? null,
          city: a?.city ?? null,
          province: a?.province ?? null,
          country: a?.country ?? null,
        });
      }
      await trx.updateTable('accounts').set(set).where('id', '=', account.id).execute();
      // Recovery links sent to the email the account had stop working with it.
      if (p.email !== undefined) await voidRecoveryLinks(trx, account.id, now);
      // R15: the email the account had is told, so a change nobody asked for does not go unnoticed.
      await deps.courier.email(trx, account.email, account.language, contactCorrectedEmail, {
        ...(p.email !== undefined ? { email: p.email } : {}),
        ...(p.mobile !== undefined ? { mobile: p.mobile === null ? null : maskPhone(p.mobile) } : {}),
        ...(p.address !== undefined ? { address: true } : {}),
      });
      await audited({ fields: Object.keys(p).join(','), reason: reason.ok ? reason.value : null });
      return ok(p);
    },
    errorsOf(reason),
  );
}

// ——— unlock, end sessions, disable, enable ———

/** R9: lifts the temporary lock and forgets the failures (the hourly cap too), as a successful reset does. */
export async function unlockAccount(
  deps: MemberActionDeps,
  actor: Actor,
  input: ReasonInput,
  audit: AuditContext,
): Promise<Result<{ wasLocked: boolean }>> {
  const reason = parseReason(input.reason, false);
  return run(
    deps,
    actor,
    audit,
    'backoffice.account.unlock',
    input.memberId,
    async (trx, { account }, audited) => {
      if (!account) return fail('member', 'not_registered');
      const state = await signInThrottleState(trx, deps.clock, account);
      if (!state.locked && state.failures === 0) return fail('member', 'not_locked');
      await clearThrottle(trx, MEMBER_SIGN_IN, account.username, true);
      await trx
        .updateTable('accounts')
        .set({ locked_until: null, failed_logins: 0 })
        .where('id', '=', account.id)
        .execute();
      await audited({ wasLocked: state.locked, failures: state.failures, reason: reason.ok ? reason.value : null });
      return ok({ wasLocked: state.locked });
    },
    errorsOf(reason),
  );
}

/** R8, R23: every session of the account ends now (the member signs in again). */
export async function endAllSessions(
  deps: MemberActionDeps,
  actor: Actor,
  input: ReasonInput,
  audit: AuditContext,
): Promise<Result<{ ended: number }>> {
  const reason = parseReason(input.reason, false);
  return run(
    deps,
    actor,
    audit,
    'backoffice.sessions.end',
    input.memberId,
    async (trx, { account }, audited) => {
      if (!account) return fail('member', 'not_registered');
      const ended = await endSessions(trx, account.id, deps.clock.now().toISOString(), deps.providerLogout);
      await audited({ ended, reason: reason.ok ? reason.value : null });
      return ok({ ended });
    },
    errorsOf(reason),
  );
}

/**
 * R23: a disabled account cannot sign in or recover: its sessions end, and sign-ins, recovery links and codes in
 * flight are voided (a reset link sent before would otherwise still work). The member is not emailed: disabling
 * usually follows suspected fraud, and the agent tells the member through the channel the case came from.
 */
export async function disableAccount(
  deps: MemberActionDeps,
  actor: Actor,
  input: ReasonInput,
  audit: AuditContext,
): Promise<Result<{ sessionsEnded: number }>> {
  const reason = parseReason(input.reason, true);
  return run(
    deps,
    actor,
    audit,
    'backoffice.account.disable',
    input.memberId,
    async (trx, { account }, audited) => {
      if (!account) return fail('member', 'not_registered');
      const now = deps.clock.now().toISOString();
      const updated = await trx
        .updateTable('accounts')
        .set({ status: 'disabled', updated_at: now })
        .where('id', '=', account.id)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return fail('member', 'already_disabled');
      const sessionsEnded = await endSessions(trx, account.id, now, deps.providerLogout);
      await endFlowsAndTokens(trx, account.id, now);
      await audited({ sessionsEnded, reason: reason.ok ? reason.value : null });
      return ok({ sessionsEnded });
    },
    errorsOf(reason),
  );
}

/** R23: a disabled account is active again; the member signs in with both steps as usual. */
export async function enableAccount(
  deps: MemberActionDeps,
  actor: Actor,
  input: ReasonInput,
  audit: AuditContext,
): Promise<Result<Record<string, never>>> {
  const reason = parseReason(input.reason, false);
  return run(
    deps,
    actor,
    audit,
    'backoffice.account.enable',
    input.memberId,
    async (trx, { account }, audited) => {
      if (!account) return fail('member', 'not_registered');
      const now = deps.clock.now().toISOString();
      const updated = await trx
        .updateTable('accounts')
        .set({ status: 'active', updated_at: now })
        .where('id', '=', account.id)
        .where('status', '=', 'disabled')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return fail('member', 'not_disabled');
      await audited({ reason: reason.ok ? reason.value : null });
      return ok({});
    },
    errorsOf(reason),
  );
}

const REOPEN_EVENT = 'backoffice.account.reopen';

/**
 * R36: customer service lifts the block of an account the member closed, on the member's request and within the
 * retention; a reason is required, the audit keeps it, the member is emailed. Passkeys removed at closing stay gone.
 */
export async function reopenClosedAccount(
  deps: MemberActionDeps,
  actor: Actor,
  input: ReasonInput,
  audit: AuditContext,
): Promise<Result<Record<string, never>>> {
  const reason = parseReason(input.reason, true);
  return run(
    deps,
    actor,
    audit,
    REOPEN_EVENT,
    input.memberId,
    async (trx, { account }, audited) => {
      if (!account) return fail('member', 'not_registered');
      const days = deps.closedAccountRetentionDays ?? 90;
      if (!(await reopenAccount(trx, deps.clock, account.id, days))) return fail('member', 'not_reopenable');
      await deps.courier.email(trx, account.email, account.language, accountReopenedEmail, {});
      await audited({ reason: reason.ok ? reason.value : null });
      return ok({});
    },
    errorsOf(reason),
  );
}

// ——— R27: remove a member's passkey ———

export interface PasskeyRemovalInput extends ReasonInput {
  passkeyId: number;
}

/**
 * R27, R23: an agent removes one of the member's passkeys (a lost phone, a member who cannot reach the security
 * page). A reason is required; the member is emailed; the audit keeps which passkey and why.
 */
export async function removeMemberPasskey(
  deps: MemberActionDeps,
  actor: Actor,
  input: PasskeyRemovalInput,
  audit: AuditContext,
): Promise<Result<{ name: string }>> {
  const reason = parseReason(input.reason, true);
  return run(
    deps,
    actor,
    audit,
    'backoffice.passkey.remove',
    input.memberId,
    async (trx, { account }, audited) => {
      if (!account) return fail('member', 'not_registered');
      const removed = Number.isSafeInteger(input.passkeyId)
        ? await removePasskey(trx, { kind: 'member', id: account.id }, input.passkeyId)
        : undefined;
      if (!removed) return fail('passkey', 'passkey_not_found');
      await deps.courier.email(trx, account.email, account.language, passkeyChangedEmail, {
        change: 'removedByStaff',
        name: removed.name,
      });
      await audited({ passkey: removed.id, name: removed.name, reason: reason.ok ? reason.value : null });
      return ok({ name: removed.name });
    },
    errorsOf(reason),
  );
}
