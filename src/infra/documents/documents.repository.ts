import type { Kysely } from 'kysely';
import { isMinorOn } from '../../domain/calendar.js';
import { normaliseReference } from '../../domain/reference-number.js';
import type { DocumentFields } from '../../domain/document.js';
import { isPostgres } from '../db/dialect.js';
import type { Database, DocumentTable } from '../db/tables.js';
import { insertFile } from '../files/files.repository.js';
import type { ReceivedFile } from '../files/upload.js';

// R32: documents the core system puts for a member or a whole policy. Plain functions taking `db` or a
// transaction first (STYLE 6). The PDF is a sealed row of `files` (R29), stored in the same transaction as the
// document, so a refused or failed put leaves nothing behind; a replaced or withdrawn document's bytes are deleted
// with it.

/** Whose a document is: one member record, or every member of one policy. */
export type DocumentOwner =
  | { kind: 'member'; memberId: number; memberNumber: string; policyId: number }
  | { kind: 'policy'; policyId: number; policyNumber: string };

const ownerKey = (owner: DocumentOwner) =>
  owner.kind === 'member' ? `member:${owner.memberId}` : `policy:${owner.policyId}`;

/** The member record a path's member number names (compared as R1 says: case, spaces, hyphens, dots aside). */
export async function findMemberOwner(db: Kysely<Database>, memberNumber: string): Promise<DocumentOwner | undefined> {
  const row = await db
    .selectFrom('members')
    .select(['id', 'member_number', 'policy_id'])
    .where('member_number', '=', normaliseReference(memberNumber))
    .executeTakeFirst();
  return row && { kind: 'member', memberId: row.id, memberNumber: row.member_number, policyId: row.policy_id };
}

/** The policy a path's policy number names (compared as R1 says), or undefined. */
export async function findPolicyOwner(db: Kysely<Database>, policyNumber: string): Promise<DocumentOwner | undefined> {
  const row = await db
    .selectFrom('policies')
    .select(['id', 'policy_number'])
    .where('policy_number', '=', normaliseReference(policyNumber))
    .executeTakeFirst();
  return row && { kind: 'policy', policyId: row.id, policyNumber: row.policy_number };
}

/**
 * Stores a document and its file, or replaces the one with the same owner and external id (its old bytes deleted).
 * Safe under concurrent puts of the same id: the unique (owner_key, external_id) decides which insert creates it;
 * the others find it, locked (PostgreSQL), and replace it one after the other, each deleting the file it replaced.
 * Pass a transaction.
 */
export async function putDocument(
  trx: Kysely<Database>,
  owner: DocumentOwner,
  externalId: string,
  fields: DocumentFields,
  file: ReceivedFile,
  at: string,
): Promise<{ id: number; result: 'created' | 'replaced' }> {
  const fileId = await insertFile(trx, file, null, at);
  const key = ownerKey(owner);
  const values = {
    kind: fields.kind,
    title_es: fields.titleEs,
    title_en: fields.titleEn,
    document_date: fields.date,
    file_id: fileId,
    updated_at: at,
  };
  // A DELETE between the insert and the select (the row gone again) is met by trying once more.
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await trx
      .insertInto('documents')
      .values({
        ...values,
        owner_key: key,
        external_id: externalId,
        member_id: owner.kind === 'member' ? owner.memberId : null,
        policy_id: owner.kind === 'policy' ? owner.policyId : null,
        created_at: at,
      })
      .onConflict((oc) => oc.columns(['owner_key', 'external_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) return { id: inserted.id, result: 'created' };
    let existing = trx
      .selectFrom('documents')
      .select(['id', 'file_id'])
      .where('owner_key', '=', key)
      .where('external_id', '=', externalId);
    if (isPostgres(trx)) existing = existing.forUpdate();
    const row = await existing.executeTakeFirst();
    if (!row) continue;
    await trx.updateTable('documents').set(values).where('id', '=', row.id).execute();
    await trx.deleteFrom('files').where('id', '=', row.file_id).execute();
    return { id: row.id, result: 'replaced' };
  }
  throw new Error('a document was put and withdrawn concurrently three times in a row');
}

/** Withdraws a document and deletes its file; false when there was none. Pass a transaction. */
export async function withdrawDocument(
  trx: Kysely<Database>,
  owner: DocumentOwner,
  externalId: string,
): Promise<boolean> {
  const row = await trx
    .deleteFrom('documents')
    .where('owner_key', '=', ownerKey(owner))
    .where('external_id', '=', externalId)
    .returning('file_id')
    .executeTakeFirst();
  if (!row) return false;
  await trx.deleteFrom('files').where('id', '=', row.file_id).execute();
  return true;
}

/** A document as the area lists it: no bytes. */
export interface DocumentSummary {
  id: number;
  kind: DocumentTable['kind'];
  titleEs: string;
  titleEn: string;
  date: string;
  size: number;
  memberId: number | null;
  policyId: number | null;
  createdAt: string;
}

/** The documents of these member records and of these policies, newest first (by date, then arrival). */
export async function listDocuments(
  db: Kysely<Database>,
  scope: { memberIds: readonly number[]; policyIds: readonly number[] },
): Promise<DocumentSummary[]> {
  if (scope.memberIds.length === 0 && scope.policyIds.length === 0) return [];
  const rows = await db
    .selectFrom('documents')
    .innerJoin('files', 'files.id', 'documents.file_id')
    .select([
      'documents.id',
      'documents.kind',
      'documents.title_es',
      'documents.title_en',
      'documents.document_date',
      'documents.member_id',
      'documents.policy_id',
      'documents.created_at',
      'files.size',
    ])
    .where((eb) =>
      eb.or([
        ...(scope.memberIds.length ? [eb('documents.member_id', 'in', [...scope.memberIds])] : []),
        ...(scope.policyIds.length ? [eb('documents.policy_id', 'in', [...scope.policyIds])] : []),
      ]),
    )
    .orderBy('documents.document_date', 'desc')
    .orderBy('documents.updated_at', 'desc')
    .orderBy('documents.id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    titleEs: r.title_es,
    titleEn: r.title_en,
    date: r.document_date,
    size: r.size,
    memberId: r.member_id,
    policyId: r.policy_id,
    createdAt: r.created_at,
  }));
}

/** One document with its stored file (sealed bytes), or undefined. Who may have it is the caller's check. */
export async function findDocumentWithFile(db: Kysely<Database>, id: number) {
  return db
    .selectFrom('documents')
    .innerJoin('files', 'files.id', 'documents.file_id')
    .select([
      'documents.id',
      'documents.member_id',
      'documents.policy_id',
      'documents.title_es',
      'documents.title_en',
      'documents.document_date',
      'files.sealed',
      'files.sha256',
      'files.size',
      'files.content_type',
    ])
    .where('documents.id', '=', id)
    .executeTakeFirst();
}

/** Who is told that a document arrived: an account, its address and its language. */
export interface DocumentRecipient {
  accountId: number;
  email: string;
  language: 'es' | 'en';
}

/**
 * R32, R14: the active accounts that see a new document: for a member's, the member's account and, while the
 * member is a minor today, each adult guardian's on the same policy; for a policy's, every member's of the policy.
 * One entry per account.
 */
export async function documentRecipients(
  db: Kysely<Database>,
  owner: DocumentOwner,
  today: string,
): Promise<DocumentRecipient[]> {
  const out = new Map<number, DocumentRecipient>();
  const add = (r: { account_id: number | null; email: string; language: 'es' | 'en'; status: string }) => {
    if (r.account_id !== null && r.status === 'active')
      out.set(r.account_id, { accountId: r.account_id, email: r.email, language: r.language });
  };
  const holders = db
    .selectFrom('members')
    .innerJoin('accounts', 'accounts.id', 'members.account_id')
    .select(['members.account_id', 'accounts.email', 'accounts.language', 'accounts.status']);
  if (owner.kind === 'policy') {
    for (const r of await holders.where('members.policy_id', '=', owner.policyId).orderBy('members.id').execute())
      add(r);
    return [...out.values()];
  }
  for (const r of await holders.where('members.id', '=', owner.memberId).execute()) add(r);
  const minor = await db
    .selectFrom('members')
    .select('date_of_birth')
    .where('id', '=', owner.memberId)
    .executeTakeFirstOrThrow();
  if (!isMinorOn(minor.date_of_birth, today)) return [...out.values()];
  const guardians = await db
    .selectFrom('guardian_links')
    .innerJoin('members as guardian', 'guardian.id', 'guardian_links.guardian_member_id')
    .innerJoin('accounts', 'accounts.id', 'guardian.account_id')
    .select(['guardian.account_id', 'guardian.date_of_birth', 'accounts.email', 'accounts.language', 'accounts.status'])
    .where('guardian_links.minor_member_id', '=', owner.memberId)
    .where('guardian.policy_id', '=', owner.policyId)
    .orderBy('guardian.id')
    .execute();
  for (const g of guardians) if (!isMinorOn(g.date_of_birth, today)) add(g);
  return [...out.values()];
}
