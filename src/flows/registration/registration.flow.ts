import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import { isMinorOn, parseDateInput, todayIn } from '../../domain/calendar.js';
import { parseEmail } from '../../domain/email.js';
import { parseIdentityDocument, type DocumentType } from '../../domain/identity-document.js';
import { checkPassword, type PasswordRule } from '../../domain/password-policy.js';
import { parseMobile } from '../../domain/phone.js';
import { parseAddress, type PostalAddress } from '../../domain/postal-address.js';
import { normaliseReference } from '../../domain/reference-number.js';
import type { FieldError } from '../../domain/result.js';
import type { AuditContext } from '../../infra/audit/audit.repository.js';
import { recordAudit } from '../../infra/audit/audit.repository.js';
import { hashPassword } from '../../infra/crypto/password-hash.js';
import type { Database, Member, Policy } from '../../infra/db/tables.js';
import type { Lang } from '../../infra/i18n/i18n.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { createFlowStore, type FlowStore } from '../../infra/flows/flow-store.js';
import { accountCreatedNoticeEmail, registrationCompleteEmail } from './registration.emails.js';
import { isUniqueViolation } from '../../infra/db/unique-violation.js';
import { memberActor } from '../../identity/accounts.js';
import type { AfterSignIn } from '../../identity/sign-in-hooks.js';

// The registration rules R1–R5, apart from HTTP: each step takes what the person typed and answers with a value
// the routes turn into a page. See registration.mermaid.md for the states.

export const REGISTRATION_TTL_MS = 30 * 60_000; // R6

/** The registration flow store (also read by sign-in, to finish a returning member's registration). */
export function registrationFlows(clock: Clock, secureCookies: boolean): FlowStore<RegistrationData> {
  return createFlowStore<RegistrationData>(clock, {
    kind: 'registration',
    ttlMs: REGISTRATION_TTL_MS,
    cookieName: 'registration',
    secureCookies,
  });
}

/**
 * R3 returning member: once they have signed in with both steps, the record they identified joins their account.
 * Only a record with no account yet, and only into the account the registration flow pointed at.
 */
export async function joinReturningRecord(
  db: Kysely<Database>,
  clock: Clock,
  memberId: number,
  accountId: number,
): Promise<boolean> {
  const result = await db
    .updateTable('members')
    .set({ account_id: accountId, updated_at: clock.now().toISOString() })
    .where('id', '=', memberId)
    .where('account_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export type RegistrationState = 'details' | 'password' | 'returning' | 'done';

/** What the flow row carries between steps. */
export interface RegistrationData {
  details?: ConfirmedDetails;
  /** R3 returning member: the account that will gain this record once its owner signs in. */
  returningAccountId?: number;
}

export interface ConfirmedDetails extends PostalAddress {
  email: string;
  mobile: string | null;
  documentType: DocumentType;
  documentNumber: string;
}

export type Ineligibility = 'minor' | 'international' | 'expatriate' | 'cancelled' | 'registered';

export interface IdentifyInput {
  memberNumber: string;
  birthDate: string;
  policyNumber: string;
}

export type IdentifyOutcome =
  | { kind: 'invalid'; errors: FieldError[] }
  | { kind: 'mismatch' }
  | { kind: 'ineligible'; reason: Ineligibility; member: Member }
  | { kind: 'ok'; member: Member; policy: Policy };

const MAX_INPUT = 100;

/** R1: the three values must match one member record; forgiving input; one generic answer for any mismatch. */
export async function identify(
  db: Kysely<Database>,
  clock: Clock,
  timeZone: string,
  input: IdentifyInput,
): Promise<IdentifyOutcome> {
  const errors: FieldError[] = [];
  const memberNumber = normaliseReference(input.memberNumber.slice(0, MAX_INPUT));
  const policyNumber = normaliseReference(input.policyNumber.slice(0, MAX_INPUT));
  if (!memberNumber) errors.push({ field: 'member_number', code: 'required' });
  if (!policyNumber) errors.push({ field: 'policy_number', code: 'required' });
  const birth = parseDateInput(input.birthDate.slice(0, MAX_INPUT), 'birth_date');
  if (!birth.ok) errors.push(...birth.errors);
  if (errors.length || !birth.ok) return { kind: 'invalid', errors };

  const row = await db
    .selectFrom('members')
    .innerJoin('policies', 'policies.id', 'members.policy_id')
    .selectAll('members')
    .select([
      'policies.policy_number',
      'policies.status as policy_status',
      'policies.scheme',
      'policies.product',
      'policies.start_date',
      'policies.end_date',
      'policies.created_at as policy_created_at',
      'policies.updated_at as policy_updated_at',
    ])
    .where('members.member_number', '=', memberNumber)
    .executeTakeFirst();
  if (!row || row.policy_number !== policyNumber || row.date_of_birth !== birth.value) return { kind: 'mismatch' };

  const {
    policy_number,
    policy_status,
    scheme,
    product,
    start_date,
    end_date,
    policy_created_at,
    policy_updated_at,
    ...member
  } = row;
  const policy: Policy = {
    id: member.policy_id,
    policy_number,
    status: policy_status,
    scheme,
    product,
    start_date,
    end_date,
    created_at: policy_created_at,
    updated_at: policy_updated_at,
  };
  // R2, checked only after a full match.
  if (isMinorOn(member.date_of_birth, todayIn(timeZone, clock.now())))
    return { kind: 'ineligible', reason: 'minor', member };
  if (policy.scheme !== 'local') return { kind: 'ineligible', reason: policy.scheme, member };
  if (policy.status === 'cancelled') return { kind: 'ineligible', reason: 'cancelled', member };
  if (member.account_id !== null) return { kind: 'ineligible', reason: 'registered', member };
  if (member.document_number) {
    const taken = await db
      .selectFrom('accounts')
      .select('id')
      .where('username', '=', member.document_number)
      .executeTakeFirst();
    if (taken) return { kind: 'ineligible', reason: 'registered', member };
  }
  return { kind: 'ok', member, policy };
}

export interface DetailsInput {
  addressLine: string;
  postalCode: string;
  country: string;
  city: string;
  province: string;
  email: string;
  mobile: string;
  documentType: string;
  documentNumber: string;
}

export type DetailsOutcome =
  | { kind: 'invalid'; errors: FieldError[] }
  | { kind: 'ok'; details: ConfirmedDetails }
  | { kind: 'returning'; details: ConfirmedDetails; accountId: number };

/** R3: the contact data and the identity document as typed, checked without looking at anyone else's data. */
export function parseDetails(
  member: Member,
  input: DetailsInput,
): { kind: 'invalid'; errors: FieldError[] } | { kind: 'parsed'; details: ConfirmedDetails } {
  const errors: FieldError[] = [];
  // The same address rules as the contact page and the back office (src/domain/postal-address.ts); a form without a
  // country keeps the record's.
  const address = parseAddress(input, member.country);
  if (!address.ok) errors.push(...address.errors);
  const email = parseEmail(input.email.slice(0, 300));
  if (!email.ok) errors.push(...email.errors);
  const mobile = parseMobile(input.mobile.slice(0, MAX_INPUT));
  if (!mobile.ok) errors.push(...mobile.errors);
  const document = parseIdentityDocument(input.documentType.slice(0, 20), input.documentNumber);
  if (!document.ok) errors.push(...document.errors);
  if (errors.length || !address.ok || !email.ok || !mobile.ok || !document.ok) return { kind: 'invalid', errors };

  const doc = document.value;
  // R3: when the insurer's record carries a document, the one entered must be that one.
  if (
    member.document_number &&
    (member.document_number !== doc.number || (member.document_type && member.document_type !== doc.type))
  ) {
    return { kind: 'invalid', errors: [{ field: 'document_number', code: 'document_mismatch' }] };
  }
  const details: ConfirmedDetails = {
    ...address.value,
    email: email.value,
    mobile: mobile.value ?? null,
    documentType: doc.type,
    documentNumber: doc.number,
  };
  return { kind: 'parsed', details };
}

/**
 * R3: whether the document is free, a returning member's username, or someone else's. This answer tells whether a
 * document belongs to an insured person, so the routes count every lookup against the member record and the client
 * address first (issue 15: step 2 must not be a lookup of who is insured).
 */
export async function lookupDocument(
  db: Kysely<Database>,
  member: Member,
  details: ConfirmedDetails,
): Promise<DetailsOutcome> {
  const doc = { number: details.documentNumber };
  const account = await db.selectFrom('accounts').select('id').where('username', '=', doc.number).executeTakeFirst();
  if (account) {
    // R3: the document is a username. Same birth date on that account's records: a returning member, who signs in;
    // anything else is someone else's document.
    const same = await db
      .selectFrom('members')
      .select('id')
      .where('account_id', '=', account.id)
      .where('date_of_birth', '=', member.date_of_birth)
      .executeTakeFirst();
    if (same) return { kind: 'returning', details, accountId: account.id };
    return { kind: 'invalid', errors: [{ field: 'document_number', code: 'document_taken' }] };
  }
  // Another person's record carrying this document (a different birth date) is not this person's document either.
  const other = await db
    .selectFrom('members')
    .select('id')
    .where('document_number', '=', doc.number)
    .where('id', '!=', member.id)
    .where('date_of_birth', '!=', member.date_of_birth)
    .executeTakeFirst();
  if (other) return { kind: 'invalid', errors: [{ field: 'document_number', code: 'document_taken' }] };
  return { kind: 'ok', details };
}

export type PasswordOutcome =
  | { kind: 'invalid'; errors: FieldError[]; rules: { rule: PasswordRule; met: boolean }[] }
  | { kind: 'taken' }
  | { kind: 'created'; accountId: number };

export interface CompleteDeps {
  db: Kysely<Database>;
  clock: Clock;
  courier: Courier;
  audit: AuditContext;
  lang: Lang;
}

/** The R4 verdict on a password for this member, rule by rule, for the checklist. */
export function passwordVerdict(password: string, member: Member, details: ConfirmedDetails) {
  return checkPassword(password, {
    username: details.documentNumber,
    memberNumbers: [member.member_number],
    birthDates: [member.date_of_birth],
  });
}

/**
 * R4 + R5: checks the password, then in one transaction takes the flow's last step (once only), creates the
 * account, links every record of this person, and queues the confirmation (and the notice to the record's email
 * when the person gave another). `takeStep` must atomically move the flow out of its 'password' state.
 */
export async function completeRegistration(
  deps: CompleteDeps,
  member: Member,
  details: ConfirmedDetails,
  password: string,
  confirmation: string,
  takeStep: (trx: Kysely<Database>) => Promise<boolean>,
): Promise<PasswordOutcome> {
  const verdict = passwordVerdict(password.slice(0, 1000), member, details);
  const errors: FieldError[] = [];
  if (!verdict.ok) errors.push({ field: 'password', code: 'password_rules' });
  if (password !== confirmation) errors.push({ field: 'password_confirmation', code: 'password_mismatch' });
  if (errors.length) return { kind: 'invalid', errors, rules: verdict.rules };

  const hash = await hashPassword(password);
  const now = deps.clock.now().toISOString();
  return deps.db
    .transaction()
    .execute(async (trx) => {
      if (!(await takeStep(trx))) return { kind: 'taken' } as const;
      const clash = await trx
        .selectFrom('accounts')
        .select('id')
        .where('username', '=', details.documentNumber)
        .executeTakeFirst();
      if (clash) return { kind: 'taken' } as const;
      const account = await trx
        .insertInto('accounts')
        .values({
          username: details.documentNumber,
          document_type: details.documentType,
          password_hash: hash,
          email: details.email,
          mobile: details.mobile,
          address_line: details.addressLine,
          postal_code: details.postalCode,
          city: details.city,
          province: details.province,
          country: details.country,
          language: deps.lang,
          status: 'active',
          password_changed_at: now,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      // Exactly one account per member: if another browser linked this record first, this one rolls back.
      const linked = await trx
        .updateTable('members')
        .set({ account_id: account.id, updated_at: now })
        .where('id', '=', member.id)
        .where('account_id', 'is', null)
        .executeTakeFirst();
      if (Number(linked.numUpdatedRows) !== 1) throw new RegistrationRaceLost();
      // R5: every other record with the same document and birth date (the same person on another policy) joins too.
      await trx
        .updateTable('members')
        .set({ account_id: account.id, updated_at: now })
        .where('document_number', '=', details.documentNumber)
        .where('date_of_birth', '=', member.date_of_birth)
        .where('account_id', 'is', null)
        .execute();
      await trx
        .insertInto('password_history')
        .values({ account_id: account.id, password_hash: hash, created_at: now })
        .execute();

      const params = { firstName: member.first_name, username: details.documentNumber };
      await deps.courier.email(trx, details.email, deps.lang, registrationCompleteEmail, params);
      if (member.email && member.email !== details.email) {
        await deps.courier.email(trx, member.email, member.language, accountCreatedNoticeEmail, {
          firstName: member.first_name,
          newEmail: details.email,
        });
      }
      await recordAudit(trx, deps.clock, deps.audit, {
        event: 'registration.completed',
        outcome: 'success',
        actor: details.documentNumber,
        subject: member.member_number,
        accountId: account.id,
        memberId: member.id,
        details: { emailChanged: member.email !== details.email },
      });
      return { kind: 'created', accountId: account.id } as const;
    })
    .catch((err: unknown) => {
      if (err instanceof RegistrationRaceLost || isUniqueViolation(err)) return { kind: 'taken' } as const;
      throw err;
    });
}

class RegistrationRaceLost extends Error {}

/**
 * R3 returning member, as a sign-in hook (registered in app.ts): a member sent to sign in by registration gets the
 * record they identified joined to their account once both steps are done, in the browser that registered.
 */
export function joinReturningMemberAfterSignIn(clock: Clock, secureCookies: boolean): AfterSignIn {
  const registrations = registrationFlows(clock, secureCookies);
  return async ({ db, request, reply, account }) => {
    const registration = await registrations.load(db, request);
    if (
      registration.status !== 'active' ||
      registration.flow.state !== 'returning' ||
      registration.flow.data.returningAccountId !== account.id ||
      !registration.flow.memberId
    )
      return;
    if (await joinReturningRecord(db, clock, registration.flow.memberId, account.id)) {
      await request.audit(
        'registration.joined',
        'success',
        { ...memberActor(account), memberId: registration.flow.memberId },
        db,
      );
    }
    await registrations.end(db, request, reply);
  };
}
