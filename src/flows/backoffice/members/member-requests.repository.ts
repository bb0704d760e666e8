import type { Kysely } from 'kysely';
import { parseRequestReference } from '../../../domain/request-reference.js';
import type { Database, Request, RequestEvent } from '../../../infra/db/tables.js';
import { findFile, listFilesOfRequest } from '../../../infra/files/files.repository.js';
import { requestTimeline } from '../../../infra/requests/requests.repository.js';

// R31 back office: a member's requests as agents see them, read-only (the core system decides). The list on the
// member's page names each request (reference, type, status, dates) and nothing it holds; what it holds is read only
// once an agent has given a reason (member-requests.routes.tsx).

export interface RequestRow {
  reference: string;
  type: Request['type'];
  status: Request['status'];
  submittedAt: string;
  updatedAt: string;
}

const iso = (v: string | Date): string => (v instanceof Date ? v.toISOString() : new Date(v).toISOString());

/** The requests whose patient is this member, newest first (at most `limit`). */
export async function listMemberRequests(db: Kysely<Database>, memberId: number, limit = 100): Promise<RequestRow[]> {
  const rows = await db
    .selectFrom('requests')
    .select(['reference', 'type', 'status', 'submitted_at', 'updated_at'])
    .where('patient_member_id', '=', memberId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    reference: r.reference,
    type: r.type,
    status: r.status,
    submittedAt: iso(r.submitted_at),
    updatedAt: iso(r.updated_at),
  }));
}

/**
 * The request with this reference whose patient is this member, or undefined: another member's reference, an
 * unknown one and a malformed one look the same (404).
 */
export async function findMemberRequest(
  db: Kysely<Database>,
  memberId: number,
  reference: string,
): Promise<Request | undefined> {
  const parsed = parseRequestReference(reference);
  if (!parsed || parsed.reference !== reference) return undefined;
  return db
    .selectFrom('requests')
    .selectAll()
    .where('reference', '=', parsed.reference)
    .where('patient_member_id', '=', memberId)
    .executeTakeFirst();
}

export interface RequestFileSummary {
  id: number;
  name: string;
  content_type: string;
  size: number;
  role: string;
}

/** What the request's page shows: the request, its timeline (oldest first) and its files. */
export async function loadRequestPage(
  db: Kysely<Database>,
  request: Request,
): Promise<{ request: Request; timeline: RequestEvent[]; files: RequestFileSummary[] }> {
  const [timeline, files] = await Promise.all([requestTimeline(db, request.id), listFilesOfRequest(db, request.id)]);
  return { request, timeline, files };
}

/** One of the request's files with its sealed bytes, only when it belongs to that request. */
export async function findRequestFile(db: Kysely<Database>, requestId: number, fileId: number) {
  const belongs = await db
    .selectFrom('request_files')
    .select('file_id')
    .where('request_id', '=', requestId)
    .where('file_id', '=', fileId)
    .executeTakeFirst();
  return belongs ? findFile(db, fileId) : undefined;
}
