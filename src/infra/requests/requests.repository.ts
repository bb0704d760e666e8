import type { Kysely, Updateable } from 'kysely';
import type { Clock } from '../../clock.js';
import { todayIn } from '../../domain/calendar.js';
import { formatRequestReference, referencePrefix, type RequestType } from '../../domain/request-reference.js';
import { checkTransition, type RequestStatus, type TransitionFields } from '../../domain/request-status.js';
import { fail, ok } from '../../domain/result.js';
import type { Result } from '../../domain/result.js';
import type { Database, Request, RequestEvent, RequestFileTable, RequestTable } from '../db/tables.js';
import { isUniqueViolation } from '../db/unique-violation.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { insertFile } from '../files/files.repository.js';
import type { ReceivedFile } from '../files/upload.js';

// R31: requests, their timeline and files. Every write is one transaction: a request is stored with its files and
// its first event or not at all; a transition is a compare-and-set on the version the caller read, so of two
// concurrent changes one wins and the other is told the request changed.

/** A form's one-time token: random, URL-safe, 16-64 characters (the page that renders the form makes it). */
export const FORM_TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

export type Actor =
  { kind: 'member'; accountId: number } | { kind: 'staff'; username: string } | { kind: 'core'; keyName: string };

const actorColumns = (actor: Actor): { actor: 'member' | 'staff' | 'core'; actor_id: string } =>
  actor.kind === 'member'
    ? { actor: 'member', actor_id: String(actor.accountId) }
    : actor.kind === 'staff'
      ? { actor: 'staff', actor_id: actor.username }
      : { actor: 'core', actor_id: actor.keyName };

export interface ReimbursementFields {
  service_date: string;
  provider: string;
  concept: string;
  /** Cents. */
  amount_claimed: number;
  /** The IBAN sealed under ENCRYPTION_KEY (R29), and its mask (src/domain/iban.ts). */
  iban_sealed: string;
  iban_masked: string;
}

export interface AuthorizationFields {
  category: string;
  prescription: string;
  prescribing_doctor: string;
  preferred_provider: string;
}

export type NewRequest = {
  accountId: number;
  memberId: number;
  patientMemberId: number;
  formToken: string;
  files: readonly ReceivedFile[];
} & ({ type: 'reimbursement'; fields: ReimbursementFields } | { type: 'authorization'; fields: AuthorizationFields });

/** The next number of a type's sequence in a year: one atomic upsert, held (row-locked) until the transaction ends. */
async function nextSequence(trx: Kysely<Database>, type: RequestType, year: number): Promise<number> {
  const row = await trx
    .insertInto('request_sequences')
    .values({ prefix: referencePrefix(type), year, last: 1 })
    .onConflict((oc) =>
      oc.columns(['prefix', 'year']).doUpdateSet((eb) => ({ last: eb('request_sequences.last', '+', 1) })),
    )
    .returning('last')
    .executeTakeFirstOrThrow();
  return Number(row.last);
}

export type CreateOutcome = { created: true; request: Request } | { created: false; request: Request };

/**
 * Stores a request with its files and its first event (`received`), all or nothing, under the next reference of
 * its type and year (Madrid's year). The same form sent again (its token already taken by the account) stores
 * nothing and answers the request it made: `created: false`. The caller took the daily quota first
 * (request-quota.ts) and releases it when created is false.
 */
export async function createRequest(
  db: Kysely<Database>,
  clock: Clock,
  timeZone: string,
  input: NewRequest,
): Promise<CreateOutcome> {
  if (!FORM_TOKEN.test(input.formToken)) throw new Error('createRequest: the form token is not one a form carries');
  const now = clock.now().toISOString();
  const year = Number(todayIn(timeZone, clock.now()).slice(0, 4));
  const role: RequestFileTable['role'] = input.type === 'reimbursement' ? 'invoice' : 'prescription';
  try {
    return await db.transaction().execute(async (trx) => {
      const sequence = await nextSequence(trx, input.type, year);
      const request = await trx
        .insertInto('requests')
        .values({
          type: input.type,
          reference: formatRequestReference(input.type, year, sequence),
          account_id: input.accountId,
          member_id: input.memberId,
          patient_member_id: input.patientMemberId,
          status: 'received',
          version: 1,
          form_token: input.formToken,
          ...input.fields,
          submitted_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const event = await trx
        .insertInto('request_events')
        .values({
          request_id: request.id,
          status: 'received',
          ...actorColumns({ kind: 'member', accountId: input.accountId }),
          details: '{}',
          at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const file of input.files) {
        const fileId = await insertFile(trx, file, input.accountId, now);
        await trx
          .insertInto('request_files')
          .values({ request_id: request.id, file_id: fileId, role, event_id: event.id })
          .execute();
      }
      return { created: true as const, request };
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const existing = await findRequestByFormToken(db, input.accountId, input.formToken);
    if (!existing) throw err;
    return { created: false, request: existing };
  }
}

/** The request an account's form token made, if any. */
export async function findRequestByFormToken(
  db: Kysely<Database>,
  accountId: number,
  formToken: string,
): Promise<Request | undefined> {
  return db
    .selectFrom('requests')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('form_token', '=', formToken)
    .executeTakeFirst();
}

export async function findRequest(db: Kysely<Database>, id: number): Promise<Request | undefined> {
  return db.selectFrom('requests').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findRequestByReference(db: Kysely<Database>, reference: string): Promise<Request | undefined> {
  return db.selectFrom('requests').selectAll().where('reference', '=', reference).executeTakeFirst();
}

/** Requests whose patient is one of these members (a member's own and their minors', R14), newest first. */
export async function listRequestsOfPatients(
  db: Kysely<Database>,
  memberIds: readonly number[],
  options: { limit?: number; beforeId?: number } = {},
): Promise<Request[]> {
  if (memberIds.length === 0) return [];
  let q = db.selectFrom('requests').selectAll().where('patient_member_id', 'in', memberIds);
  if (options.beforeId !== undefined) q = q.where('id', '<', options.beforeId);
  return q
    .orderBy('id', 'desc')
    .limit(options.limit ?? 50)
    .execute();
}

/** A request's timeline, oldest first. */
export async function requestTimeline(db: Kysely<Database>, requestId: number): Promise<RequestEvent[]> {
  return db.selectFrom('request_events').selectAll().where('request_id', '=', requestId).orderBy('id').execute();
}

/** Where each checked transition field is kept on the request (message and answer live in the event only). */
function columnsOf(fields: TransitionFields): Updateable<RequestTable> {
  return {
    ...(fields.reason !== undefined ? { reason: fields.reason } : {}),
    ...(fields.amount_approved !== undefined ? { amount_approved: fields.amount_approved } : {}),
    ...(fields.amount_paid !== undefined ? { amount_paid: fields.amount_paid } : {}),
    ...(fields.paid_on !== undefined ? { paid_on: fields.paid_on } : {}),
    ...(fields.authorization_number !== undefined ? { authorization_number: fields.authorization_number } : {}),
    ...(fields.valid_from !== undefined ? { valid_from: fields.valid_from } : {}),
    ...(fields.valid_until !== undefined ? { valid_until: fields.valid_until } : {}),
    ...(fields.provider !== undefined ? { authorized_provider: fields.provider } : {}),
  };
}

export interface TransitionInput {
  id: number;
  /** The version the caller read: a change made meanwhile wins and this one is refused (stale_version). */
  version: number;
  to: RequestStatus;
  fields: TransitionFields;
  actor: Actor;
  /** Files sent with the step (the member's answer to needs_info), stored in the same transaction. */
  files?: readonly ReceivedFile[];
  /**
   * Runs in the transition's transaction once the change is stored: what must commit with it or not at all (R25:
   * the member's status email through the outbox).
   */
  afterChange?: (trx: Kysely<Database>, updated: Request) => Promise<void>;
}

/** Moves a request along R31's graph (checkTransition), compare-and-set on its version, with its event and files. */
export async function transitionRequest(
  db: Kysely<Database>,
  clock: Clock,
  timeZone: string,
  input: TransitionInput,
): Promise<Result<Request>> {
  return db.transaction().execute((trx) => transitionInTransaction(trx, clock, timeZone, input));
}

/**
 * transitionRequest inside the caller's transaction (the API stores its idempotency record in the same one). A
 * refusal writes nothing; the caller may still commit what it wrote itself.
 */
export async function transitionInTransaction(
  trx: Kysely<Database>,
  clock: Clock,
  timeZone: string,
  input: TransitionInput,
): Promise<Result<Request>> {
  const now = clock.now().toISOString();
  const current = await trx.selectFrom('requests').selectAll().where('id', '=', input.id).executeTakeFirst();
  if (!current) return fail('request', 'request_not_found');
  if (current.version !== input.version) return fail('version', 'stale_version', { version: current.version });
  const checked = checkTransition(current, input.to, input.fields, todayIn(timeZone, clock.now()));
  if (!checked.ok) return checked;
  const updated = await trx
    .updateTable('requests')
    .set({
      status: checked.value.to,
      version: input.version + 1,
      updated_at: now,
      ...columnsOf(checked.value.fields),
    })
    .where('id', '=', input.id)
    .where('version', '=', input.version)
    .returningAll()
    .executeTakeFirst();
  if (!updated) return fail('version', 'stale_version');
  const event = await trx
    .insertInto('request_events')
    .values({
      request_id: input.id,
      status: checked.value.to,
      ...actorColumns(input.actor),
      details: JSON.stringify(checked.value.fields),
      at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const file of input.files ?? []) {
    const fileId = await insertFile(trx, file, input.actor.kind === 'member' ? input.actor.accountId : null, now);
    await trx
      .insertInto('request_files')
      .values({ request_id: input.id, file_id: fileId, role: 'answer', event_id: event.id })
      .execute();
  }
  await input.afterChange?.(trx, updated);
  return ok(updated);
}

/**
 * Whether the account was already paid into this IBAN (electronic form) by an earlier request (R31: a new IBAN asks
 * for the second factor again). The IBANs are sealed with a fresh IV each, so they are opened and compared here; an
 * account has at most a few requests a day, so this reads a short list.
 */
export async function ibanUsedBefore(
  db: Kysely<Database>,
  box: SecretBox,
  accountId: number,
  iban: string,
): Promise<boolean> {
  const rows = await db
    .selectFrom('requests')
    .select('iban_sealed')
    .where('account_id', '=', accountId)
    .where('iban_sealed', 'is not', null)
    .execute();
  return rows.some((r) => box.open(r.iban_sealed!) === iban);
}

/** What storing an authorization's letter answers: the new file's id, or why the request takes no letter now. */
export type LetterOutcome =
  { ok: true; fileId: number; replaced: boolean } | { ok: false; code: 'request_not_found' | 'letter_not_allowed' };

/**
 * R31: the letter (PDF) of an approved authorization, put by the core system; a second one replaces the first (the
 * old file goes with it). Checked and stored in one transaction, so a request that changes meanwhile cannot get it.
 */
export async function putAuthorizationLetter(
  db: Kysely<Database>,
  clock: Clock,
  requestId: number,
  file: ReceivedFile,
): Promise<LetterOutcome> {
  const now = clock.now().toISOString();
  return db.transaction().execute(async (trx) => {
    const request = await trx
      .selectFrom('requests')
      .select(['id', 'type', 'status'])
      .where('id', '=', requestId)
      .executeTakeFirst();
    if (!request) return { ok: false, code: 'request_not_found' } as const;
    if (request.type !== 'authorization' || (request.status !== 'approved' && request.status !== 'partially_approved'))
      return { ok: false, code: 'letter_not_allowed' } as const;
    const old = await trx
      .selectFrom('request_files')
      .select('file_id')
      .where('request_id', '=', requestId)
      .where('role', '=', 'letter')
      .execute();
    if (old.length > 0) {
      const ids = old.map((r) => r.file_id);
      await trx.deleteFrom('request_files').where('request_id', '=', requestId).where('file_id', 'in', ids).execute();
      await trx.deleteFrom('files').where('id', 'in', ids).execute();
    }
    const fileId = await insertFile(trx, file, null, now);
    await trx
      .insertInto('request_files')
      .values({ request_id: requestId, file_id: fileId, role: 'letter', event_id: null })
      .execute();
    await trx.updateTable('requests').set({ updated_at: now }).where('id', '=', requestId).execute();
    return { ok: true, fileId, replaced: old.length > 0 } as const;
  });
}
